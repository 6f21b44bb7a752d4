/**
 * The giftflow worker process: polls every configured provider task queue until SIGINT or
 * SIGTERM, then drains in-flight tasks and exits. Configuration comes from the environment.
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { ConfigError, loadConfig, loadTemporalConfig } from '../config';
import { closeHttpPools } from '../activities/http';
import { createGiftflowWorkers } from './giftflow-workers';

async function main(): Promise<void> {
  const config = loadConfig();
  const temporal = loadTemporalConfig();
  Runtime.install({ logger: new DefaultLogger(config.logLevel) });
  const connection = await NativeConnection.connect(temporal.connectionOptions);
  try {
    const workers = await createGiftflowWorkers({ connection, namespace: temporal.namespace, config });
    const running = Promise.all(workers.map((worker) => worker.run()));
    process.stdout.write(
      `giftflow worker ready: namespace ${temporal.namespace} at ${temporal.connectionOptions.address}, ` +
        `polling ${config.taskQueues.join(', ')}\n`,
    );
    await running;
  } finally {
    await connection.close();
    await closeHttpPools();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : `giftflow worker failed: ${(error as Error).message}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
