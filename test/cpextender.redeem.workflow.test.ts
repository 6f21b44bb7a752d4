import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { createCpExtenderActivities, type CpExtenderActivities } from '../activities/cpextender';
import type { CpExtenderRedeemInput } from '../contracts/cpextender';
import { cpExtenderSeed } from '../sandbox/cpextender';
import { cardById, cpExtenderLedger, issueTestCard } from './support/cpextender';
import { uniqueRef, useInProcessStack, waitFor } from './support/stack';

const env = useInProcessStack();
let activities: CpExtenderActivities;
beforeAll(() => {
  activities = createCpExtenderActivities(env.sandbox.config());
});
afterEach(() => env.sandbox.clearFaults());

async function redeem(input: CpExtenderRedeemInput, label = 'cpx-redeem') {
  return env.stack.giftflow.cpextender.redeem({ redemptionRef: uniqueRef(label), input });
}

async function held(workflowId: string) {
  return waitFor('the amount to be held', async () => {
    const status = await env.stack.giftflow.getOrderStatus(workflowId);
    return status.step === 'awaitingDecision' && status;
  });
}

async function authorizationsOn(giftCardId: string) {
  return (await cpExtenderLedger(env.sandbox)).authorizations.filter((a) => a.ref === giftCardId);
}

async function authorizationsFor(saleId: string) {
  return (await cpExtenderLedger(env.sandbox)).authorizations.filter((a) => a.saleId === saleId);
}

/** The first answer of the redemption: the amount held, or a question for the operator. */
async function heldOrParked(workflowId: string, timeoutMs: number) {
  return waitFor(
    'the redemption to hold the amount or wait for reconciliation',
    async () => {
      const status = await env.stack.giftflow.getOrderStatus(workflowId);
      return (status.step === 'awaitingDecision' || status.state === 'needs-reconciliation') && status;
    },
    timeoutMs,
  );
}

