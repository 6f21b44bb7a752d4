import type { FastifyInstance } from 'fastify';
import { closeHttpPools } from '../activities/http';
import { randomUUID } from 'node:crypto';
import { createSmartGiftActivities, smartGiftVoucherCode } from '../activities/smartgift';
import { smartGiftOrderInputSchema, type SmartGiftOrderInput } from '../contracts/smartgift';
import { createSandboxServer } from '../sandbox/server';
import { documentedShortBody } from './support/smartgift';
import { failureOf, TestSandbox, uniqueRef } from './support/stack';

let sandbox: TestSandbox;
let smartgift: ReturnType<typeof createSmartGiftActivities>;
let sequence = 0;
const newCode = () => `T${Date.now().toString(36).toUpperCase()}${String(++sequence).padStart(4, '0')}`;
/** A fresh code seed, as the workflow derives one, and the code deriveSmartGiftVoucherCodes makes of it. */
const newSeed = () => {
  const seed = randomUUID();
  return { seed, code: smartGiftVoucherCode(seed, sandbox.config().smartgift.codeSecret) };
};

beforeAll(async () => {
  sandbox = await TestSandbox.start();
  smartgift = createSmartGiftActivities(sandbox.config());
});
afterEach(() => sandbox.clearFaults());
afterAll(async () => {
  await closeHttpPools();
  await sandbox?.close();
});

function order(overrides: Partial<SmartGiftOrderInput> = {}) {
  return smartGiftOrderInputSchema.parse({ ...documentedShortBody(), ...overrides });
}

async function ordersWithId(orderId: string) {
  return (await sandbox.ledger()).smartgift.orders.filter((o: { orderId: string }) => o.orderId === orderId);
}

