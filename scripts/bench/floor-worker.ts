/** Worker process for the benchmark's floor workflow, built like the giftflow worker. */
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { loadTemporalConfig, reachTemporal } from '../../config';
import { createDataConverter } from '../../security/codec-keys';

export const FLOOR_TASK_QUEUE = 'giftflow-bench-floor';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const temporal = loadTemporalConfig();
  const connection = await reachTemporal(temporal, () => NativeConnection.connect(temporal.connectionOptions));
  const worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: FLOOR_TASK_QUEUE,
    workflowsPath: require.resolve('./floor-workflow'),
    activities: { noop: async () => undefined },
    dataConverter: await createDataConverter(),
  });
  const running = worker.run();
  process.stdout.write('floor worker ready\n');
  await running;
  await connection.close();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`floor worker failed: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
