/**
 * All of giftflow's environment variables, parsed by one zod schema at start-up. A missing
 * or invalid variable stops the process with one message that lists every problem (names
 * and reasons only: values may be secrets); with GIFTFLOW_ENV=production the sandbox's public
 * credentials count as problems too. Temporal's own connection variables
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS, profiles) are read by
 * `@temporalio/envconfig` so a worker reaches Temporal Cloud or a self-hosted cluster by
 * environment alone.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { z } from 'zod';
import { PAYWAY_PATHS } from '../contracts/payway';
import { TASK_QUEUES } from '../contracts/shared';
import { DEFAULT_SANDBOX_URL, sandboxUrls } from './sandbox-urls';
import { DEFAULT_TEMPORAL_ADDRESS, temporalAddressSource } from './temporal';

const SANDBOX = sandboxUrls(DEFAULT_SANDBOX_URL);

const url = (fallback: string) =>
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default(fallback)
    .transform((value) => value.replace(/\/+$/, ''));
const milliseconds = (fallback: number) =>
  z.coerce.number({ error: 'must be a number of milliseconds' }).int().positive().default(fallback);
const secret = (fallback: string) => z.string().min(1, 'must not be empty').default(fallback);

/**
 * The sandbox's credentials: public (they are in this repository), so production refuses
 * them whether defaulted or set explicitly to the same value.
 */
const DEV_CREDENTIALS = {
  FLEXYBOX_TOKEN: 'flexybox-dev-token',
  SMARTGIFT_SECRET_KEY: 'sk_sandbox_dev',
  SMARTGIFT_CODE_SECRET: 'smartgift-dev-code-secret',
  PAYWAY_CLIENT_ID: 'giftflow-dev',
  PAYWAY_CLIENT_SECRET: 'payway-dev-secret',
  CPEXTENDER_TOKEN: 'cpextender-dev-token',
} as const;

const taskQueueList = z
  .string()
  .default(Object.values(TASK_QUEUES).join(','))
  .transform((value) =>
    value
      .split(',')
      .map((queue) => queue.trim())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(
        z.enum(Object.values(TASK_QUEUES), {
          error: `must list queues among ${Object.values(TASK_QUEUES).join(', ')}`,
        }),
      )
      .min(1, 'must name at least one task queue'),
  );

/** Where the worker serves Prometheus metrics unless GIFTFLOW_METRICS_ADDRESS says otherwise. */
const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9464';

/** `IP:port` (the SDK's exporter takes no host names); empty or `off` serves no metrics. */
const metricsAddress = z
  .string()
  .default(DEFAULT_METRICS_ADDRESS)
  .transform((value) => value.trim())
  .refine((value) => ['', 'off'].includes(value) || isSocketAddress(value), {
    error: 'must be IP:port, such as 0.0.0.0:9464 or [::1]:9464, or off',
  })
  .transform((value) => (['', 'off'].includes(value) ? undefined : value));

function isSocketAddress(value: string): boolean {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  if (!match || Number(match[3]) > 65535) return false;
  return match[1] ? isIP(match[1]) === 6 : isIP(match[2]) === 4;
}

