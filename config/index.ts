/**
 * All of giftflow's environment variables, parsed by one zod schema at start-up. A missing
 * or invalid variable stops the process with one message that lists every problem (names
 * and reasons only: values may be secrets). Temporal's own connection variables
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS, profiles) are read by
 * `@temporalio/envconfig` so a worker reaches Temporal Cloud or a self-hosted cluster by
 * environment alone.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { z } from 'zod';
import { TASK_QUEUES } from '../contracts/shared';

const SANDBOX = 'http://127.0.0.1:4010';

const url = (fallback: string) =>
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default(fallback)
    .transform((value) => value.replace(/\/+$/, ''));
const milliseconds = (fallback: number) =>
  z.coerce.number({ error: 'must be a number of milliseconds' }).int().positive().default(fallback);
const secret = (fallback: string) => z.string().min(1, 'must not be empty').default(fallback);

const taskQueueList = z
  .string()
  .default(Object.values(TASK_QUEUES).join(','))
  .transform((value) => value.split(',').map((queue) => queue.trim()).filter(Boolean))
  .pipe(
    z
      .array(z.enum(Object.values(TASK_QUEUES), { error: `must list queues among ${Object.values(TASK_QUEUES).join(', ')}` }))
      .min(1, 'must name at least one task queue'),
  );

const envSchema = z.object({
  FLEXYBOX_CRM_URL: url(`${SANDBOX}/flexybox/crm/api/v2`),
  FLEXYBOX_POS_URL: url(`${SANDBOX}/flexybox/pos/api/v1`),
  FLEXYBOX_API_URL: url(`${SANDBOX}/flexybox/api/api/v2`),
  FLEXYBOX_TOKEN: secret('flexybox-dev-token'),
  GIFTFLOW_TASK_QUEUES: taskQueueList,
  GIFTFLOW_HTTP_CONNECT_TIMEOUT_MS: milliseconds(5_000),
  GIFTFLOW_HTTP_HEADERS_TIMEOUT_MS: milliseconds(15_000),
  GIFTFLOW_HTTP_BODY_TIMEOUT_MS: milliseconds(15_000),
  GIFTFLOW_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

export interface GiftflowConfig {
  flexybox: { crmUrl: string; posUrl: string; apiUrl: string; token: string };
  http: { connectTimeoutMs: number; headersTimeoutMs: number; bodyTimeoutMs: number };
  taskQueues: string[];
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** Raised for invalid configuration; its message lists every offending variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses giftflow's variables from `env`; throws ConfigError naming each bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GiftflowConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration (see .env.example):\n${problems.join('\n')}`);
  }
  const e = parsed.data;
  return {
    flexybox: { crmUrl: e.FLEXYBOX_CRM_URL, posUrl: e.FLEXYBOX_POS_URL, apiUrl: e.FLEXYBOX_API_URL, token: e.FLEXYBOX_TOKEN },
    http: {
      connectTimeoutMs: e.GIFTFLOW_HTTP_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: e.GIFTFLOW_HTTP_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: e.GIFTFLOW_HTTP_BODY_TIMEOUT_MS,
    },
    taskQueues: e.GIFTFLOW_TASK_QUEUES,
    logLevel: e.GIFTFLOW_LOG_LEVEL,
  };
}

/**
 * Temporal connection settings by Temporal's own conventions (env vars and the optional
 * TOML profile file); defaults to the local dev server's address and the default namespace.
 */
export function loadTemporalConfig(env: NodeJS.ProcessEnv = process.env): {
  connectionOptions: NativeConnectionOptions & { address: string };
  namespace: string;
} {
  const loaded = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  return {
    connectionOptions: { ...loaded.connectionOptions, address: loaded.connectionOptions.address ?? '127.0.0.1:7233' },
    namespace: loaded.namespace ?? 'default',
  };
}

