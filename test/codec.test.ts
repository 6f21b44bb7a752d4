import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { request } from 'undici';
import { ConfigError } from '../config';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEV_KEY_FILE, loadCodecSettings } from '../security/codec-keys';
import { createCodecServer, startCodecServerFromEnv } from '../security/codec-server';
import { AesGcmPayloadCodec, UnknownCodecKeyError } from '../security/payload-codec';
import { TEST_KEY_A, TEST_KEY_B } from './support/codec-keys';
import { cpExtenderIssue } from './support/cpextender';
import { flexyboxOrder } from './support/flexybox';
import { paywayOrder } from './support/payway';
import { smartGiftOrder } from './support/smartgift';
import { temporalAddress, uniqueRef, useInProcessStack } from './support/stack';

const codecFor = async (keys: string, active?: string) => {
  const settings = loadCodecSettings({ GIFTFLOW_CODEC_KEYS: keys, GIFTFLOW_CODEC_ACTIVE_KEY: active })!;
  return AesGcmPayloadCodec.create(settings.keys, settings.activeKeyId);
};
/** Shaped like the key `npm start` writes (scripts/start.ts, ensureDevKeyFile). */
const DEV_KEY = `dev-2026-01-01:${Buffer.alloc(32, 7).toString('base64')}`;
const payloadOf = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const valueOf = (payload: Payload): unknown => defaultPayloadConverter.fromPayload(payload);
/**
 * Every string and byte array of a value as text, base64 strings also decoded, so a search
 * finds plaintext wherever it hides (history payload bytes arrive as Uint8Array or base64).
 */
function asText(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
  if (typeof value === 'string')
    return /^[A-Za-z0-9+/]+=*$/.test(value) ? `${value}\n${Buffer.from(value, 'base64').toString('latin1')}` : value;
  if (value && typeof value === 'object') return Object.values(value).map(asText).join('\n');
  return String(value);
}

describe('payload codec', () => {
  it('encrypts with the active key and decrypts what any listed key encrypted', async () => {
    const underA = await (await codecFor(TEST_KEY_A)).encode([payloadOf({ email: 'karen@example.com' })]);
    expect(asText(underA)).not.toContain('karen@example.com');
    expect(Buffer.from(underA[0].metadata!['encryption-key-id']).toString()).toBe('test-a');

    const rotated = await codecFor(`${TEST_KEY_A},${TEST_KEY_B}`, 'test-b');
    expect(valueOf((await rotated.decode(underA))[0])).toEqual({ email: 'karen@example.com' });
    const underB = await rotated.encode([payloadOf('x')]);
    expect(Buffer.from(underB[0].metadata!['encryption-key-id']).toString()).toBe('test-b');
  });

  it('names the missing key when a payload was encrypted with a key it does not have', async () => {
    const underA = await (await codecFor(TEST_KEY_A)).encode([payloadOf('secret')]);
    const onlyB = await codecFor(TEST_KEY_B);
    await expect(onlyB.decode(underA)).rejects.toThrow(UnknownCodecKeyError);
    await expect(onlyB.decode(underA)).rejects.toThrow(
      "payload is encrypted with codec key 'test-a', which is not configured here (known keys: test-b)",
    );
  });

  it('uses a fresh IV per payload', async () => {
    const codec = await codecFor(TEST_KEY_A);
    const [first, second] = await codec.encode([payloadOf('same'), payloadOf('same')]);
    expect(Buffer.from(first.data!).equals(Buffer.from(second.data!))).toBe(false);
  });

  it.each([
    [{ GIFTFLOW_CODEC_KEYS: 'short:AAAA' }, "key 'short' must be 32 bytes of base64 (got 3)"],
    [
      { GIFTFLOW_CODEC_KEYS: TEST_KEY_A, GIFTFLOW_CODEC_ACTIVE_KEY: 'test-z' },
      "GIFTFLOW_CODEC_ACTIVE_KEY: 'test-z' is not among the keys (test-a)",
    ],
    [{ GIFTFLOW_ENV: 'production' }, 'GIFTFLOW_CODEC_KEYS: required in production'],
    [
      { GIFTFLOW_CODEC_KEYS_FILE: '/nonexistent/keys' },
      'GIFTFLOW_CODEC_KEYS_FILE: cannot read /nonexistent/keys (ENOENT)',
    ],
    [
      { GIFTFLOW_ENV: 'production', GIFTFLOW_CODEC_KEYS: `${TEST_KEY_A},${DEV_KEY}` },
      "GIFTFLOW_CODEC_KEYS: key 'dev-2026-01-01' is a development key (npm start names its keys dev-<date>), refused with GIFTFLOW_ENV=production; generate a key",
    ],
    [
      { GIFTFLOW_ENV: 'production', GIFTFLOW_CODEC_KEYS_FILE: DEV_KEY_FILE },
      `GIFTFLOW_CODEC_KEYS_FILE: ${DEV_KEY_FILE} is the development key file written by npm start, refused with GIFTFLOW_ENV=production; generate a key (echo "k2026:$(openssl rand -base64 32)") and set GIFTFLOW_CODEC_KEYS or GIFTFLOW_CODEC_KEYS_FILE`,
    ],
  ])('refuses bad key configuration %j', (env, problem) => {
    expect(() => loadCodecSettings(env)).toThrow(ConfigError);
    expect(() => loadCodecSettings(env)).toThrow(problem);
  });

  it('accepts the development key outside production', () => {
    expect(loadCodecSettings({ GIFTFLOW_CODEC_KEYS: DEV_KEY })).toMatchObject({ activeKeyId: 'dev-2026-01-01' });
  });

  it('runs without encryption in production only when switched off explicitly', () => {
    expect(loadCodecSettings({ GIFTFLOW_ENV: 'production', GIFTFLOW_CODEC: 'off' })).toBeNull();
    expect(loadCodecSettings({ GIFTFLOW_ENV: 'production', GIFTFLOW_CODEC_KEYS: TEST_KEY_A })).toMatchObject({
      activeKeyId: 'test-a',
    });
  });
});

