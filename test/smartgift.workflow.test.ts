import { execFile } from 'node:child_process';
import path from 'node:path';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { LOCAL_ACTIVITY_MARKER } from '../activities/earlier-runs';
import { GiftOrderInputError } from '../client';
import { smartGiftSeed } from '../sandbox/smartgift';
import { smartGiftIdsFor, smartGiftLedgerFor, smartGiftOrder } from './support/smartgift';
import { temporalAddress, uniqueRef, useInProcessStack, waitFor } from './support/stack';

const env = useInProcessStack();
afterEach(() => env.sandbox.clearFaults());

const { spaDay, afternoonTea } = smartGiftSeed.vouchers;

async function failureOf(result: Promise<unknown>): Promise<Error & { type?: string }> {
  const failure = await result.catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  return (failure as WorkflowFailedError).cause as Error & { type?: string };
}

async function posSales(after: number) {
  return (await env.sandbox.requests()).slice(after).filter((r) => r.path === '/smartgift/pos-sale');
}

/** Every string and byte of a raw (undecoded) history, base64 decoded too, to search for values that must not be readable. */
function asText(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
  if (typeof value === 'string')
    return /^[A-Za-z0-9+/]+=*$/.test(value) ? `${value}\n${Buffer.from(value, 'base64').toString('latin1')}` : value;
  if (value && typeof value === 'object') return Object.values(value).map(asText).join('\n');
  return String(value);
}

