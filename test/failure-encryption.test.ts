import { execFile } from 'node:child_process';
import path from 'node:path';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { request } from 'undici';
import { smartGiftSeed } from '../sandbox/smartgift';
import { loadCodecSettings } from '../security/codec-keys';
import { createCodecServer } from '../security/codec-server';
import { failureConverter } from '../security/failure-converter';
import { AesGcmPayloadCodec, UnknownCodecKeyError } from '../security/payload-codec';
import { cpExtenderIssue, cpExtenderLedger } from './support/cpextender';
import { smartGiftOrder } from './support/smartgift';
import { temporalAddress, uniqueRef, useInProcessStack } from './support/stack';

const env = useInProcessStack();

const CLI = path.resolve(__dirname, '..', 'bin', 'giftflow.js');

/** Every string and byte of a raw (undecoded) history, base64 decoded too, to search for values that must not be readable. */
function asText(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
  if (typeof value === 'string')
    return /^[A-Za-z0-9+/]+=*$/.test(value) ? `${value}\n${Buffer.from(value, 'base64').toString('latin1')}` : value;
  if (value && typeof value === 'object') return Object.values(value).map(asText).join('\n');
  return String(value);
}

/**
 * The history as Temporal stores it, read by a client without the codec: what an operator with
 * `temporal workflow show` or the Web UI without the codec server would see.
 */
async function rawHistory(workflowId: string): Promise<temporal.api.history.v1.IHistory> {
  const plain = new Client({ connection: env.stack.temporal.connection });
  return plain.workflow.getHandle(workflowId).fetchHistory();
}

/** Every failure in the history (activity and workflow failures, with their causes). */
function failuresIn(history: temporal.api.history.v1.IHistory): temporal.api.failure.v1.IFailure[] {
  const failures: temporal.api.failure.v1.IFailure[] = [];
  for (const event of history.events ?? []) {
    let failure =
      event.activityTaskFailedEventAttributes?.failure ?? event.workflowExecutionFailedEventAttributes?.failure;
    while (failure) {
      failures.push(failure);
      failure = failure.cause;
    }
  }
  return failures;
}

/** Asserts the raw history holds failures, all with message and stack trace moved into an encrypted payload. */
function expectEncryptedFailures(history: temporal.api.history.v1.IHistory): void {
  const failures = failuresIn(history);
  expect(history.events?.some((event) => event.workflowExecutionFailedEventAttributes)).toBe(true);
  expect(failures.length).toBeGreaterThan(0);
  for (const failure of failures) {
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace ?? '').toBe('');
    expect(Buffer.from(failure.encodedAttributes!.metadata!.encoding!).toString()).toBe('binary/encrypted');
  }
}

/**
 * What the Web UI shows for a failure: it sends the failure's encodedAttributes payload to the
 * codec server's /decode like any other payload, and reads message and stack_trace from the answer.
 */