describe('codec server', () => {
  const origin = 'http://127.0.0.1:8233';
  let url: string;
  let close: () => Promise<void>;
  const logged: string[] = [];

  beforeAll(async () => {
    const app = createCodecServer({
      codec: await codecFor(TEST_KEY_A),
      allowedOrigins: [origin],
      authToken: 'operator-token',
      log: (line) => logged.push(line),
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    close = () => app.close();
  });
  afterAll(() => close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    request(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const asJson = (payload: Payload) => ({
    metadata: Object.fromEntries(
      Object.entries(payload.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(payload.data!).toString('base64'),
  });

  it('round-trips payloads through /encode and /decode for an allowed origin with the token', async () => {
    const headers = { origin, authorization: 'Bearer operator-token' };
    const encoded = await post('/encode', { payloads: [asJson(payloadOf({ name: 'Karen Jensen' }))] }, headers);
    expect(encoded.statusCode).toBe(200);
    expect(encoded.headers['access-control-allow-origin']).toBe(origin);
    const { payloads } = (await encoded.body.json()) as { payloads: { data: string }[] };
    expect(Buffer.from(payloads[0].data, 'base64').toString('latin1')).not.toContain('Karen');

    const decoded = await post('/decode', { payloads }, headers);
    const [plain] = ((await decoded.body.json()) as { payloads: { data: string }[] }).payloads;
    expect(JSON.parse(Buffer.from(plain.data, 'base64').toString())).toEqual({ name: 'Karen Jensen' });
  });

  it('answers the preflight of the Web UI and rejects other origins', async () => {
    const preflight = await request(`${url}/decode`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toContain('authorization');
    const foreign = await post(
      '/decode',
      { payloads: [] },
      { origin: 'https://evil.example', authorization: 'Bearer operator-token' },
    );
    expect(foreign.statusCode).toBe(403);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('rejects requests without the bearer token', async () => {
    expect((await post('/decode', { payloads: [] }, { origin })).statusCode).toBe(401);
    // Wrong tokens of every length take the same digest comparison: shorter, equal-length, longer.
    for (const authorization of [
      'Bearer wrong',
      'Bearer operator-tokeX',
      'Bearer operator-token-and-more',
      'operator-token',
    ]) {
      const rejected = await post('/decode', { payloads: [] }, { origin, authorization });
      expect(rejected.statusCode).toBe(401);
      expect(await rejected.body.json()).toEqual({
        message: 'missing or wrong bearer token: send Authorization: Bearer <GIFTFLOW_CODEC_AUTH_TOKEN>',
      });
    }
  });

  it('decodes a ~4 MB request, as a Web UI history page sends', async () => {
    const codec = await codecFor(TEST_KEY_A);
    const values = [0, 1, 2].map((i) => ({ page: i, filler: `${i}`.repeat(1_000_000) }));
    const payloads = (await codec.encode(values.map(payloadOf))).map(asJson);
    const body = JSON.stringify({ payloads });
    expect(body.length).toBeGreaterThan(4_000_000);
    const decoded = await request(`${url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin, authorization: 'Bearer operator-token' },
      body,
    });
    expect(decoded.statusCode).toBe(200);
    const plain = ((await decoded.body.json()) as { payloads: { data: string }[] }).payloads;
    expect(plain.map((p) => JSON.parse(Buffer.from(p.data, 'base64').toString()))).toEqual(values);
  });

  it('answers a body over the limit with a 413 naming the limit and the variable that raises it', async () => {
    const oversize = await post(
      '/decode',
      { payloads: [{ data: 'A'.repeat(16 * 1024 * 1024) }] },
      { origin, authorization: 'Bearer operator-token' },
    );
    expect(oversize.statusCode).toBe(413);
    expect(oversize.headers['access-control-allow-origin']).toBe(origin);
    expect(await oversize.body.json()).toEqual({
      message:
        "request body exceeds the codec server's limit of 16 MiB (16777216 bytes); raise GIFTFLOW_CODEC_BODY_LIMIT_MB where the codec server runs, or decode fewer payloads per request",
    });
  });

  it('keeps key IDs out of error bodies and payloads out of the request log', async () => {
    const underB = (await (await codecFor(TEST_KEY_B)).encode([payloadOf({ email: 'solveig@example.no' })])).map(
      asJson,
    );
    logged.length = 0;
    const failed = await post('/decode', { payloads: underB }, { origin, authorization: 'Bearer operator-token' });
    expect(failed.statusCode).toBe(400);
    const text = await failed.body.text();
    expect(text).toContain("add that key to the codec server's GIFTFLOW_CODEC_KEYS");
    expect(text).not.toMatch(/test-a|test-b/);

    await post(
      '/encode',
      { payloads: [asJson(payloadOf({ email: 'solveig@example.no' }))] },
      { origin, authorization: 'Bearer operator-token' },
    );
    await post('/decode', { payloads: underB }, { origin, authorization: 'Bearer not-the-token' });
    expect(logged).toEqual([
      expect.stringMatching(
        /^codec POST \/decode 400 \d+ms 1 payloads, failed: payload is encrypted with codec key 'test-b'/,
      ),
      expect.stringMatching(/^codec POST \/decode 401 \d+ms$/),
    ]);
    const log = logged.join('\n');
    for (const secret of ['solveig', underB[0].data.slice(0, 40), 'operator-token', 'not-the-token'])
      expect(log).not.toContain(secret);
  });
});

describe('codec server from the environment', () => {
  const tokenFile = (token: string) => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'giftflow-codec-')), 'token');
    writeFileSync(file, `${token}\n`);
    return file;
  };

  it('refuses to start in production without a bearer token, listing every problem in one message', async () => {
    const starting = startCodecServerFromEnv(
      { GIFTFLOW_ENV: 'production', GIFTFLOW_CODEC_KEYS: DEV_KEY, GIFTFLOW_CODEC_SERVER_PORT: '0' },
      () => undefined,
    );
    await expect(starting).rejects.toThrow(ConfigError);
    const message = await starting.catch((error: Error) => error.message);
    expect(message).toContain("  - GIFTFLOW_CODEC_KEYS: key 'dev-2026-01-01' is a development key");
    expect(message).toContain('  - GIFTFLOW_CODEC_AUTH_TOKEN: required with GIFTFLOW_ENV=production');
    expect(message).toContain('set GIFTFLOW_CODEC_AUTH_TOKEN or GIFTFLOW_CODEC_AUTH_TOKEN_FILE');
  });

  it('starts in production with the token from GIFTFLOW_CODEC_AUTH_TOKEN_FILE and requires it', async () => {
    const server = await startCodecServerFromEnv(
      {
        GIFTFLOW_ENV: 'production',
        GIFTFLOW_CODEC_KEYS: TEST_KEY_A,
        GIFTFLOW_CODEC_AUTH_TOKEN_FILE: tokenFile('token-from-file'),
        GIFTFLOW_CODEC_SERVER_PORT: '0',
      },
      () => undefined,
    );
    try {
      const decode = (authorization?: string) =>
        request(`${server.url}/decode`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body: '{"payloads":[]}',
        });
      expect((await decode()).statusCode).toBe(401);
      expect((await decode('Bearer token-from-file')).statusCode).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('customer data in Temporal history', () => {
  const env = useInProcessStack();

  /** One order per provider, each carrying personal data that must not be readable in history. */
  const orders = [
    {
      provider: 'flexybox' as const,
      input: flexyboxOrder({
        customer: { fullName: 'Astrid Kjærgaard', email: 'astrid.kjaergaard@example.dk', phoneNumber: '+4512345678' },
      }),
      personal: ['astrid.kjaergaard@example.dk', 'Astrid', 'Kj\u00e6rgaard', '+4512345678'],
    },
    {
      provider: 'smartgift' as const,
      input: smartGiftOrder({
        items: [{ id: 1, price: 50, to: 'Ingeborg', from: 'Halvard', message: 'Til Ingeborg med kærlighed' }],
        customer: {
          email: 'halvard.tvedt@example.no',
          first_name: 'Halvard',
          last_name: 'Tvedt',
          address1: 'Strandvejen 9',
          postcode: 'NP11 4EY',
        },
      }),
      personal: ['halvard.tvedt@example.no', 'Halvard', 'Tvedt', 'Ingeborg', 'Strandvejen', 'med k'],
    },
    {
      provider: 'payway' as const,
      input: paywayOrder({
        gift_delivery_address: {
          ...paywayOrder().gift_delivery_address!,
          first_name: 'Sigrun',
          last_name: 'Holmqvist',
          street: 'Fjordgatan',
          mobile_number: '0701234567',
        },
      }),
      personal: ['Sigrun', 'Holmqvist', 'Fjordgatan', '0701234567'],
    },
    {
      provider: 'cpextender' as const,
      input: cpExtenderIssue({ customerNumber: '3141592653' }),
      personal: ['3141592653'],
    },
  ];

  it.each(orders)(
    'stores a $provider order encrypted: raw history holds no personal data or credential, the codec restores the input',
    async ({ provider, input, personal }) => {
      const handle = await env.stack.giftflow.startGiftOrder({
        provider,
        orderRef: uniqueRef(`pii-${provider}`),
        input: input as never,
      });
      await handle.result();

      const raw = new Client({ connection: await Connection.connect({ address: temporalAddress() }) });
      const history = await raw.workflow.getHandle(handle.workflowId).fetchHistory();
      await raw.connection.close();
      const text = asText(history);
      for (const secret of [...personal, ...env.sandbox.config().secrets]) expect(text).not.toContain(secret);
      expect(text).toContain('binary/encrypted');

      const started = history.events![0].workflowExecutionStartedEventAttributes!;
      const [decoded] = await (
        await codecFor(process.env.GIFTFLOW_CODEC_KEYS!)
      ).decode(started.input!.payloads as Payload[]);
      expect(valueOf(decoded)).toMatchObject(JSON.parse(JSON.stringify(input)));
    },
  );
});
