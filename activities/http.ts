/**
 * The one HTTP layer every provider's activities use: a pool per provider origin, timeouts,
 * auth headers, zod validation of responses, and classification of every outcome into the
 * ApplicationFailure types of docs/design.md. Messages and logs name the provider, step, method,
 * path template and status, never credentials or request bodies (which carry PII).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { ZodType } from 'zod';
import { PROVIDER_CALL_LATENCY } from '../contracts/metrics';
import { FAILURE_TYPES } from '../contracts/shared';
import { redact } from '../security/redact';

export interface HttpTimeouts {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

/** How to reach one provider: its name, auth headers and which variable holds the credential. */
export interface ProviderClientOptions {
  provider: string;
  timeouts: HttpTimeouts;
  /** Headers that authenticate a request; may fetch or refresh a token. */
  authHeaders: () => Record<string, string> | Promise<Record<string, string>>;
  /**
   * Called once when the provider answers 401 (e.g. to drop a cached token that expired
   * early); when it returns true the request is sent once more with fresh auth headers.
   */
  refreshCredentials?: () => Promise<boolean>;
  /** Named in the error when the provider answers 401/403, e.g. `FLEXYBOX_TOKEN`. */
  credentialVariable: string;
  /** Secret values to mask if a provider echoes them back in an error reason. */
  secrets: () => string[];
}

export interface ProviderRequest<T> {
  /** The workflow step this call serves; named in every failure. */
  step: string;
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  baseUrl: string;
  /** Path template such as `/customers/{id}`; logged as is, filled from `params`. */
  path: string;
  params?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as application/x-www-form-urlencoded instead of `body` (OAuth token requests). */
  form?: Record<string, string>;
  response: ZodType<T>;
  /**
   * True when repeating the request cannot duplicate anything (the provider dedupes it).
   * Then an ambiguous outcome is retried; otherwise it is handed to the workflow.
   */
  idempotent: boolean;
  /**
   * Reads a documented error answer as a result instead of a failure, e.g. a "code already
   * taken" that proves an earlier attempt of this very request landed. Gets the status and
   * the JSON body (undefined when not JSON); undefined classifies the answer as usual.
   */
  recover?: (status: number, body: unknown) => T | undefined;
}

type IncomingHttpHeaders = Dispatcher.ResponseData['headers'];

/** A request without its response schema: what the transport and the failure messages need. */
type RequestShape = Omit<ProviderRequest<unknown>, 'response'>;

const pools = new Map<string, Pool>();

function poolFor(origin: string, timeouts: HttpTimeouts): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin, {
      connections: 64,
      connectTimeout: timeouts.connectTimeoutMs,
      headersTimeout: timeouts.headersTimeoutMs,
      bodyTimeout: timeouts.bodyTimeoutMs,
    });
    pools.set(origin, pool);
  }
  return pool;
}

/** Closes every pool (worker shutdown, test teardown). */
export async function closeHttpPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((pool) => pool.close()));
}

/** Codes that prove the request never reached the provider, so it did nothing. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** A provider API client for the activities of one provider. */
export class ProviderClient {
  constructor(private readonly options: ProviderClientOptions) {}

  /** Sends the request and returns the validated JSON response body, or throws a classified ApplicationFailure. */
  async call<T>(request: ProviderRequest<T>): Promise<T> {
    return this.send(request, 'application/json', ({ body, recovered }) =>
      recovered !== undefined ? (recovered as T) : this.parse(request, body.toString('utf8')),
    );
  }

  /** Sends the request and returns the raw body (e.g. a JPEG) with its content type. */
  async callForBytes(request: RequestShape, accept: string): Promise<{ bytes: Buffer; contentType: string }> {
    return this.send(request, accept, ({ body, contentType }) => ({ bytes: body, contentType }));
  }