describe('Smart Gift activities against the sandbox', () => {
  it('accepts a listed payment method and refuses another, listing the valid ones', async () => {
    expect(await smartgift.checkSmartGiftPaymentMethod(1)).toEqual({ paymentMethodName: 'Card', attempt: 1 });
    const failure = await failureOf(smartgift.checkSmartGiftPaymentMethod(7));
    expect(failure).toMatchObject({ type: 'ProviderRejected', nonRetryable: true });
    expect(failure.message).toBe(
      "smartgift step 'checkPaymentMethod': payment_method 7 is not one of Smart Gift's payment methods. Choices: Card (1), Cash (2), Bank transfer (3)",
    );
  });

  it("derives one code per seed under the worker's secret, and none for an item whose code the caller fixed", async () => {
    const { seed, code } = newSeed();
    expect(await smartgift.deriveSmartGiftVoucherCodes([seed, null])).toEqual([code, null]);
    expect(code).toMatch(/^[A-Z0-9]{12}$/);
    // Another secret gives another code: why the workflow records them once per order.
    const rotated = createSmartGiftActivities(sandbox.config({ SMARTGIFT_CODE_SECRET: 'rotated-secret' }));
    const [other] = await rotated.deriveSmartGiftVoucherCodes([seed]);
    expect(other).toMatch(/^[A-Z0-9]{12}$/);
    expect(other).not.toBe(code);
  });

  it('places the order with our codes and returns the reference Smart Gift gave it', async () => {
    const orderId = uniqueRef('sg-act');
    const { code } = newSeed();
    const placed = await smartgift.placeSmartGiftOrder({ order: order(), orderId, derivedCodes: [code] });
    expect(placed).toEqual({ orderReference: orderId, voucherCodes: [code], recovered: false, attempt: 1 });
    expect(await ordersWithId(orderId)).toEqual([expect.objectContaining({ voucherCodes: [code] })]);
  });

  it("sends the recorded codes whatever the worker's secret, so a repeat on a rotated worker recovers the order", async () => {
    const orderId = uniqueRef('sg-act-rotated');
    const { code } = newSeed();
    const args = { order: order(), orderId, derivedCodes: [code] };
    await smartgift.placeSmartGiftOrder(args);
    const rotated = createSmartGiftActivities(sandbox.config({ SMARTGIFT_CODE_SECRET: 'rotated-secret' }));
    expect(await rotated.placeSmartGiftOrder(args)).toEqual({
      orderReference: null,
      voucherCodes: [code],
      recovered: true,
      attempt: 1,
    });
    expect(await ordersWithId(orderId)).toHaveLength(1);
  });

  it('derives the codes itself from seeds for orders started before the codes were recorded in history', async () => {
    const orderId = uniqueRef('sg-act-seeds');
    const { seed, code } = newSeed();
    const placed = await smartgift.placeSmartGiftOrder({ order: order(), orderId, codeSeeds: [seed] });
    expect(placed).toEqual({ orderReference: orderId, voucherCodes: [code], recovered: false, attempt: 1 });
    expect(await ordersWithId(orderId)).toEqual([expect.objectContaining({ voucherCodes: [code] })]);
  });

  it('refuses to send an item that has neither a caller code nor a derived one', async () => {
    const orderId = uniqueRef('sg-act-nocode');
    const failure = await failureOf(smartgift.placeSmartGiftOrder({ order: order(), orderId, derivedCodes: [null] }));
    expect(failure).toMatchObject({ type: 'MissingVoucherCode', nonRetryable: true });
    expect(await ordersWithId(orderId)).toHaveLength(0);
  });

  it('reports a repeat whose derived codes are all taken as a recovered order, and places nothing new', async () => {
    const orderId = uniqueRef('sg-act-repeat');
    const derived = newSeed();
    const codes = [derived.code, 'CALLERFIXED' + newCode()];
    const input = order({
      items: [
        { id: 1, price: 10 },
        { id: 3, persons: 2, code: codes[1] },
      ],
    });
    const args = { order: input, orderId, derivedCodes: [derived.code, null] };
    await smartgift.placeSmartGiftOrder(args);
    expect(await smartgift.placeSmartGiftOrder(args)).toEqual({
      orderReference: null,
      voucherCodes: codes,
      recovered: true,
      attempt: 1,
    });
    expect(await ordersWithId(orderId)).toHaveLength(1);
  });

  it('refuses when only some of our codes are taken: another order holds them', async () => {
    const taken = newCode();
    await smartgift.placeSmartGiftOrder({
      order: order({ items: [{ id: 1, price: 10, code: taken }] }),
      orderId: uniqueRef('sg-other'),
      derivedCodes: [null],
    });
    const orderId = uniqueRef('sg-act-clash');
    const failure = await failureOf(
      smartgift.placeSmartGiftOrder({
        order: order({
          items: [
            { id: 1, price: 10 },
            { id: 1, price: 10, code: taken },
          ],
        }),
        orderId,
        derivedCodes: [newSeed().code, null],
      }),
    );
    expect(failure).toMatchObject({ type: 'ProviderRejected', nonRetryable: true });
    expect(failure.message).toBe(
      "smartgift step 'placeOrder' (POST /pos-sale) rejected the request (HTTP 422): The items.1.code has already been taken.",
    );
    expect(await ordersWithId(orderId)).toHaveLength(0);
  });

  it('refuses, on a first attempt, an order whose caller-fixed codes are all taken', async () => {
    const args = {
      order: order({ items: [{ id: 1, price: 10, code: newCode() }] }),
      orderId: uniqueRef('sg-fixed'),
      derivedCodes: [null],
    };
    await smartgift.placeSmartGiftOrder(args);
    const failure = await failureOf(smartgift.placeSmartGiftOrder(args));
    expect(failure).toMatchObject({ type: 'ProviderRejected', nonRetryable: true });
    expect(failure.message).toContain('The items.0.code has already been taken.');
  });

  it("maps a documented rule's 422 to ProviderRejected with Smart Gift's reason", async () => {
    const failure = await failureOf(
      smartgift.placeSmartGiftOrder({
        order: order({ items: [{ id: 2 }] }),
        orderId: uniqueRef('sg-persons'),
        derivedCodes: [newSeed().code],
      }),
    );
    expect(failure).toMatchObject({ type: 'ProviderRejected', nonRetryable: true });
    expect(failure.message).toBe(
      "smartgift step 'placeOrder' (POST /pos-sale) rejected the request (HTTP 422): The items.0.persons field must be between 2 and 2 for voucher 2 (Afternoon Tea for Two); it is 1.",
    );
  });

  it('maps a lost response to a retryable AmbiguousOutcome: our codes make the repeat safe', async () => {
    await sandbox.fault({ method: 'POST', path: '/smartgift/pos-sale$', kind: 'drop-response' });
    const orderId = uniqueRef('sg-drop');
    const failure = await failureOf(
      smartgift.placeSmartGiftOrder({ order: order(), orderId, derivedCodes: [newSeed().code] }),
    );
    expect(failure).toMatchObject({ type: 'AmbiguousOutcome', nonRetryable: false });
    expect(failure.message).toMatch(/lost the connection .*the request may have landed/);
    expect(await ordersWithId(orderId)).toHaveLength(1);
  });

  it('maps a 429 to ProviderRateLimited that waits until X-RateLimit-Reset', async () => {
    const limited: FastifyInstance = createSandboxServer({ smartgiftRateLimit: { limit: 1, windowMs: 30_000 } });
    const url = await limited.listen({ host: '127.0.0.1', port: 0 });
    try {
      const throttled = createSmartGiftActivities(sandbox.config({ SMARTGIFT_URL: `${url}/smartgift` }));
      await throttled.checkSmartGiftPaymentMethod(1);
      const failure = await failureOf(throttled.checkSmartGiftPaymentMethod(1));
      expect(failure).toMatchObject({ type: 'ProviderRateLimited', nonRetryable: false });
      expect(failure.nextRetryDelay).toBeGreaterThan(25_000);
      expect(failure.nextRetryDelay).toBeLessThanOrEqual(31_000);
    } finally {
      await limited.close();
    }
  });

  it('refuses a wrong secret key without echoing it, naming the variable to fix', async () => {
    const wrongKey = 'sk_wrong_key_must_not_leak';
    const failure = await failureOf(
      createSmartGiftActivities(sandbox.config({ SMARTGIFT_SECRET_KEY: wrongKey })).checkSmartGiftPaymentMethod(1),
    );
    expect(failure).toMatchObject({ type: 'ProviderCredentialsRefused', nonRetryable: true });
    expect(failure.message).toContain('refused our credentials (HTTP 401); check SMARTGIFT_SECRET_KEY');
    expect(JSON.stringify({ message: failure.message, stack: failure.stack, details: failure.details })).not.toContain(
      wrongKey,
    );
  });
});
