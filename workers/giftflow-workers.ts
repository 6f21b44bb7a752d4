/**
 * Builds the giftflow workers: one Worker per provider task queue, all in one process,
 * sharing one connection, one workflow bundle and one set of activities.
 */
import { Worker as Thread } from 'node:worker_threads';
import { NativeConnection, Worker, type WorkerOptions, type WorkflowBundle } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities } from '../activities';
import type { GiftflowConfig } from '../config';
import { SMARTGIFT_REQUESTS_PER_MINUTE, SMARTGIFT_TASK_QUEUE } from '../contracts/smartgift';

/**
 * Options for one provider's task queue. maxTaskQueueActivitiesPerSecond is enforced by the
 * server across every worker of the queue, so the whole fleet stays under the provider's limit
 * (each Smart Gift activity makes one request).
 */
const QUEUE_OPTIONS: Record<string, Partial<WorkerOptions>> = {
  [SMARTGIFT_TASK_QUEUE]: { maxTaskQueueActivitiesPerSecond: SMARTGIFT_REQUESTS_PER_MINUTE / 60 },
};

/**
 * Bundles the workflow code once; each Worker reuses the bundle instead of building its own.
 * The bundler (webpack, swc) runs in a worker thread and leaves with it: bundled in the
 * worker's own thread it stays resident, about 100 MB of the worker's RSS.
 */
export function bundleGiftflowWorkflows(): Promise<WorkflowBundle> {
  return new Promise((resolve, reject) => {
    const thread = new Thread(BUNDLE_IN_THREAD, { eval: true, workerData: require.resolve('../workflows') });
    thread.once('message', (code: string) => resolve({ code }));
    thread.once('error', reject);
    thread.once('exit', (exitCode) => exitCode !== 0 && reject(new Error(`workflow bundling thread exited with ${exitCode}`)));
  });
}

// webpack's progress lines are noise in worker logs; real bundling errors still reject.
const BUNDLE_IN_THREAD = `
  const { parentPort, workerData } = require('node:worker_threads');
  const { bundleWorkflowCode } = require('@temporalio/worker');
  const noop = () => undefined;
  const logger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
  bundleWorkflowCode({ workflowsPath: workerData, logger }).then((bundle) => parentPort.postMessage(bundle.code));
`;

export async function createGiftflowWorkers(options: {
  connection: NativeConnection;
  namespace: string;
  config: GiftflowConfig;
  workflowBundle?: WorkflowBundle;
  /** Must match the clients' (payload encryption); see security/codec-keys.ts. */
  dataConverter?: DataConverter;
}): Promise<Worker[]> {
  const workflowBundle = options.workflowBundle ?? (await bundleGiftflowWorkflows());
  const activities = createActivities(options.config);
  return Promise.all(
    options.config.taskQueues.map((taskQueue) =>
      Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue,
        workflowBundle,
        activities,
        dataConverter: options.dataConverter,
        maxCachedWorkflows: options.config.maxCachedWorkflows,
        ...QUEUE_OPTIONS[taskQueue],
      }),
    ),
  );
}