  /**
   * Sends the request and hands the answer to `read`, inside the call's timing: a body that
   * breaks the contract counts as a failed call in the metrics, as it does for the workflow.
   */
  private async send<R>(
    request: RequestShape,
    accept: string,
    read: (answer: { body: Buffer; contentType: string; recovered?: unknown }) => R,
  ): Promise<R> {
    const url = new URL(request.baseUrl + fillPath(request.path, request.params ?? {}));
    const started = Date.now();
    const stopHeartbeats = heartbeatWhileWaiting();
    let status: number | undefined;
    let failure: ApplicationFailure | undefined;
    try {
      let response = await this.request(url, request, accept);
      if (response.statusCode === 401 && this.options.refreshCredentials && (await this.options.refreshCredentials())) {
        await response.body.dump();
        response = await this.request(url, request, accept);
      }
      status = response.statusCode;
      const body = Buffer.from(await response.body.arrayBuffer());
      if (status >= 200 && status < 300)
        return read({ body, contentType: String(response.headers['content-type'] ?? '') });
      const recovered = request.recover?.(status, parseJson(body.toString('utf8')));
      if (recovered !== undefined)
        return read({ body, contentType: String(response.headers['content-type'] ?? ''), recovered });
      throw this.statusFailure(request, status, response.headers, body.toString('utf8'));
    } catch (error) {
      failure =
        error instanceof ApplicationFailure
          ? error
          : this.transportFailure(request, error as Error & { code?: string });
      throw failure;
    } finally {
      stopHeartbeats();
      const durationMs = Date.now() - started;
      activityLog('info', 'provider call', {
        provider: this.options.provider,
        step: request.step,
        method: request.method,
        host: url.host,
        path: request.path,
        status: status ?? 'no-response',
        durationMs,
      });
      recordProviderCall(durationMs, {
        provider: this.options.provider,
        step: request.step,
        status: String(status ?? 'no-response'),
        outcome: failure?.type ?? 'ok',
      });
    }
  }

  private async request(url: URL, request: RequestShape, accept: string) {
    const [contentType, body] = request.form
      ? ['application/x-www-form-urlencoded', new URLSearchParams(request.form).toString()]
      : request.body === undefined
        ? [undefined, undefined]
        : ['application/json', JSON.stringify(request.body)];
    return poolFor(url.origin, this.options.timeouts).request({
      method: request.method,
      path: url.pathname + url.search,
      headers: { accept, ...(contentType && { 'content-type': contentType }), ...(await this.options.authHeaders()) },
      body,
    });
  }

  private parse<T>(request: ProviderRequest<T>, text: string): T {
    let json: unknown = undefined;
    try {
      json = text.length ? JSON.parse(text) : undefined;
    } catch {
      // fall through: the schema check below reports the unusable body
    }
    const parsed = request.response.safeParse(json);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
      .join('; ');
    // The call succeeded, so the operation probably landed: ambiguous, never a plain retry of a non-idempotent call.
    throw this.failure(
      request,
      FAILURE_TYPES.ambiguous,
      `answered with a body that does not match the contract (${problems})`,
      {
        nonRetryable: !request.idempotent,
      },
    );
  }

  private statusFailure(
    request: RequestShape,
    status: number,
    headers: IncomingHttpHeaders,
    text: string,
  ): ApplicationFailure {
    const reason = redact(providerReason(text), this.options.secrets());
    if (status === 401 || status === 403) {
      return this.failure(
        request,
        FAILURE_TYPES.credentialsRefused,
        `refused our credentials (HTTP ${status}); check ${this.options.credentialVariable}`,
        { nonRetryable: true },
      );
    }
    if (status === 429) {
      const delayMs = rateLimitDelayMs(headers);
      return this.failure(
        request,
        FAILURE_TYPES.rateLimited,
        `rate limited (HTTP 429${delayMs === undefined ? '' : `, retry after ${delayMs} ms`})`,
        {
          nonRetryable: false,
          nextRetryDelay: delayMs,
        },
      );
    }
    if (status >= 500 || status === 408) {
      return this.failure(
        request,
        FAILURE_TYPES.ambiguous,
        `answered HTTP ${status}${reason ? `: ${reason}` : ''}; the request may have landed`,
        {
          nonRetryable: !request.idempotent,
        },
      );
    }
    return this.failure(
      request,
      FAILURE_TYPES.rejected,
      `rejected the request (HTTP ${status})${reason ? `: ${reason}` : ''}`,
      { nonRetryable: true },
    );
  }

