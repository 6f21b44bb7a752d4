import { request } from 'undici';
import { smartGiftIdsFor, smartGiftLedgerFor, smartGiftOrder } from './support/smartgift';
import { uniqueRef, useCrashStack, waitFor } from './support/stack';

const env = useCrashStack('giftflow-smartgift');

/** How often each registered fault has struck, in registration order. */
async function faultHits(): Promise<number[]> {
  const faults = (await (await request(`${env.sandbox.url}/__sandbox/faults`)).body.json()) as { hits: number }[];
  return faults.map((fault) => fault.hits);
}

/** True once the sandbox has received a request matching the (only) registered fault. */
async function faultHit(): Promise<boolean> {
  return (await faultHits()).some((hits) => hits > 0);
}

describe('Smart Gift order survives a worker crash', () => {
  it('places one order after the worker is SIGKILLed while the answer to the POST is held, and recovers it from our codes', async () => {
    const orderRef = uniqueRef('sg-crash-after');
    const ids = smartGiftIdsFor(orderRef);
    // Smart Gift places the order, then holds its answer for 4 s: the first worker dies meanwhile.
    await env.sandbox.fault({
      method: 'POST',
      path: '/smartgift/pos-sale$',
      kind: 'delay',
      delayMs: 4_000,
      delayPhase: 'after',
    });
    const first = await env.startWorker();
    const handle = await env.giftflow.startGiftOrder({ provider: 'smartgift', orderRef, input: smartGiftOrder() });
    await waitFor(
      'the order to exist at Smart Gift',
      async () => (await smartGiftLedgerFor(env.sandbox, ids.orderId)).orders.length === 1,
    );
    await first.kill();

    await env.startWorker();
    const result = await handle.result();

    expect(result).toEqual({
      orderReference: null,
      orderId: ids.orderId,
      voucherCodes: ids.voucherCodes,
      recovered: true,
    });
    await expectOneOrderWithCodes(ids);
  }, 120_000);

  it('places one order after the worker is SIGKILLed while the POST is held before Smart Gift handles it', async () => {
    const orderRef = uniqueRef('sg-crash-before');
    const ids = smartGiftIdsFor(orderRef);
    await env.sandbox.fault({ method: 'POST', path: '/smartgift/pos-sale$', kind: 'delay', delayMs: 4_000 });
    const first = await env.startWorker();
    const handle = await env.giftflow.startGiftOrder({ provider: 'smartgift', orderRef, input: smartGiftOrder() });
    await waitFor('the POST to reach Smart Gift', faultHit);
    await first.kill();

    await env.startWorker();
    const result = await handle.result();

    // Whether the held request or the retry placed it, there is one order with our codes.
    expect(result).toMatchObject({ orderId: ids.orderId, voucherCodes: ids.voucherCodes });
    await expectOneOrderWithCodes(ids);
  }, 120_000);

  it('places one order when the answer to the POST is lost and the retry runs on a worker with another SMARTGIFT_CODE_SECRET', async () => {
    const orderRef = uniqueRef('sg-crash-secret');
    // Worker A derives the codes; B, with another secret, would derive other ones.
    const ids = smartGiftIdsFor(orderRef, 1, 'a');
    expect(smartGiftIdsFor(orderRef, 1, 'b').voucherCodes).not.toEqual(ids.voucherCodes);
    // Smart Gift places the order and its answer is lost. Every later POST gets a 503 before
    // Smart Gift handles it, so a retry that A may send before it dies places nothing and the
    // retry that matters runs on B.
    await env.sandbox.fault({ method: 'POST', path: '/smartgift/pos-sale$', kind: 'drop-response' });
    await env.sandbox.fault({ method: 'POST', path: '/smartgift/pos-sale$', kind: 'status', status: 503, times: 0 });
    const first = await env.startWorker({ SMARTGIFT_CODE_SECRET: 'a' });
    const handle = await env.giftflow.startGiftOrder({ provider: 'smartgift', orderRef, input: smartGiftOrder() });
    await waitFor('the answer to the POST to be dropped', async () => (await faultHits())[0] > 0);
    await first.kill();
    await env.sandbox.clearFaults();

    await env.startWorker({ SMARTGIFT_CODE_SECRET: 'b' });
    const result = await handle.result();

    // B sent A's codes, recorded in history: the repeat collided with the order A placed.
    expect(result).toEqual({
      orderReference: null,
      orderId: ids.orderId,
      voucherCodes: ids.voucherCodes,
      recovered: true,
    });
    await expectOneOrderWithCodes(ids);
  }, 120_000);
});

/** Exactly-once at Smart Gift: one order under the derived order_id, holding the expected voucher codes. */
async function expectOneOrderWithCodes(ids: { orderId: string; voucherCodes: string[] }): Promise<void> {
  const ledger = await smartGiftLedgerFor(env.sandbox, ids.orderId);
  expect(ledger.orders).toHaveLength(1);
  expect(ledger.vouchers.map((v: { code: string }) => v.code)).toEqual(ids.voucherCodes);
}