describe('Smart Gift voucher order', () => {
  it('places one online order under the derived order_id and voucher code', async () => {
    const orderRef = uniqueRef('sg-online');
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'smartgift',
      orderRef,
      input: smartGiftOrder(),
    });
    const result = await handle.result();

    const ids = smartGiftIdsFor(orderRef);
    expect(handle.workflowId).toBe(ids.workflowId);
    expect(result).toEqual({
      orderReference: ids.orderId,
      orderId: ids.orderId,
      voucherCodes: ids.voucherCodes,
      recovered: false,
    });
    expect(ids.voucherCodes[0]).toMatch(/^[A-Z0-9]{12}$/);
    const ledger = await smartGiftLedgerFor(env.sandbox, ids.orderId);
    expect(ledger.orders).toEqual([
      expect.objectContaining({
        orderReference: ids.orderId,
        total: 100,
        confirmationEmailSent: true,
        delivery: { method: 'online', status: 'sent', date: null },
      }),
    ]);
    expect(ledger.vouchers.map((v: { code: string }) => v.code)).toEqual(ids.voucherCodes);

    const status = await env.stack.giftflow.getOrderStatus(handle.workflowId);
    expect(status).toMatchObject({
      state: 'completed',
      step: 'completed',
      lastError: null,
      result,
      providerIds: { orderId: ids.orderId, orderReference: ids.orderId },
    });
    expect(status.attempts).toEqual({ checkPaymentMethod: 1, placeOrder: 1 });
  });

  it('places an offline order on a future date with an experience voucher priced by persons and a caller-fixed code', async () => {
    const orderRef = uniqueRef('sg-offline');
    const callerCode = `GIFT${Date.now().toString(36).toUpperCase()}`;
    const input = smartGiftOrder({
      items: [
        { id: spaDay.id, persons: 3, to: 'Anna' },
        { id: 1, price: 25, code: callerCode },
      ],
      delivery: { method: 2, address1: 'Bank Chambers', postcode: 'NP11 4EY', town: 'Newbridge', date: '2999-12-24' },
    });
    const result = await (await env.stack.giftflow.startGiftOrder({ provider: 'smartgift', orderRef, input })).result();

    const ids = smartGiftIdsFor(orderRef, 2);
    expect(result.voucherCodes).toEqual([ids.voucherCodes[0], callerCode]);
    const ledger = await smartGiftLedgerFor(env.sandbox, ids.orderId);
    expect(ledger.orders).toEqual([
      expect.objectContaining({
        total: 220,
        confirmationEmailSent: false,
        delivery: { method: 'offline', status: 'scheduled', date: '2999-12-24' },
      }),
    ]);
    expect(
      ledger.vouchers.map((v: { code: string; value: number; persons: number }) => [v.code, v.value, v.persons]),
    ).toEqual([
      [ids.voucherCodes[0], 195, 3],
      [callerCode, 25, 1],
    ]);
  });

  it('places one order when the answer to the POST is lost, and completes with the same voucher codes', async () => {
    const orderRef = uniqueRef('sg-lost');
    const ids = smartGiftIdsFor(orderRef, 2);
    const before = (await env.sandbox.requests()).length;
    await env.sandbox.fault({ method: 'POST', path: '/smartgift/pos-sale$', kind: 'drop-response' });
    const input = smartGiftOrder({ items: [{ id: 1, price: 40 }, { id: spaDay.id }] });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'smartgift', orderRef, input });
    const result = await handle.result();

    expect(result).toEqual({
      orderReference: null,
      orderId: ids.orderId,
      voucherCodes: ids.voucherCodes,
      recovered: true,
    });
    const ledger = await smartGiftLedgerFor(env.sandbox, ids.orderId);
    expect(ledger.orders).toHaveLength(1);
    expect(ledger.vouchers.map((v: { code: string }) => v.code)).toEqual(result.voucherCodes);
    expect((await posSales(before)).map((r) => r.fault ?? r.status)).toEqual(['drop-response', 422]);
    expect((await env.stack.giftflow.getOrderStatus(handle.workflowId)).attempts.placeOrder).toBe(2);
  });

  it('fixes the voucher codes once per order in history, encrypted: the raw history holds neither the codes nor the code secret', async () => {
    const orderRef = uniqueRef('sg-history');
    const callerCode = `GIFT${Date.now().toString(36).toUpperCase()}`;
    const input = smartGiftOrder({
      items: [
        { id: 1, price: 40 },
        { id: 1, price: 25, code: callerCode },
      ],
    });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'smartgift', orderRef, input });
    const result = await handle.result();
    const ids = smartGiftIdsFor(orderRef, 1);
    expect(result.voucherCodes).toEqual([ids.voucherCodes[0], callerCode]);

    // fetchHistory returns the payloads as stored, without the codec.
    const history = await env.stack.temporal.workflow.getHandle(handle.workflowId).fetchHistory();
    const markers = history.events!.flatMap((event) =>
      event.markerRecordedEventAttributes ? [event.markerRecordedEventAttributes] : [],
    );
    const patches = markers
      .filter((marker) => marker.markerName === 'core_patch')
      .map((marker) => JSON.parse(Buffer.from(marker.details!['patch-data'].payloads![0].data!).toString()).id);
    expect(patches).toContain('smartgift-voucher-codes-in-history');
    const derivations = markers.filter(
      (marker) =>
        marker.markerName === LOCAL_ACTIVITY_MARKER &&
        JSON.parse(Buffer.from(marker.details!.data.payloads![0].data!).toString()).activity_type ===
          'deriveSmartGiftVoucherCodes',
    );
    expect(derivations).toHaveLength(1);
    expect(Buffer.from(derivations[0].details!.result.payloads![0].metadata!.encoding!).toString()).toBe(
      'binary/encrypted',
    );
    const text = asText(history);
    for (const secret of [ids.voucherCodes[0], callerCode, env.sandbox.config().smartgift.codeSecret])
      expect(text).not.toContain(secret);
  });

  it('returns the rewritten order_reference when the caller reuses an order_id', async () => {
    const orderId = uniqueRef('shop');
    const first = await (
      await env.stack.giftflow.startGiftOrder({
        provider: 'smartgift',
        orderRef: uniqueRef('sg-id-1'),
        input: smartGiftOrder({ order_id: orderId }),
      })
    ).result();
    const second = await (
      await env.stack.giftflow.startGiftOrder({
        provider: 'smartgift',
        orderRef: uniqueRef('sg-id-2'),
        input: smartGiftOrder({ order_id: orderId }),
      })
    ).result();
    expect([first.orderReference, second.orderReference]).toEqual([orderId, `${orderId}-2`]);
    expect(second.orderId).toBe(orderId);
    expect((await smartGiftLedgerFor(env.sandbox, orderId)).orders).toHaveLength(2);
  });

  it('fails fast on an unknown payment method, listing the valid ones, and orders nothing', async () => {
    const orderRef = uniqueRef('sg-payment');
    const before = (await env.sandbox.requests()).length;
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'smartgift',
      orderRef,
      input: smartGiftOrder({ payment_method: 9 }),
    });
    const cause = await failureOf(handle.result());
    expect(cause.type).toBe('ProviderRejected');
    expect(cause.message).toBe(
      "smartgift step 'checkPaymentMethod': payment_method 9 is not one of Smart Gift's payment methods. Choices: Card (1), Cash (2), Bank transfer (3). " +
        'Nothing was paid or issued; nothing was created at the provider.',
    );
    const requests = (await env.sandbox.requests()).slice(before);
    expect(requests.filter((r) => r.path === '/smartgift/payment-methods')).toHaveLength(1);
    expect(await posSales(before)).toHaveLength(0);
    expect(await env.stack.giftflow.getOrderStatus(handle.workflowId)).toMatchObject({
      state: 'failed',
      step: 'checkPaymentMethod',
    });
  });

  it('fails without retrying when Smart Gift refuses the persons of an experience voucher, naming its reason', async () => {
    const orderRef = uniqueRef('sg-persons');
    const before = (await env.sandbox.requests()).length;
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'smartgift',
      orderRef,
      input: smartGiftOrder({ items: [{ id: afternoonTea.id }] }),
    });
    const cause = await failureOf(handle.result());
    expect(cause.type).toBe('ProviderRejected');
    expect(cause.message).toBe(
      "smartgift step 'placeOrder' (POST /pos-sale) rejected the request (HTTP 422): The items.0.persons field must be between 2 and 2 for voucher 2 (Afternoon Tea for Two); it is 1. " +
        'Nothing was paid or issued; nothing was created at the provider.',
    );
    expect(await posSales(before)).toHaveLength(1);
    expect((await smartGiftLedgerFor(env.sandbox, smartGiftIdsFor(orderRef).orderId)).orders).toHaveLength(0);
  });

  it('refuses bad input with field-level errors and starts nothing', async () => {
    const orderRef = uniqueRef('sg-bad-input');
    const input = smartGiftOrder({
      items: [{ id: 1, price: -1, code: 'NO-DASHES' }],
      delivery: { method: 2, address1: 'Bank Chambers' },
    });
    const error = (await env.stack.giftflow
      .startGiftOrder({ provider: 'smartgift', orderRef, input })
      .catch((e: unknown) => e)) as GiftOrderInputError;
    expect(error).toBeInstanceOf(GiftOrderInputError);
    expect(error.issues).toEqual([
      { field: 'input.items.0.price', message: 'price must be greater than 0' },
      { field: 'input.items.0.code', message: 'code must contain only letters and digits' },
      { field: 'input.delivery.postcode', message: 'postcode is required for offline delivery (method 2)' },
    ]);
    await expect(
      env.stack.temporal.workflow.getHandle(smartGiftIdsFor(orderRef).workflowId).describe(),
    ).rejects.toThrow(/not found/i);
  });

  it('places the example order with `giftflow order smartgift --input examples/smartgift-order.json`', async () => {
    const orderRef = uniqueRef('sg-cli');
    const root = path.resolve(__dirname, '..');
    const args = [
      path.join(root, 'bin', 'giftflow.js'),
      'order',
      'smartgift',
      '--input',
      path.join(root, 'examples', 'smartgift-order.json'),
      '--ref',
      orderRef,
      '--wait',
    ];
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        args,
        { env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress() } },
        (error, out, err) => (error ? reject(new Error(err)) : resolve(out)),
      ),
    );
    const ids = smartGiftIdsFor(orderRef, 2);
    expect(JSON.parse(stdout)).toEqual({
      workflowId: ids.workflowId,
      orderRef,
      provider: 'smartgift',
      result: { orderReference: ids.orderId, orderId: ids.orderId, voucherCodes: ids.voucherCodes, recovered: false },
    });
    expect(
      (await smartGiftLedgerFor(env.sandbox, ids.orderId)).vouchers.map((v: { value: number }) => v.value),
    ).toEqual([100, 130]);
  });

  it('cancels cleanly before the order is sent and says nothing was ordered', async () => {
    const orderRef = uniqueRef('sg-cancel');
    await env.sandbox.fault({
      method: 'GET',
      path: '/smartgift/payment-methods$',
      kind: 'status',
      status: 503,
      times: 0,
    });
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'smartgift',
      orderRef,
      input: smartGiftOrder(),
    });
    await waitFor(
      'the payment-method look-up to be retried',
      async () => (await env.stack.giftflow.getOrderStatus(handle.workflowId)).retrying,
    );
    await env.stack.giftflow.cancelOrder(handle.workflowId);

    const failure = await handle.result().catch((e: WorkflowFailedError) => e);
    expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const status = await env.stack.giftflow.getOrderStatus(handle.workflowId);
    expect(status).toMatchObject({
      state: 'cancelled',
      lastError: 'Smart Gift order cancelled before it was sent; nothing was ordered at Smart Gift.',
    });
    expect((await smartGiftLedgerFor(env.sandbox, smartGiftIdsFor(orderRef).orderId)).orders).toHaveLength(0);
  });
});
