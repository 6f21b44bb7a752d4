/**
 * Builds the giftflow workers: one Worker per provider task queue, all in one process,
 * sharing one connection, one workflow bundle and one set of activities.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { NativeConnection, Worker, type WorkerOptions, type WorkflowBundle } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities } from '../activities';
import type { GiftflowConfig } from '../config';
import { SMARTGIFT_REQUESTS_PER_MINUTE, SMARTGIFT_TASK_QUEUE } from '../contracts/smartgift';

const execFileAsync = promisify(execFile);

/**
 * The failure converter the workflow isolate uses (it cannot receive a converter instance, so the
 * bundler compiles this module in): workflow failures then carry their message and stack trace
 * as an encrypted payload, like the activities' and clients' (see security/failure-converter.ts).
 */
const FAILURE_CONVERTER_PATH = require.resolve('../security/failure-converter');

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
 * The bundler (webpack, swc) runs in a child process: in the worker's own process, even in a
 * thread that exits, the memory it touched stays resident (~125 MB of an idle worker's RSS).
 */
export async function bundleGiftflowWorkflows(): Promise<WorkflowBundle> {
  const workerModule = require.resolve('@temporalio/worker');
  try {
    const { stdout } = await execFileAsync(
      process.execPath,
      ['-e', BUNDLE_TO_STDOUT, workerModule, require.resolve('../workflows'), FAILURE_CONVERTER_PATH],
      {
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    return { code: stdout };
  } catch (error) {
    throw new Error(
      `bundling the giftflow workflows failed: ${(error as { stderr?: string }).stderr || (error as Error).message}`,
    );
  }
}

// webpack's progress lines are noise in worker logs; real bundling errors still fail the process.
const BUNDLE_TO_STDOUT = `
  const [workerModule, workflowsPath, failureConverterPath] = process.argv.slice(1);
  const { bundleWorkflowCode } = require(workerModule);
  const noop = () => undefined;
  const logger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
  // Without the sources' text in the source map (stack traces still map to file and line):
  // every workflow thread holds the map, and the text is only sent with showStackTraceSources.
  const webpackConfigHook = (config) => ({ ...config, devtool: 'inline-nosources-source-map' });
  bundleWorkflowCode({ workflowsPath, failureConverterPath, logger, webpackConfigHook }).then(
    (bundle) => process.stdout.write(bundle.code),
    (error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); },
  );
`;

/**
 * How long a workflow task waits on this worker's sticky queue before the server hands it to
 * any worker. The SDK's 10 s is what a killed worker's orders waited for; 2 s moves them on
 * within about 2 s (measured by npm run chaos), and a live worker picks its tasks up in ms.
 */
export const STICKY_SCHEDULE_TO_START = '2s';

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
        // Activities encode failures the same way as the bundled workflow code, whatever the caller passed.
        dataConverter: { ...options.dataConverter, failureConverterPath: FAILURE_CONVERTER_PATH },
        maxCachedWorkflows: options.config.maxCachedWorkflows,
        stickyQueueScheduleToStartTimeout: STICKY_SCHEDULE_TO_START,
        ...QUEUE_OPTIONS[taskQueue],
      }),
    ),
  );
}
