import { createHash } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { decode } from 'jpeg-js';
import { createArtifactStore } from '../activities/artifact-store';
import { createCpExtenderActivities } from '../activities/cpextender';
import { GiftOrderInputError } from '../client';
import { cardsForSale, cpExtenderIdsFor, cpExtenderIssue, cpExtenderLedger, issueTestCard } from './support/cpextender';
import { uniqueRef, useInProcessStack, waitFor } from './support/stack';

const env = useInProcessStack();
afterEach(() => env.sandbox.clearFaults());

async function reservationsNamed(requestName: string) {
  return (await cpExtenderLedger(env.sandbox)).reservations.filter((r) => r.requestName === requestName);
}

describe('CP Extender gift card', () => {
  it('reserves one ID, creates one card, verifies it and stores a JPEG certificate whose SHA-256 is in the result', async () => {
    const orderRef = uniqueRef('cpx-happy');
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'cpextender',
      orderRef,
      input: cpExtenderIssue({ requestName: orderRef }),
    });
    const result = await handle.result();

    const { saleId } = cpExtenderIdsFor(orderRef);
    expect(result).toMatchObject({ giftCardId: expect.stringMatching(/^99-\d{17}$/), saleId, balance: 100 });
    expect(await reservationsNamed(orderRef)).toEqual([expect.objectContaining({ id: result.giftCardId, used: true })]);
    expect(await cardsForSale(env.sandbox, saleId)).toEqual([
      expect.objectContaining({ id: result.giftCardId, status: 'active', balance: 100 }),
    ]);

    const stored = await createArtifactStore(env.sandbox.config()).get(result.certificate.ref);
    expect(result.certificate).toMatchObject({ contentType: 'image/jpeg', bytes: stored.bytes.length });
    expect(createHash('sha256').update(stored.bytes).digest('hex')).toBe(result.certificate.sha256);
    expect(decode(stored.bytes)).toMatchObject({ width: 560, height: 240 });

    const status = await env.stack.giftflow.getOrderStatus(handle.workflowId);
    expect(status).toMatchObject({
      state: 'completed',
      lastError: null,
      providerIds: { giftCardId: result.giftCardId, saleId },
    });
    expect(status.attempts).toEqual({ reserveId: 1, createGiftCard: 1, verifyBalance: 1, storeCertificate: 1 });
  });

  it('issues one card when the Create response is lost, through Already Exists and BalanceCheck', async () => {
    const orderRef = uniqueRef('cpx-lost-create');
    await env.sandbox.fault({ method: 'POST', path: '/cpextender/Giftcard/Create$', kind: 'drop-response' });
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'cpextender',
      orderRef,
      input: cpExtenderIssue(),
    });
    const result = await handle.result();

    expect(await cardsForSale(env.sandbox, cpExtenderIdsFor(orderRef).saleId)).toEqual([
      expect.objectContaining({ id: result.giftCardId }),
    ]);
    const creates = (await env.sandbox.requests()).filter((r) => r.path.endsWith('/Giftcard/Create')).slice(-2);
    expect(creates.map((r) => `${r.status} ${r.fault ?? 'ok'}`)).toEqual(['200 drop-response', '400 ok']);
    expect((await env.stack.giftflow.getOrderStatus(handle.workflowId)).attempts.createGiftCard).toBe(2);
  });

  it('reserves a new ID when the first reservation expired before Create, and issues one card', async () => {
    const orderRef = uniqueRef('cpx-expired');
    // Hold the Create in the sandbox while its clock moves past the one-hour reservation.
    await env.sandbox.fault({ method: 'POST', path: '/cpextender/Giftcard/Create$', kind: 'delay', delayMs: 1_500 });
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'cpextender',
      orderRef,
      input: cpExtenderIssue({ requestName: orderRef }),
    });
    await waitFor('the first reservation', async () => (await reservationsNamed(orderRef)).length === 1);
    await env.sandbox.advanceClock(61 * 60 * 1000);
    const result = await handle.result();

    const reservations = await reservationsNamed(orderRef);
    expect(reservations).toEqual([
      expect.objectContaining({ expired: true, used: false }),
      expect.objectContaining({ id: result.giftCardId, used: true }),
    ]);
    expect(await cardsForSale(env.sandbox, cpExtenderIdsFor(orderRef).saleId)).toHaveLength(1);
    const status = await env.stack.giftflow.getOrderStatus(handle.workflowId);
    expect(status.lastError).toMatch(/step 'createGiftCard' .*: GiftcardId Not Reserved$/);
    expect(status.attempts.reserveId).toBe(1);
  });

  it("fails loudly, without a second card, when a brought GiftCardId already holds another order's card", async () => {
    const taken = await issueTestCard(createCpExtenderActivities(env.sandbox.config()), 100, 'someone-elses-sale');
    const orderRef = uniqueRef('cpx-taken');
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'cpextender',
      orderRef,
      input: cpExtenderIssue({ giftCardId: taken }),
    });
    const failure = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(failure.cause?.message).toMatch(
      new RegExp(`GiftcardId Already Exists for ${taken}, but BalanceCheck shows a card that is not this order's`),
    );
    expect(await cardsForSale(env.sandbox, cpExtenderIdsFor(orderRef).saleId)).toHaveLength(0);
  });

  it('issues a points-paid card on an ID drawn from a pool, reserving nothing more', async () => {
    const pool = await env.stack.giftflow.cpextender.reservePool({
      poolRef: uniqueRef('cpx-draw'),
      input: { count: 1, agency: 'Website' },
    });
    const [giftCardId] = (await pool.result()).giftCardIds;
    const before = (await cpExtenderLedger(env.sandbox)).reservations.length;
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'cpextender',
      orderRef: uniqueRef('cpx-points'),
      input: cpExtenderIssue({ giftCardId, giftCardValue: 50, pointsToRedeem: 5000 }),
    });
    expect(await handle.result()).toMatchObject({ giftCardId, saleId: null, balance: 50 });
    expect((await cpExtenderLedger(env.sandbox)).reservations).toHaveLength(before);
  });

  it("fails fast with the provider's reason when Create is refused", async () => {
    const orderRef = uniqueRef('cpx-customer');
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'cpextender',
      orderRef,
      input: cpExtenderIssue({ customerNumber: '0000000000' }),
    });
    const failure = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure.cause).toMatchObject({
      type: 'ProviderRejected',
      message: expect.stringMatching(
        /^cpextender step 'createGiftCard' \(POST \/Giftcard\/Create\) rejected the request \(HTTP 404\): Customer Not Found\. Nothing was paid or issued; left at the provider: an unused reservation of GiftCardId \S+ \(it expires after one hour\)\.$/,
      ),
    });
    expect((await env.stack.giftflow.getOrderStatus(handle.workflowId)).state).toBe('failed');
  });

  it('refuses bad input with field-level errors and starts nothing', async () => {
    const input = cpExtenderIssue({ giftCardValue: -5, saleId: 's-1', pointsToRedeem: 10, agency: '' });
    const error = (await env.stack.giftflow
      .startGiftOrder({ provider: 'cpextender', orderRef: uniqueRef('cpx-bad'), input })
      .catch((e: unknown) => e)) as GiftOrderInputError;
    expect(error).toBeInstanceOf(GiftOrderInputError);
    expect(error.message).toContain('input.giftCardValue: giftCardValue must be greater than 0');
    expect(error.message).toContain('input.agency: agency must not be empty');
  });
});

describe('CP Extender ID pool', () => {
  it('asks again while the batch cap (500) returns fewer: 1,200 IDs in three calls, all distinct', async () => {
    const poolRef = uniqueRef('cpx-pool');
    const requestsBefore = (await env.sandbox.requests()).length;
    const handle = await env.stack.giftflow.cpextender.reservePool({
      poolRef,
      input: { count: 1200, agency: 'Campaign', requestName: poolRef },
    });
    const result = await handle.result();

    expect(result).toMatchObject({ requestName: poolRef, agency: 'Campaign', batches: 3 });
    expect(new Set(result.giftCardIds).size).toBe(1200);
    const calls = (await env.sandbox.requests())
      .slice(requestsBefore)
      .filter((r) => r.path.endsWith('/Giftcard/ReserveIds'));
    expect(calls).toHaveLength(3);
    expect(await reservationsNamed(poolRef)).toHaveLength(1200);
  });
});
