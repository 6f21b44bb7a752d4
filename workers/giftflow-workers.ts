/**
 * Builds the giftflow workers: one Worker per provider task queue, all in one process,
 * sharing one connection, one workflow bundle and one set of activities.
 */
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions, type WorkflowBundle } from '@temporalio/worker';
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

/** Bundles the workflow code once; each Worker reuses the bundle instead of building its own. */
export function bundleGiftflowWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietBundlerLogger });
}

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
        ...QUEUE_OPTIONS[taskQueue],
      }),
    ),
  );
}

const noop = () => undefined;
/** webpack's progress lines are noise in worker logs; real bundling errors still throw. */
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
