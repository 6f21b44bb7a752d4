/**
 * The giftflow worker process: polls every configured provider task queue until SIGINT or
 * SIGTERM, then drains in-flight tasks and exits. Configuration comes from the environment.
 */
import { DefaultLogger, NativeConnection, Runtime, type LogEntry } from '@temporalio/worker';
import { ConfigError, loadConfig, loadTemporalConfig } from '../config';
import { closeHttpPools } from '../activities/http';
import { createDataConverter } from '../security/codec-keys';
import { redactLogEntry } from '../security/redact';
import { createGiftflowWorkers } from './giftflow-workers';

async function main(): Promise<void> {
  const config = loadConfig();
  const temporal = loadTemporalConfig();
  const dataConverter = await createDataConverter();
  // Every entry the Runtime logger prints (SDK, activities, workflows through their sink, core)
  // passes the redaction first: masked by field name, then by pattern (security/redact.ts).
  // Inside the log function, so only entries at or above the level pay for it.
  Runtime.install({ logger: new DefaultLogger(config.logLevel, (entry) => logOneLine(redactLogEntry(entry, config.secrets))) });
  const connection = await NativeConnection.connect(temporal.connectionOptions);
  try {
    const workers = await createGiftflowWorkers({ connection, namespace: temporal.namespace, config, dataConverter });
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
