import { request } from 'undici';
import { smartGiftIdsFor, smartGiftLedgerFor, smartGiftOrder } from './support/smartgift';
import { uniqueRef, useCrashStack, waitFor } from './support/stack';

const env = useCrashStack('giftflow-smartgift');

/** True once the sandbox has received a request matching the (only) registered fault. */
async function faultHit(): Promise<boolean> {
  const faults = (await (await request(`${env.sandbox.url}/__sandbox/faults`)).body.json()) as { hits: number }[];
  return faults.some((fault) => fault.hits > 0);
}

describe('Smart Gift order survives a worker crash', () => {
  it('places one order after the worker is SIGKILLed while the answer to the POST is held, and recovers it from our codes', async () => {
    const orderRef = uniqueRef('sg-crash-after');
    const ids = smartGiftIdsFor(orderRef);
    // Smart Gift places the order, then holds its answer for 4 s: the first worker dies meanwhile.
    await env.sandbox.fault({ method: 'POST', path: '/smartgift/pos-sale$', kind: 'delay', delayMs: 4_000, delayPhase: 'after' });
    const first = await env.startWorker();
    const handle = await env.giftflow.startGiftOrder({ provider: 'smartgift', orderRef, input: smartGiftOrder() });
    await waitFor('the order to exist at Smart Gift', async () => (await smartGiftLedgerFor(env.sandbox, ids.orderId)).orders.length === 1);
    await first.kill();

    await env.startWorker();
    const result = await handle.result();

    expect(result).toEqual({ orderReference: null, orderId: ids.orderId, voucherCodes: ids.voucherCodes, recovered: true });
    const ledger = await smartGiftLedgerFor(env.sandbox, ids.orderId);
    expect(ledger.orders).toHaveLength(1);
    expect(ledger.vouchers.map((v: { code: string }) => v.code)).toEqual(ids.voucherCodes);
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
    const ledger = await smartGiftLedgerFor(env.sandbox, ids.orderId);
    expect(ledger.orders).toHaveLength(1);
    expect(ledger.vouchers.map((v: { code: string }) => v.code)).toEqual(ids.voucherCodes);
  }, 120_000);
});
