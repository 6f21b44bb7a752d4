/**
 * The giftflow worker process: polls every configured provider task queue until SIGINT or
 * SIGTERM, then drains in-flight tasks and exits. Configuration comes from the environment.
 */
import { DefaultLogger, NativeConnection, type LogEntry } from '@temporalio/worker';
import { ConfigError, loadConfig, loadTemporalConfig, loadTogether, reachTemporal } from '../config';
import { closeHttpPools } from '../activities/http';
import { metricsUrl } from '../contracts/metrics';
import { installRuntime, startWaitingOrdersGauge } from '../observability/metrics';
import { createDataConverter, loadCodecSettings } from '../security/codec-keys';
import { redactLogEntry } from '../security/redact';
import { createGiftflowWorkers } from './giftflow-workers';
import type { CatalogueWorkflowType } from '../contracts/catalogue';
import type * as workflows from '../workflows';

/**
 * Compile-time check that the workflow bundle serves the catalogue: a workflow type the catalogue
 * names but workflows/index.ts does not export, or the other way round, fails `tsc` here, naming it.
 */
type None<T extends never> = T;
export type CatalogueServed = None<
  Exclude<CatalogueWorkflowType, keyof typeof workflows> | Exclude<keyof typeof workflows, CatalogueWorkflowType>
>;

async function main(): Promise<void> {
  // Every group of settings is checked before the first problem is reported: one message names them all.
  const [config, temporal] = loadTogether(loadConfig, loadTemporalConfig, loadCodecSettings);
  const dataConverter = await createDataConverter();
  // Every entry the Runtime logger prints (SDK, activities, workflows through their sink, core)
  // passes the redaction first: masked by field name, then by pattern (security/redact.ts).
  // Inside the log function, so only entries at or above the level pay for it.
  // The Runtime also serves the Prometheus metrics (observability/metrics.ts).
  installRuntime(
    { logger: new DefaultLogger(config.logLevel, (entry) => logOneLine(redactLogEntry(entry, config.secrets))) },
    config,
  );
  const connection = await reachTemporal(temporal, () => NativeConnection.connect(temporal.connectionOptions));
  const stopGauge = startWaitingOrdersGauge({ connection, namespace: temporal.namespace, config });
  try {
    const workers = await createGiftflowWorkers({ connection, namespace: temporal.namespace, config, dataConverter });
    const running = Promise.all(workers.map((worker) => worker.run()));
    process.stdout.write(
      `giftflow worker ready: namespace ${temporal.namespace} at ${temporal.connectionOptions.address}, ` +
        `polling ${config.taskQueues.join(', ')}; metrics ${metricsUrl(config.metrics.address)}\n`,
    );
    await running;
  } finally {
    stopGauge();
    await connection.close();
    await closeHttpPools();
  }
}

/**
 * One line per entry, so operators can grep worker logs; task tokens are opaque noise. The
 * entry arrives redacted (see main), so this only formats.
 */
function logOneLine({ level, message, meta, timestampNanos }: LogEntry): void {
  const { taskToken: _, ...fields } = (meta ?? {}) as Record<string, unknown>;
  const time = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
  const stream = level === 'ERROR' || level === 'WARN' ? process.stderr : process.stdout;
  stream.write(`${time} ${level} ${message}${Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : ''}\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : `giftflow worker failed: ${(error as Error).message}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