const envSchema = z.object({
  FLEXYBOX_CRM_URL: url(SANDBOX.FLEXYBOX_CRM_URL),
  FLEXYBOX_POS_URL: url(SANDBOX.FLEXYBOX_POS_URL),
  FLEXYBOX_API_URL: url(SANDBOX.FLEXYBOX_API_URL),
  FLEXYBOX_TOKEN: secret(DEV_CREDENTIALS.FLEXYBOX_TOKEN),
  SMARTGIFT_URL: url(SANDBOX.SMARTGIFT_URL),
  SMARTGIFT_SECRET_KEY: secret(DEV_CREDENTIALS.SMARTGIFT_SECRET_KEY),
  /** Keys the derivation of voucher codes (activities/smartgift.ts); each order records its codes once, so a rotation affects new orders only. */
  SMARTGIFT_CODE_SECRET: secret(DEV_CREDENTIALS.SMARTGIFT_CODE_SECRET),
  PAYWAY_URL: url(SANDBOX.PAYWAY_URL),
  /** Payway's docs name no token path: the default is the sandbox's, under PAYWAY_URL. */
  PAYWAY_TOKEN_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  PAYWAY_CLIENT_ID: secret(DEV_CREDENTIALS.PAYWAY_CLIENT_ID),
  PAYWAY_CLIENT_SECRET: secret(DEV_CREDENTIALS.PAYWAY_CLIENT_SECRET),
  CPEXTENDER_URL: url(SANDBOX.CPEXTENDER_URL),
  CPEXTENDER_TOKEN: secret(DEV_CREDENTIALS.CPEXTENDER_TOKEN),
  GIFTFLOW_ARTIFACTS_DIR: z.string().min(1, 'must not be empty').default('.data/artifacts'),
  GIFTFLOW_TASK_QUEUES: taskQueueList,
  GIFTFLOW_HTTP_CONNECT_TIMEOUT_MS: milliseconds(5_000),
  GIFTFLOW_HTTP_HEADERS_TIMEOUT_MS: milliseconds(15_000),
  GIFTFLOW_HTTP_BODY_TIMEOUT_MS: milliseconds(15_000),
  /** Workflow runs each Worker keeps in memory; unset = the SDK's default, sized from the heap limit. */
  GIFTFLOW_MAX_CACHED_WORKFLOWS: z.coerce.number({ error: 'must be a whole number' }).int().min(0).optional(),
  GIFTFLOW_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  GIFTFLOW_METRICS_ADDRESS: metricsAddress,
  /** How often the worker counts orders waiting for an operator (one visibility count per provider and state). */
  GIFTFLOW_WAITING_ORDERS_INTERVAL_MS: milliseconds(30_000),
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
  /** Prometheus endpoint (`IP:port`, served at /metrics; undefined: none) and how often the waiting-orders gauge is counted. */
  metrics: { address?: string; waitingOrdersIntervalMs: number };
  /** The values of every credential variable, so logs and errors can mask them. */
  secrets: string[];
}

const SECRET_VARIABLE = /(TOKEN|SECRET|SECRET_KEY|PASSWORD|API_KEY)$/;

/** Closes every configuration message: the two ways any variable is set. */
const HOW_TO_SET =
  'Set each variable in the environment, or in a file named by <NAME>_FILE (e.g. FLEXYBOX_TOKEN_FILE=/run/secrets/flexybox-token).';

/** Raised for invalid configuration; its message lists every offending variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  /** One line per problem, `NAME: reason and fix`, so callers can merge several loaders' problems into one message. */
  readonly problems: string[];
  constructor(message: string, problems: string[] = []) {
    super(message);
    this.problems = problems;
  }

  /** The one message format for every loader: a heading, then each problem on its own line. */
  static of(problems: string[], heading = 'invalid configuration (see .env.example)'): ConfigError {
    const list = problems.map((p) => `  - ${p}`).join('\n');
    return new ConfigError(`${heading}:\n${list}\n${HOW_TO_SET}`, problems);
  }
}

/**
 * Runs each loader and returns their results, or throws one ConfigError listing the problems
 * of all of them: a process that reads several groups of settings (the worker: giftflow's
 * variables and the codec keys) names every problem in one message, not one per start.
 */
export function loadTogether<T extends unknown[]>(...loaders: { [K in keyof T]: () => T[K] }): T {
  const problems: string[] = [];
  const results = loaders.map((load) => {
    try {
      return load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...(error.problems.length ? error.problems : [error.message]));
      return undefined;
    }
  });
  if (problems.length) throw ConfigError.of(problems);
  return results as T;
}

/** Whether `env` is a production deployment, where development defaults are refused. */
export const isProduction = (env: NodeJS.ProcessEnv): boolean => env.GIFTFLOW_ENV === 'production';

/**
 * Any variable may instead be given as `<NAME>_FILE`, the path of a file holding the value
 * (Docker and Kubernetes secrets); an unreadable file becomes a problem named by `<NAME>_FILE`.
 * Every loader resolves its variables here, so `_FILE` means the same for all of them.
 */