  private transportFailure(request: RequestShape, error: Error & { code?: string }): ApplicationFailure {
    const code = error.code ?? error.name;
    if (NOT_SENT_CODES.has(code) || code.startsWith('ERR_TLS') || code.includes('CERT')) {
      return this.failure(
        request,
        FAILURE_TYPES.unavailable,
        `could not be reached (${code}); the request was not sent`,
        { nonRetryable: false },
      );
    }
    const what =
      error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError
        ? 'timed out after the request was sent'
        : `lost the connection (${code})`;
    return this.failure(request, FAILURE_TYPES.ambiguous, `${what}; the request may have landed`, {
      nonRetryable: !request.idempotent,
    });
  }

  private failure(
    request: RequestShape,
    type: string,
    what: string,
    options: { nonRetryable: boolean; nextRetryDelay?: number },
  ): ApplicationFailure {
    return ApplicationFailure.create({
      type,
      message: `${this.options.provider} step '${request.step}' (${request.method} ${request.path}) ${what}`,
      nonRetryable: options.nonRetryable,
      nextRetryDelay: options.nextRetryDelay,
      details: [{ provider: this.options.provider, step: request.step }],
    });
  }
}

function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`path parameter '${name}' missing for ${template}`);
    return encodeURIComponent(value);
  });
}

/** The provider's own explanation from an error body, shortened; empty when it gave none. */
function providerReason(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const reason = body.Message ?? body.message ?? body.error_description ?? body.error ?? body.title;
    if (typeof reason === 'string') return reason.slice(0, 300);
  } catch {
    // not JSON: use the text itself below
  }
  return text.slice(0, 300);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** How long to wait after a 429: Retry-After, else X-RateLimit-Reset (Unix seconds, or seconds left when small). */
function rateLimitDelayMs(headers: IncomingHttpHeaders): number | undefined {
  const header = (name: string) => [headers[name]].flat()[0];
  const retryAfter = retryAfterMs(header('retry-after'));
  if (retryAfter !== undefined) return retryAfter;
  const reset = Number(header('x-ratelimit-reset'));
  if (!header('x-ratelimit-reset') || !Number.isFinite(reset)) return undefined;
  return Math.max(0, reset > 1e9 ? reset * 1000 - Date.now() : reset * 1000);
}

function retryAfterMs(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The attempt number of the running activity (1 outside an activity, e.g. in a script). */
export function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/**
 * Heartbeats every 2 s while a call is outstanding, so the server notices a dead worker
 * within the heartbeat timeout (a regular activity only). Fast calls finish before the first beat and cost nothing.
 */
function heartbeatWhileWaiting(): () => void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return () => undefined;
  }
  // A local activity has no heartbeat (its workflow task is what times out when the worker dies).
  if (context.info.isLocal) return () => undefined;
  const timer = setInterval(() => context.heartbeat(), 2_000);
  return () => clearInterval(timer);
}

function activityLog(level: 'info' | 'warn', message: string, attrs: Record<string, unknown>): void {
  try {
    Context.current().log[level](message, attrs);
  } catch {
    // not inside an activity (direct calls from scripts): nothing to log to
  }
}

/**
 * Records one call in the provider call histogram (contracts/metrics.ts) through the activity's
 * metric meter, which the worker exports on GIFTFLOW_METRICS_ADDRESS; `outcome` is `ok` or the
 * failure type. Outside an activity (scripts) there is no meter and nothing to record.
 */
function recordProviderCall(
  durationMs: number,
  labels: { provider: string; step: string; status: string; outcome: string },
): void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return;
  }
  context.metricMeter
    .createHistogram(PROVIDER_CALL_LATENCY, 'int', 'ms', 'provider HTTP call latency')
    .record(durationMs, labels);
}