describe('CP Extender two-phase redemption', () => {
  it('holds 40 of 100 and, on confirm, leaves a balance of 60', async () => {
    const giftCardId = await issueTestCard(activities, 100);
    const handle = await redeem({ giftCardId, amount: 40 });
    await held(handle.workflowId);
    expect(await cardById(env.sandbox, giftCardId)).toMatchObject({ balance: 100, availableBalance: 60 });

    const result = await env.stack.giftflow.cpextender.confirmRedemption(handle.workflowId);
    expect(result).toMatchObject({
      giftCardId,
      authorizedAmount: 40,
      outcome: 'confirmed',
      balance: 60,
      availableBalance: 60,
    });
    expect(await handle.result()).toEqual(result);
    expect(await authorizationsOn(giftCardId)).toEqual([expect.objectContaining({ amount: 40, state: 'confirmed' })]);
  });

  it('confirms a one-shot redemption by itself with autoConfirm', async () => {
    const giftCardId = await issueTestCard(activities, 100);
    const result = await (await redeem({ giftCardId, amount: 25, autoConfirm: true })).result();
    expect(result).toMatchObject({ outcome: 'confirmed', balance: 75 });
  });

  it("does not authorize twice when the Authorize response is lost, and goes on with the operator's AuthCode", async () => {
    const giftCardId = await issueTestCard(activities, 100);
    await env.sandbox.fault({ method: 'POST', path: '/cpextender/Giftcard/Authorize$', kind: 'drop-response' });
    const handle = await redeem({ giftCardId, amount: 40 });
    const parked = await waitFor('the redemption to wait for reconciliation', async () => {
      const status = await env.stack.giftflow.getOrderStatus(handle.workflowId);
      return status.state === 'needs-reconciliation' && status;
    });
    expect(parked.lastError).toMatch(
      /Authorize for SaleId .* landed at CP Extender \(40 held on .*\) but its answer was lost/,
    );
    const [authorization] = await authorizationsOn(giftCardId);
    expect(await authorizationsOn(giftCardId)).toHaveLength(1);

    const reply = await env.stack.giftflow.reconcileOrder(handle.workflowId, {
      outcome: 'created',
      authCode: authorization.authCode,
    });
    expect(reply.accepted).toBe('created');
    await held(handle.workflowId);
    expect(await env.stack.giftflow.cpextender.confirmRedemption(handle.workflowId)).toMatchObject({
      outcome: 'confirmed',
      balance: 60,
    });
    expect(await authorizationsOn(giftCardId)).toEqual([expect.objectContaining({ state: 'confirmed' })]);
  });

  // The landing window (the Authorize attempt's 60 s start-to-close) is waited out in full.
  it('sends Authorize again after a 500 once BalanceCheck shows it did not land and it no longer can', async () => {
    const giftCardId = await issueTestCard(activities, 100);
    await env.sandbox.fault({
      method: 'POST',
      path: '/cpextender/Giftcard/Authorize$',
      kind: 'status',
      status: 500,
      body: { Message: 'Internal Server Error' },
    });
    const result = await (await redeem({ giftCardId, amount: 10, autoConfirm: true })).result();
    expect(result).toMatchObject({ outcome: 'confirmed', balance: 90 });
    expect(await authorizationsOn(giftCardId)).toHaveLength(1);
  }, 120_000);

  // The HTTP layer gives up after 15 s; CP Extender handles the request at 20 s, 5 s after an
  // early look at BalanceCheck, and the redemption must not have sent Authorize again meanwhile.
  it('does not authorize again while an Authorize that timed out can still land, and parks when it lands late', async () => {
    const giftCardId = await issueTestCard(activities, 100);
    await env.sandbox.fault({ path: '/Giftcard/Authorize$', kind: 'delay', delayMs: 20_000, times: 1 });
    const requestsBefore = (await env.sandbox.requests()).length;
    const handle = await redeem({ giftCardId, amount: 40 });
    await waitFor('CP Extender to handle the delayed Authorize', async () =>
      (await env.sandbox.requests())
        .slice(requestsBefore)
        .some((r) => r.path.endsWith('/Giftcard/Authorize') && r.fault === 'delay' && r.status === 200),
    );

    const settled = await heldOrParked(handle.workflowId, 90_000);
    const saleId = settled.providerIds.saleId as string;
    const authorizations = await authorizationsFor(saleId);
    expect(authorizations).toEqual([expect.objectContaining({ ref: giftCardId, amount: 40, state: 'open' })]);
    expect(settled.state).toBe('needs-reconciliation');
    expect(settled.lastError).toMatch(
      /Authorize for SaleId .* landed at CP Extender \(40 held on .*\) but its answer was lost/,
    );

    await env.stack.giftflow.reconcileOrder(handle.workflowId, {
      outcome: 'created',
      authCode: authorizations[0].authCode,
    });
    await held(handle.workflowId);
    expect(await env.stack.giftflow.cpextender.confirmRedemption(handle.workflowId)).toMatchObject({
      outcome: 'confirmed',
      balance: 60,
    });
    expect(await authorizationsFor(saleId)).toEqual([expect.objectContaining({ state: 'confirmed' })]);
  }, 120_000);

  it('cancels a hold left unanswered past its hold timeout', async () => {
    const giftCardId = await issueTestCard(activities, 100);
    const result = await (await redeem({ giftCardId, amount: 40, holdTimeoutSeconds: 2 })).result();
    expect(result).toMatchObject({ outcome: 'hold-expired', balance: 100, availableBalance: 100 });
    expect(await authorizationsOn(giftCardId)).toEqual([expect.objectContaining({ state: 'cancelled' })]);
  });

  it('refuses a confirm that comes while the expired hold is being released', async () => {
    const giftCardId = await issueTestCard(activities, 100);
    // A slow release, so the confirm comes while it runs.
    await env.sandbox.fault({ method: 'POST', path: '/cpextender/Authorize/Cancel$', kind: 'delay', delayMs: 3_000 });
    const handle = await redeem({ giftCardId, amount: 40, holdTimeoutSeconds: 1 });
    await waitFor(
      'the expired hold to be released',
      async () => (await env.stack.giftflow.getOrderStatus(handle.workflowId)).step === 'cancel',
    );

    await expect(env.stack.giftflow.cpextender.confirmRedemption(handle.workflowId)).rejects.toThrow(
      /^confirm refused by giftredeem-cpextender-\S+: the hold GDA\w+ expired after 1 s without confirm or release and was released; nothing to confirm$/,
    );
    expect(await handle.result()).toMatchObject({ outcome: 'hold-expired', balance: 100, availableBalance: 100 });
    expect(await authorizationsOn(giftCardId)).toEqual([expect.objectContaining({ state: 'cancelled' })]);
  });

  it('releases the hold on a release from the point of sale', async () => {
    const giftCardId = await issueTestCard(activities, 100);
    const handle = await redeem({ giftCardId, amount: 30 });
    await held(handle.workflowId);
    expect(await env.stack.giftflow.cpextender.releaseRedemption(handle.workflowId)).toMatchObject({
      outcome: 'cancelled',
      availableBalance: 100,
    });
  });

  it('releases the hold when the workflow is cancelled during it, then ends as cancelled', async () => {
    const giftCardId = await issueTestCard(activities, 100);
    const handle = await redeem({ giftCardId, amount: 40 });
    await held(handle.workflowId);
    await env.stack.giftflow.cancelOrder(handle.workflowId);

    const failure = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure.cause).toBeInstanceOf(CancelledFailure);
    expect(await cardById(env.sandbox, giftCardId)).toMatchObject({
      balance: 100,
      openAuthorizations: 0,
      availableBalance: 100,
    });
    const status = await env.stack.giftflow.getOrderStatus(handle.workflowId);
    expect(status).toMatchObject({ state: 'cancelled', workflowStatus: 'CANCELLED' });
    expect(status.lastError).toMatch(/the hold GDA\w+ of 40 on .* was released/);
  });

  it('refuses a confirm while nothing is held yet', async () => {
    const giftCardId = await issueTestCard(activities, 100);
    await env.sandbox.fault({ method: 'POST', path: '/cpextender/Giftcard/Authorize$', kind: 'delay', delayMs: 1_500 });
    const handle = await redeem({ giftCardId, amount: 5 });
    await waitFor(
      'the Authorize to be sent',
      async () => (await env.stack.giftflow.getOrderStatus(handle.workflowId)).step === 'authorize',
    );
    await expect(env.stack.giftflow.cpextender.confirmRedemption(handle.workflowId)).rejects.toThrow(
      /confirm refused by .*: no amount is held yet/,
    );
    await held(handle.workflowId);
    await env.stack.giftflow.cpextender.releaseRedemption(handle.workflowId);
  });

  it("fails fast with the provider's reason on a voided card", async () => {
    const requestsBefore = (await env.sandbox.requests()).length;
    const handle = await redeem({ giftCardId: cpExtenderSeed.cards.voided.Id, amount: 10 });
    const failure = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure.cause).toMatchObject({
      type: 'ProviderRejected',
      message:
        "cpextender step 'authorize' (POST /Giftcard/Authorize) rejected the request (HTTP 400): GiftCard has been voided",
    });
    const authorizes = (await env.sandbox.requests())
      .slice(requestsBefore)
      .filter((r) => r.path.endsWith('/Giftcard/Authorize'));
    expect(authorizes).toHaveLength(1);
  });
});