async function decodedByCodecServer(
  failure: temporal.api.failure.v1.IFailure,
): Promise<{ message: string; stack_trace: string }> {
  const settings = loadCodecSettings()!;
  const app = createCodecServer({
    codec: await AesGcmPayloadCodec.create(settings.keys, settings.activeKeyId),
    allowedOrigins: [],
  });
  try {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const { metadata, data } = failure.encodedAttributes!;
    const payload = {
      metadata: Object.fromEntries(Object.entries(metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(data!).toString('base64'),
    };
    const response = await request(`${url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payloads: [payload] }),
    });
    expect(response.statusCode).toBe(200);
    const [plain] = ((await response.body.json()) as { payloads: { data: string }[] }).payloads;
    return JSON.parse(Buffer.from(plain.data, 'base64').toString());
  } finally {
    await app.close();
  }
}

async function failureOf(result: Promise<unknown>): Promise<WorkflowFailedError> {
  const failure = await result.catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  return failure as WorkflowFailedError;
}

/** `giftflow status <workflowId>` in its own process, with the codec keys of the test run. */
function giftflowStatus(workflowId: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [CLI, 'status', workflowId],
      { env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress() } },
      (error, stdout, stderr) => (error ? reject(new Error(`giftflow status failed: ${stderr}`)) : resolve(stdout)),
    ),
  );
}

describe('failure messages in Temporal history', () => {
  it('encodes message and stack trace, except the missing-key error an operator must read without that key', () => {
    const order = failureConverter.errorToFailure(new Error('card 99-123 refused'), defaultPayloadConverter);
    expect(order).toMatchObject({ message: 'Encoded failure', stackTrace: '' });
    expect(failureConverter.failureToError(order, defaultPayloadConverter).message).toBe('card 99-123 refused');
    const missingKey = failureConverter.errorToFailure(
      new UnknownCodecKeyError('test-a', ['test-b']),
      defaultPayloadConverter,
    );
    expect(missingKey.message).toContain("codec key 'test-a'");
    expect(missingKey.encodedAttributes).toBeFalsy();
  });

  it("keeps a refused CP Extender order's reason, card number and customer out of the raw history, and shows them decoded", async () => {
    const orderRef = uniqueRef('cpx-failure-enc');
    const customerNumber = '0000000000';
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'cpextender',
      orderRef,
      input: cpExtenderIssue({ customerNumber, requestName: orderRef }),
    });
    const failure = await failureOf(handle.result());

    // Decoded by the codec-enabled client: the provider's reason and the reserved card number.
    expect(failure.cause?.message).toMatch(
      /rejected the request \(HTTP 404\): Customer Not Found\. .* GiftCardId \S+ /,
    );
    const [reservation] = (await cpExtenderLedger(env.sandbox)).reservations.filter((r) => r.requestName === orderRef);
    expect(failure.cause?.message).toContain(reservation.id);
    const status = await env.stack.giftflow.getOrderStatus(handle.workflowId);
    expect(status).toMatchObject({ state: 'failed', lastError: expect.stringContaining('Customer Not Found') });
    expect(await giftflowStatus(handle.workflowId)).toMatch(/last error: .*Customer Not Found/);

    const history = await rawHistory(handle.workflowId);
    expectEncryptedFailures(history);
    const text = asText(history);
    for (const secret of [
      reservation.id,
      customerNumber,
      'Customer Not Found',
      'rejected the request',
      'Nothing was paid or issued',
    ]) {
      expect(text).not.toContain(secret);
    }
    const workflowFailure = history.events!.find((event) => event.workflowExecutionFailedEventAttributes)!
      .workflowExecutionFailedEventAttributes!.failure!;
    expect((await decodedByCodecServer(workflowFailure)).message).toBe(failure.cause?.message);
  });

  it("keeps a refused Smart Gift order's reason, caller voucher code and customer out of the raw history, and shows them decoded", async () => {
    const orderRef = uniqueRef('sg-failure-enc');
    const callerCode = `GIFT${Date.now().toString(36).toUpperCase()}`;
    const { afternoonTea } = smartGiftSeed.vouchers;
    const email = `karen.${Date.now().toString(36)}@example.com`;
    // One person for a voucher for two: Smart Gift refuses the order (HTTP 422) and says why.
    const input = smartGiftOrder({ items: [{ id: afternoonTea.id, code: callerCode }], customer: { email } });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'smartgift', orderRef, input });
    const failure = await failureOf(handle.result());

    const reason = 'The items.0.persons field must be between 2 and 2 for voucher 2 (Afternoon Tea for Two); it is 1.';
    expect(failure.cause).toMatchObject({ type: 'ProviderRejected', message: expect.stringContaining(reason) });
    expect(await env.stack.giftflow.getOrderStatus(handle.workflowId)).toMatchObject({
      state: 'failed',
      lastError: expect.stringContaining(reason),
    });
    expect(await giftflowStatus(handle.workflowId)).toContain(reason);

    const history = await rawHistory(handle.workflowId);
    expectEncryptedFailures(history);
    const text = asText(history);
    for (const secret of [
      callerCode,
      email,
      'persons field',
      'Afternoon Tea',
      'rejected the request',
      'Nothing was paid or issued',
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
