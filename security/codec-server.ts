/**
 * Temporal's codec-server protocol (`POST /encode`, `POST /decode`), so the Web UI
 * (`--ui-codec-endpoint`) and the `temporal` CLI (`--codec-endpoint`) can show decrypted
 * payloads to operators who may see them. CORS admits only the configured Web UI origins;
 * a bearer token keeps everyone else out (optional locally, required in production).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { ConfigError, DEFAULT_CODEC_BODY_LIMIT_MB, loadCodecServerConfig, loadTogether } from '../config';
import { loadCodecSettings } from './codec-keys';
import { AesGcmPayloadCodec, UnknownCodecKeyError } from './payload-codec';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Browser origins allowed to call the server, e.g. http://127.0.0.1:8233. */
  allowedOrigins: string[];
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  authToken?: string;
  /** Largest request body accepted (default GIFTFLOW_CODEC_BODY_LIMIT_MB's default). */
  bodyLimitBytes?: number;
  /**
   * Receives one line per refused or failed request (method, path, status, duration, reason);
   * never payloads or headers. Successes are not logged: the Web UI decodes once per event shown.
   */
  log?: (line: string) => void;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const MIB = 1024 * 1024;
const sha256 = (value: string) => createHash('sha256').update(value).digest();

export function createCodecServer(options: CodecServerOptions): FastifyInstance {
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_CODEC_BODY_LIMIT_MB * MIB;
  const app = Fastify({ logger: false, bodyLimit });
  // Digests have equal length whatever the client sends, so timingSafeEqual never throws and
  // the comparison's duration says nothing about how much of the token was right.
  const expectedAuthorization = options.authToken ? sha256(`Bearer ${options.authToken}`) : undefined;
  // What the request log adds after the status: operator-facing detail (e.g. a missing key's
  // ID) that the response body must not carry.
  const notes = new WeakMap<FastifyRequest, string>();

  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin !== undefined) {
      if (!options.allowedOrigins.includes(origin))
        return reply.code(403).send({ message: `origin ${origin} is not allowed` });
      reply.header('access-control-allow-origin', origin);
      reply.header('vary', 'Origin');
      reply.header('access-control-allow-credentials', 'true');
      reply.header('access-control-allow-methods', 'POST, OPTIONS');
      reply.header('access-control-allow-headers', 'content-type, authorization, x-namespace');
    }
    // Preflights carry no credentials; the real request that follows is checked.
    if (request.method === 'OPTIONS') return reply.code(204).send();
    // Checked before the body is read, so a caller without the token cannot make us buffer one.
    if (expectedAuthorization && !timingSafeEqual(sha256(request.headers.authorization ?? ''), expectedAuthorization)) {
      return reply
        .code(401)
        .send({ message: 'missing or wrong bearer token: send Authorization: Bearer <GIFTFLOW_CODEC_AUTH_TOKEN>' });
    }
  });

  if (options.log) {
    const log = options.log;
    app.addHook('onResponse', async (request, reply) => {
      if (reply.statusCode < 400) return;
      const note = notes.get(request);
      log(
        `codec ${request.method} ${request.url.split('?')[0]} ${reply.statusCode} ${Math.round(reply.elapsedTime)}ms${note ? ` ${note}` : ''}`,
      );
    });
  }

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      notes.set(request, `body over the ${formatMib(bodyLimit)} limit`);
      return reply.code(413).send({
        message: `request body exceeds the codec server's limit of ${formatMib(bodyLimit)}; raise GIFTFLOW_CODEC_BODY_LIMIT_MB where the codec server runs, or decode fewer payloads per request`,
      });
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    notes.set(request, error.code ?? error.name);
    // Fastify's own client errors are fixed texts; anything else might quote the body.
    if (status < 500)
      return reply
        .code(status)
        .send({ message: error.code?.startsWith('FST_') ? error.message : 'body must be JSON: { "payloads": [...] }' });
    return reply.code(500).send({ message: 'codec server error; see its log' });
  });

  app.options('/encode', async () => undefined);
  app.options('/decode', async () => undefined);

  const route = (path: string, transform: (payloads: Payload[]) => Promise<Payload[]>) =>
    app.post<{ Body: { payloads?: JsonPayload[] } }>(path, async (request, reply) => {
      const payloads = request.body?.payloads;
      if (!Array.isArray(payloads)) return reply.code(400).send({ message: 'body must be { "payloads": [...] }' });
      notes.set(request, `${payloads.length} payloads`);
      try {
        return { payloads: (await transform(payloads.map(fromJson))).map(toJson) };
      } catch (error) {
        // Key IDs name the deployment's key inventory: the operator's log gets them, callers do not.
        notes.set(
          request,
          `${payloads.length} payloads, failed: ${error instanceof UnknownCodecKeyError ? error.message : (error as Error).name}`,
        );
        const message =
          error instanceof UnknownCodecKeyError
            ? "a payload is encrypted with a codec key this server does not have; add that key to the codec server's GIFTFLOW_CODEC_KEYS (its log names the key)"
            : `a payload could not be ${path === '/encode' ? 'encoded' : 'decoded'} (corrupt, or encrypted with other key material under the same key ID)`;
        return reply.code(400).send({ message });
      }
    });
  route('/encode', (payloads) => options.codec.encode(payloads));
  route('/decode', (payloads) => options.codec.decode(payloads));
  return app;
}

const formatMib = (bytes: number) => `${Number((bytes / MIB).toFixed(2))} MiB (${bytes} bytes)`;

function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

/**
 * `giftflow codec-server`: serves the keys of this environment on
 * GIFTFLOW_CODEC_SERVER_HOST:GIFTFLOW_CODEC_SERVER_PORT (default 127.0.0.1:4020) until
 * SIGINT/SIGTERM. Resolves with the server's URL once it listens. Key and server settings
 * are checked together, so one message lists every problem.
 */
export async function startCodecServerFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<{ url: string; close(): Promise<void> }> {
  const [settings, config] = loadTogether(
    () => loadCodecSettings(env) ?? missingKeys(),
    () => loadCodecServerConfig(env),
  );
  const app = createCodecServer({
    codec: await AesGcmPayloadCodec.create(settings.keys, settings.activeKeyId),
    allowedOrigins: config.allowedOrigins,
    authToken: config.authToken,
    bodyLimitBytes: config.bodyLimitBytes,
    log,
  });
  const url = await app.listen({ host: config.host, port: config.port });
  return { url, close: () => app.close() };
}

/** Without keys a codec server has nothing to decode: a configuration problem like the others. */
function missingKeys(): never {
  throw ConfigError.of([
    'GIFTFLOW_CODEC_KEYS: no codec keys configured, so there is nothing to decode; set GIFTFLOW_CODEC_KEYS or GIFTFLOW_CODEC_KEYS_FILE',
  ]);
}
