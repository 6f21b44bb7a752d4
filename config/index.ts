/**
 * All of giftflow's environment variables, parsed by one zod schema at start-up. A missing
 * or invalid variable stops the process with one message that lists every problem (names
 * and reasons only: values may be secrets). Temporal's own connection variables
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS, profiles) are read by
 * `@temporalio/envconfig` so a worker reaches Temporal Cloud or a self-hosted cluster by
 * environment alone.
 */
import { readFileSync } from 'node:fs';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { z } from 'zod';
import { PAYWAY_PATHS } from '../contracts/payway';
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
  SMARTGIFT_URL: url(`${SANDBOX}/smartgift`),
  SMARTGIFT_SECRET_KEY: secret('sk_sandbox_dev'),
  /** Keys the derivation of voucher codes (activities/smartgift.ts); each order records its codes once, so a rotation affects new orders only. */
  SMARTGIFT_CODE_SECRET: secret('smartgift-dev-code-secret'),
  PAYWAY_URL: url(`${SANDBOX}/payway`),
  /** Payway's docs name no token path: the default is the sandbox's, under PAYWAY_URL. */
  PAYWAY_TOKEN_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  PAYWAY_CLIENT_ID: secret('giftflow-dev'),
  PAYWAY_CLIENT_SECRET: secret('payway-dev-secret'),
  CPEXTENDER_URL: url(`${SANDBOX}/cpextender`),
  CPEXTENDER_TOKEN: secret('cpextender-dev-token'),
  GIFTFLOW_ARTIFACTS_DIR: z.string().min(1, 'must not be empty').default('.data/artifacts'),
  GIFTFLOW_TASK_QUEUES: taskQueueList,
  GIFTFLOW_HTTP_CONNECT_TIMEOUT_MS: milliseconds(5_000),
  GIFTFLOW_HTTP_HEADERS_TIMEOUT_MS: milliseconds(15_000),
  GIFTFLOW_HTTP_BODY_TIMEOUT_MS: milliseconds(15_000),
  /** Workflow runs each Worker keeps in memory; unset = the SDK's default, sized from the heap limit. */
  GIFTFLOW_MAX_CACHED_WORKFLOWS: z.coerce.number({ error: 'must be a whole number' }).int().min(0).optional(),
  GIFTFLOW_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

export interface GiftflowConfig {
  flexybox: { crmUrl: string; posUrl: string; apiUrl: string; token: string };
  smartgift: { url: string; secretKey: string; codeSecret: string };
  payway: { url: string; tokenUrl: string; clientId: string; clientSecret: string };
  cpextender: { url: string; token: string };
  /** Directory of the local artifact store (certificates); relative to the working directory. */
  artifactsDir: string;
  http: { connectTimeoutMs: number; headersTimeoutMs: number; bodyTimeoutMs: number };
  taskQueues: string[];
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  maxCachedWorkflows?: number;
  /** The values of every credential variable, so logs and errors can mask them. */
  secrets: string[];
}

const SECRET_VARIABLE = /(TOKEN|SECRET|SECRET_KEY|PASSWORD|API_KEY)$/;

/** Raised for invalid configuration; its message lists every offending variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Any variable may instead be given as `<NAME>_FILE`, the path of a file holding the value
 * (Docker and Kubernetes secrets); an unreadable file becomes a problem named by `<NAME>_FILE`.
 */
function withFileVariables(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const resolved: Record<string, unknown> = { ...env };
  for (const name of Object.keys(envSchema.shape)) {
    const file = env[`${name}_FILE`];
    if (!file || env[name] !== undefined) continue;
    try {
      resolved[name] = readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new ConfigError(`invalid configuration (see .env.example):\n  - ${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  return resolved;
}

/** Parses giftflow's variables from `env`; throws ConfigError naming each bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GiftflowConfig {
  const parsed = envSchema.safeParse(withFileVariables(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration (see .env.example):\n${problems.join('\n')}`);
  }
  const e = parsed.data;
  return {
    flexybox: { crmUrl: e.FLEXYBOX_CRM_URL, posUrl: e.FLEXYBOX_POS_URL, apiUrl: e.FLEXYBOX_API_URL, token: e.FLEXYBOX_TOKEN },
    smartgift: { url: e.SMARTGIFT_URL, secretKey: e.SMARTGIFT_SECRET_KEY, codeSecret: e.SMARTGIFT_CODE_SECRET },
    payway: {
      url: e.PAYWAY_URL,
      tokenUrl: e.PAYWAY_TOKEN_URL ?? `${e.PAYWAY_URL}${PAYWAY_PATHS.token}`,
      clientId: e.PAYWAY_CLIENT_ID,
      clientSecret: e.PAYWAY_CLIENT_SECRET,
    },
    cpextender: { url: e.CPEXTENDER_URL, token: e.CPEXTENDER_TOKEN },
    artifactsDir: e.GIFTFLOW_ARTIFACTS_DIR,
    http: {
      connectTimeoutMs: e.GIFTFLOW_HTTP_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: e.GIFTFLOW_HTTP_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: e.GIFTFLOW_HTTP_BODY_TIMEOUT_MS,
    },
    taskQueues: e.GIFTFLOW_TASK_QUEUES,
    logLevel: e.GIFTFLOW_LOG_LEVEL,
    maxCachedWorkflows: e.GIFTFLOW_MAX_CACHED_WORKFLOWS,
    secrets: Object.entries(e)
      .filter(([name, value]) => SECRET_VARIABLE.test(name) && typeof value === 'string')
      .map(([, value]) => value as string),
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