export function withFileVariables(
  env: NodeJS.ProcessEnv,
  names: readonly string[],
): { values: Record<string, unknown>; problems: string[] } {
  const values: Record<string, unknown> = { ...env };
  const problems: string[] = [];
  for (const name of names) {
    const file = env[`${name}_FILE`];
    if (!file || env[name] !== undefined) continue;
    try {
      values[name] = readFileSync(file, 'utf8').trim();
    } catch (error) {
      problems.push(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  return { values, problems };
}

/** How to set a secret variable, for messages: both ways, so operators pick their platform's. */
const howToSet = (name: string) => `set ${name} or ${name}_FILE (the path of a file holding it)`;

/**
 * Production must not run with the sandbox's public credentials: an explicit value equal to
 * the default counts too, because a copied `.env.example` line is as public as a default.
 */
function devCredentialProblems(values: Record<string, unknown>): string[] {
  return Object.entries(DEV_CREDENTIALS)
    .filter(([name, devValue]) => String(values[name] ?? devValue).trim() === devValue)
    .map(
      ([name]) =>
        `${name}: is the sandbox's development value, refused with GIFTFLOW_ENV=production; ${howToSet(name)} to the production value`,
    );
}

/** Parses giftflow's variables from `env`; throws ConfigError naming each bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GiftflowConfig {
  const { values, problems } = withFileVariables(env, Object.keys(envSchema.shape));
  const parsed = envSchema.safeParse(values);
  if (!parsed.success)
    problems.push(...parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  if (isProduction(env)) problems.push(...devCredentialProblems(values));
  if (problems.length || !parsed.success) throw ConfigError.of(problems);
  const e = parsed.data;
  return {
    flexybox: {
      crmUrl: e.FLEXYBOX_CRM_URL,
      posUrl: e.FLEXYBOX_POS_URL,
      apiUrl: e.FLEXYBOX_API_URL,
      token: e.FLEXYBOX_TOKEN,
    },
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
    metrics: { address: e.GIFTFLOW_METRICS_ADDRESS, waitingOrdersIntervalMs: e.GIFTFLOW_WAITING_ORDERS_INTERVAL_MS },
    secrets: Object.entries(e)
      .filter(([name, value]) => SECRET_VARIABLE.test(name) && typeof value === 'string')
      .map(([, value]) => value as string),
  };
}

/**
 * Only the artifact store's directory, for the operator's CLI (`giftflow certificate`): it
 * holds no provider credentials, so production's refusal of their development values does
 * not apply to it.
 */
export function loadArtifactsDir(env: NodeJS.ProcessEnv = process.env): string {
  const { values, problems } = withFileVariables(env, ['GIFTFLOW_ARTIFACTS_DIR']);
  const parsed = envSchema.pick({ GIFTFLOW_ARTIFACTS_DIR: true }).safeParse(values);
  if (!parsed.success)
    problems.push(...parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  if (problems.length || !parsed.success) throw ConfigError.of(problems);
  return parsed.data.GIFTFLOW_ARTIFACTS_DIR;
}

/** Only the metrics address, for `npm start`'s summary; undefined when metrics are off. */
export function loadMetricsAddress(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const parsed = envSchema.shape.GIFTFLOW_METRICS_ADDRESS.safeParse(env.GIFTFLOW_METRICS_ADDRESS);
  if (!parsed.success)
    throw ConfigError.of(parsed.error.issues.map((issue) => `GIFTFLOW_METRICS_ADDRESS: ${issue.message}`));
  return parsed.data;
}

export * from './temporal';

export interface TemporalConfig {
  connectionOptions: NativeConnectionOptions & { address: string };
  namespace: string;
  /** Where the address came from (TEMPORAL_ADDRESS, a profile, the default), for messages. */
  addressSource: string;
}

/**
 * Temporal connection settings by Temporal's own conventions (env vars and the optional
 * TOML profile file); defaults to the local dev server's address and the default namespace.
 * A profile that is missing or unreadable is a ConfigError naming its variables.
 */
export function loadTemporalConfig(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  } catch (error) {
    throw ConfigError.of(
      [
        `TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE: ${(error as Error).message}; fix the profile file, or unset both and set TEMPORAL_ADDRESS`,
      ],
      'invalid Temporal connection settings',
    );
  }
  const { address } = loaded.connectionOptions;
  if (address === '')
    throw ConfigError.of(
      [`TEMPORAL_ADDRESS: must not be empty; set it to host:port, or unset it for ${DEFAULT_TEMPORAL_ADDRESS}`],
      'invalid Temporal connection settings',
    );
  return {
    connectionOptions: { ...loaded.connectionOptions, address: address ?? DEFAULT_TEMPORAL_ADDRESS },
    namespace: loaded.namespace ?? 'default',
    addressSource: temporalAddressSource(env, address !== undefined),
  };
}

/**
 * Default codec-server body limit: a Web UI history page can send a whole 4 MB gRPC page of
 * payloads to /decode at once, and JSON's base64 inflates it by a third; the rest is headroom.
 */
export const DEFAULT_CODEC_BODY_LIMIT_MB = 16;

const codecServerSchema = z.object({
  GIFTFLOW_CODEC_SERVER_HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  GIFTFLOW_CODEC_SERVER_PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a port number')
    .min(0, 'must be a port number')
    .max(65535, 'must be a port number')
    .default(4020),
  GIFTFLOW_CODEC_CORS_ORIGINS: z
    .string()
    .default('http://127.0.0.1:8233,http://localhost:8233')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
  /** Empty means unset, as an empty `KEY=` line in a .env file does. */
  GIFTFLOW_CODEC_AUTH_TOKEN: z
    .string()
    .optional()
    .transform((value) => value || undefined),
  GIFTFLOW_CODEC_BODY_LIMIT_MB: z.coerce
    .number({ error: 'must be a number of MiB' })
    .positive('must be a positive number of MiB')
    .default(DEFAULT_CODEC_BODY_LIMIT_MB),
});

export interface CodecServerConfig {
  host: string;
  port: number;
  /** Browser origins allowed to call the server (the Web UI's). */
  allowedOrigins: string[];
  /** Required as `Authorization: Bearer <token>` when set; production refuses to run without it. */
  authToken?: string;
  /** Largest request body accepted, in bytes. */
  bodyLimitBytes: number;
}

/** The codec server's variables (`giftflow codec-server`); throws ConfigError naming each bad one. */
export function loadCodecServerConfig(env: NodeJS.ProcessEnv = process.env): CodecServerConfig {
  const { values, problems } = withFileVariables(env, Object.keys(codecServerSchema.shape));
  const parsed = codecServerSchema.safeParse(values);
  if (!parsed.success)
    problems.push(...parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  // Whoever reaches an open codec server can decrypt every payload in history.
  if (
    isProduction(env) &&
    !values.GIFTFLOW_CODEC_AUTH_TOKEN &&
    !problems.some((p) => p.startsWith('GIFTFLOW_CODEC_AUTH_TOKEN_FILE:'))
  ) {
    problems.push(
      `GIFTFLOW_CODEC_AUTH_TOKEN: required with GIFTFLOW_ENV=production (without it anyone who reaches the codec server can decrypt customer data); ${howToSet('GIFTFLOW_CODEC_AUTH_TOKEN')}`,
    );
  }
  if (problems.length || !parsed.success) throw ConfigError.of(problems);
  const e = parsed.data;
  return {
    host: e.GIFTFLOW_CODEC_SERVER_HOST,
    port: e.GIFTFLOW_CODEC_SERVER_PORT,
    allowedOrigins: e.GIFTFLOW_CODEC_CORS_ORIGINS,
    authToken: e.GIFTFLOW_CODEC_AUTH_TOKEN,
    bodyLimitBytes: Math.floor(e.GIFTFLOW_CODEC_BODY_LIMIT_MB * 1024 * 1024),
  };
}
