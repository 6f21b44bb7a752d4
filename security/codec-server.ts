/**
 * Temporal's codec-server protocol (`POST /encode`, `POST /decode`), so the Web UI
 * (`--ui-codec-endpoint`) and the `temporal` CLI (`--codec-endpoint`) can show decrypted
 * payloads to operators who may see them. CORS admits only the configured Web UI origins;
 * an optional bearer token keeps everyone else out.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { ConfigError } from '../config';
import { loadCodecSettings } from './codec-keys';
import { AesGcmPayloadCodec } from './payload-codec';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Browser origins allowed to call the server, e.g. http://127.0.0.1:8233. */
  allowedOrigins: string[];
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  authToken?: string;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export function createCodecServer(options: CodecServerOptions): FastifyInstance {
  const app = Fastify({ logger: false });

  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin !== undefined) {
      if (!options.allowedOrigins.includes(origin)) return reply.code(403).send({ message: `origin ${origin} is not allowed` });
      reply.header('access-control-allow-origin', origin);
      reply.header('vary', 'Origin');
      reply.header('access-control-allow-credentials', 'true');
      reply.header('access-control-allow-methods', 'POST, OPTIONS');
      reply.header('access-control-allow-headers', 'content-type, authorization, x-namespace');
    }
    // Preflights carry no credentials; the real request that follows is checked.
    if (request.method === 'OPTIONS') return reply.code(204).send();
    if (options.authToken && request.headers.authorization !== `Bearer ${options.authToken}`) {
      return reply.code(401).send({ message: 'missing or wrong bearer token' });
    }
  });
  app.options('/encode', async () => undefined);
  app.options('/decode', async () => undefined);

  const route = (path: string, transform: (payloads: Payload[]) => Promise<Payload[]>) =>
    app.post<{ Body: { payloads?: JsonPayload[] } }>(path, async (request, reply) => {
      const payloads = request.body?.payloads;
      if (!Array.isArray(payloads)) return reply.code(400).send({ message: 'body must be { "payloads": [...] }' });
      try {
        return { payloads: (await transform(payloads.map(fromJson))).map(toJson) };
      } catch (error) {
        return reply.code(400).send({ message: (error as Error).message });
      }
    });
  route('/encode', (payloads) => options.codec.encode(payloads));
  route('/decode', (payloads) => options.codec.decode(payloads));
  return app;
}

function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

/**
 * `giftflow codec-server`: serves the keys of this environment on
 * GIFTFLOW_CODEC_SERVER_HOST:GIFTFLOW_CODEC_SERVER_PORT (default 127.0.0.1:4020) until
 * SIGINT/SIGTERM. Resolves with the server's URL once it listens.
 */
export async function startCodecServerFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<{ url: string; close(): Promise<void> }> {
  const settings = loadCodecSettings(env);
  if (!settings) throw new ConfigError('no codec keys configured (GIFTFLOW_CODEC_KEYS or GIFTFLOW_CODEC_KEYS_FILE): there is nothing to decode');
  const app = createCodecServer({
    codec: await AesGcmPayloadCodec.create(settings.keys, settings.activeKeyId),
    allowedOrigins: (env.GIFTFLOW_CODEC_CORS_ORIGINS ?? 'http://127.0.0.1:8233,http://localhost:8233').split(',').map((o) => o.trim()),
    authToken: env.GIFTFLOW_CODEC_AUTH_TOKEN || undefined,
  });
  const port = Number(env.GIFTFLOW_CODEC_SERVER_PORT ?? 4020);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`invalid configuration:\n  - GIFTFLOW_CODEC_SERVER_PORT: must be a port number`);
  const url = await app.listen({ host: env.GIFTFLOW_CODEC_SERVER_HOST ?? '127.0.0.1', port });
  return { url, close: () => app.close() };
}
