import { execFile } from 'node:child_process';
import path from 'node:path';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { GiftOrderInputError } from '../client';
import { PAYWAY_PATHS } from '../contracts/payway';
import { paywaySeed } from '../sandbox/payway';
import { fullExample, paywayIdsFor, paywayOrder, paywayOrdersFor, tokensIssued } from './support/payway';
import { temporalAddress, uniqueRef, useInProcessStack, waitFor } from './support/stack';

const CLI = path.resolve(__dirname, '..', 'bin', 'giftflow.js');
const CREATE = `/payway${PAYWAY_PATHS.createGiftOrder}`;
const env = useInProcessStack();
afterEach(() => env.sandbox.clearFaults());

function giftflow(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress() } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Create requests for this order, by what the sandbox answered (`drop-response`/`reset` for faults). */
async function createsSince(before: number): Promise<string[]> {
  return (await env.sandbox.requests())
    .slice(before)
    .filter((r) => r.path === CREATE)
    .map((r) => r.fault ?? String(r.status));
}

async function parked(workflowId: string) {
  return waitFor('the order to need reconciliation', async () => {
    const status = await env.stack.giftflow.getOrderStatus(workflowId);
    return status.state === 'needs-reconciliation' && status;
  });
}

describe('Payway gift order', () => {
  // First in the file: the worker's token cache is still empty.
  it('fetches one token and reuses it for several orders', async () => {
    const refs = [uniqueRef('pw-a'), uniqueRef('pw-b'), uniqueRef('pw-c')];
    const handles = await Promise.all(
      refs.map((orderRef, i) =>
        env.stack.giftflow.startGiftOrder({
          provider: 'payway',
          orderRef,
          input: i === 2 ? fullExample : paywayOrder(),
        }),
      ),
    );
    const results = await Promise.all(handles.map((handle) => handle.result()));

    expect(await tokensIssued(env.sandbox)).toBe(1);
    for (const [i, orderRef] of refs.entries()) {
      const orders = await paywayOrdersFor(env.sandbox, orderRef);
      expect(orders).toHaveLength(1);
      expect(results[i]).toEqual({
        merchantReference: paywayIdsFor(orderRef).merchantReference,
        id: orders[0].id,
        orderId: orders[0].order_id,
        paymentId: orders[0].payment_id,
        reconciled: false,
      });
    }
    const status = await env.stack.giftflow.getOrderStatus(handles[0].workflowId);
    expect(status).toMatchObject({ state: 'completed', attempts: { createGiftOrder: 1 }, lastError: null });
  });

  it('refreshes an expired token once and places the order', async () => {
    const orderRef = uniqueRef('pw-expired');
    const [tokensBefore, requestsBefore] = [await tokensIssued(env.sandbox), (await env.sandbox.requests()).length];
    // The worker still holds its token; past its hour on the sandbox clock Payway refuses it.
    await env.sandbox.advanceClock(3601 * 1000);
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'payway', orderRef, input: paywayOrder() });
    await handle.result();

    expect(await tokensIssued(env.sandbox)).toBe(tokensBefore + 1);
    expect(await createsSince(requestsBefore)).toEqual(['401', '201']);
    expect(await paywayOrdersFor(env.sandbox, orderRef)).toHaveLength(1);
  });

  it('parks a create whose response was lost, and completes with the order an operator finds in the ledger', async () => {
    const orderRef = uniqueRef('pw-lost');
    const { workflowId, merchantReference } = paywayIdsFor(orderRef);
    const requestsBefore = (await env.sandbox.requests()).length;
    await env.sandbox.fault({ method: 'POST', path: `${PAYWAY_PATHS.createGiftOrder}$`, kind: 'drop-response' });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'payway', orderRef, input: paywayOrder() });

    const status = await parked(workflowId);
    expect(status).toMatchObject({ step: 'createGiftOrder', providerIds: { merchantReference } });
    expect(status.lastError).toMatch(/may have landed.*Look for a Payway order with merchant_reference/);
    const listed = await waitFor('the order in giftflow list', async () => {
      const { stdout } = await giftflow(['list', '--state', 'needs-reconciliation', '--provider', 'payway']);
      return stdout.split('\n').find((line) => line.includes(workflowId));
    });
    expect(listed).toMatch(
      new RegExp(
        `^needs-reconciliation\\s+payway\\s+${orderRef}\\s+\\d+s\\s+${workflowId}\\s+payway step 'createGiftOrder'`,
      ),
    );

    const [order] = await paywayOrdersFor(env.sandbox, orderRef);
    const answer = await giftflow([
      'reconcile',
      workflowId,
      '--created',
      '--order-id',
      order.order_id,
      '--payment-id',
      order.payment_id,
    ]);
    expect(JSON.parse(answer.stdout)).toEqual({
      workflowId,
      accepted: 'created',
      next: `the order completes with Payway order ${order.order_id}`,
    });

    expect(await handle.result()).toEqual({
      merchantReference,
      id: null,
      orderId: order.order_id,
      paymentId: order.payment_id,
      reconciled: true,
    });
    expect(await paywayOrdersFor(env.sandbox, orderRef)).toHaveLength(1);
    expect(await createsSince(requestsBefore)).toEqual(['drop-response']);
    const listedAsCompleted = await waitFor('the order listed as completed', async () => {
      const orders = JSON.parse(
        (await giftflow(['list', '--state', 'completed', '--provider', 'payway', '--json'])).stdout,
      );
      return orders.find((o: { workflowId: string }) => o.workflowId === workflowId);
    });
    expect(listedAsCompleted).toMatchObject({
      provider: 'payway',
      orderRef,
      state: 'completed',
      workflowStatus: 'COMPLETED',
      lastError: null,
    });
  });

  it('sends the create again after a not-created answer, when the request never landed', async () => {
    const orderRef = uniqueRef('pw-reset');
    const { workflowId } = paywayIdsFor(orderRef);
    const requestsBefore = (await env.sandbox.requests()).length;
    await env.sandbox.fault({ method: 'POST', path: `${PAYWAY_PATHS.createGiftOrder}$`, kind: 'reset' });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'payway', orderRef, input: paywayOrder() });
    await parked(workflowId);
    expect(await paywayOrdersFor(env.sandbox, orderRef)).toHaveLength(0);

    const refused = (answer: object) =>
      env.stack.giftflow
        .reconcileOrder(workflowId, answer as never)
        .catch((e: WorkflowUpdateFailedError) => e.cause?.message);
    expect(await refused({ outcome: 'created' })).toBe('invalid reconcile answer: orderId: orderId is required');
    expect(await refused({ outcome: 'maybe' })).toBe(
      "invalid reconcile answer: outcome: outcome must be 'created' or 'not-created'",
    );
    expect(await refused({ outcome: 'not-created', orderId: 'X' })).toMatch(
      /^invalid reconcile answer: \(answer\): Unrecognized key: "orderId"/,
    );
    const usage = await giftflow(['reconcile', workflowId, '--created']);
    expect({ code: usage.code, stderr: usage.stderr.trim() }).toEqual({
      code: 2,
      stderr:
        'giftflow: --created needs --order-id <the order ID the provider shows>, or for a CP Extender redemption --auth-code <the AuthCode of its hold>',
    });

    expect(await env.stack.giftflow.reconcileOrder(workflowId, { outcome: 'not-created' })).toMatchObject({
      accepted: 'not-created',
    });
    const result = await handle.result();
    const orders = await paywayOrdersFor(env.sandbox, orderRef);
    expect(orders).toHaveLength(1);
    expect(result).toMatchObject({ orderId: orders[0].order_id, reconciled: false });
    expect(await createsSince(requestsBefore)).toEqual(['reset', '201']);
    expect((await env.stack.giftflow.getOrderStatus(workflowId)).attempts).toEqual({ createGiftOrder: 2 });
    await expect(env.stack.giftflow.reconcileOrder(workflowId, { outcome: 'not-created' })).rejects.toThrow(
      /completed/,
    );
  });

  it('sends again when the token endpoint fails, because the create never left', async () => {
    const orderRef = uniqueRef('pw-token-down');
    const requestsBefore = (await env.sandbox.requests()).length;
    await env.sandbox.advanceClock(3601 * 1000);
    await env.sandbox.fault({ method: 'POST', path: `${PAYWAY_PATHS.token}$`, kind: 'status', status: 503 });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'payway', orderRef, input: paywayOrder() });
    await handle.result();

    expect(await paywayOrdersFor(env.sandbox, orderRef)).toHaveLength(1);
    expect(await createsSince(requestsBefore)).toEqual(['401', '201']);
  });

  it('fails without retrying when Payway refuses the payment method, and names the limit', async () => {
    const orderRef = uniqueRef('pw-card');
    const requestsBefore = (await env.sandbox.requests()).length;
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'payway',
      orderRef,
      input: paywayOrder({ period_id: paywaySeed.campaigns.digital.periods.card }),
    });
    const failure = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure.cause as Error & { type?: string }).type).toBe('ProviderRejected');
    expect(failure.cause?.message).toMatch(
      /^payway step 'createGiftOrder' \(POST \/external\/api\/v3\/accounts\/create_gift_order\) rejected the request \(HTTP 422\): .*paid by card\. Payway creates gift orders only with the payment methods invoice and free/,
    );
    expect(await createsSince(requestsBefore)).toEqual(['422']);
    expect((await env.stack.giftflow.getOrderStatus(handle.workflowId)).state).toBe('failed');
  });

  it('cancels an order waiting for reconciliation and says the create may have landed', async () => {
    const orderRef = uniqueRef('pw-cancel');
    const { workflowId, merchantReference } = paywayIdsFor(orderRef);
    await env.sandbox.fault({ method: 'POST', path: `${PAYWAY_PATHS.createGiftOrder}$`, kind: 'status', status: 502 });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'payway', orderRef, input: paywayOrder() });
    await parked(workflowId);
    await env.stack.giftflow.cancelOrder(workflowId);

    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    const status = await env.stack.giftflow.getOrderStatus(workflowId);
    expect(status).toMatchObject({ state: 'cancelled', workflowStatus: 'CANCELLED' });
    expect(status.lastError).toContain(`merchant_reference ${merchantReference} may have landed at Payway`);
  });

  it('refuses bad input with field-level errors and starts nothing', async () => {
    const orderRef = uniqueRef('pw-bad');
    const input = paywayOrder({
      giver_account_id: undefined,
      period_id: 'monthly',
      merchant_reference: 'mine',
    } as never);
    const error = (await env.stack.giftflow
      .startGiftOrder({ provider: 'payway', orderRef, input })
      .catch((e: unknown) => e)) as GiftOrderInputError;
    expect(error).toBeInstanceOf(GiftOrderInputError);
    expect(error.issues.map((issue) => issue.field)).toEqual(
      expect.arrayContaining(['input.giver_account_id', 'input.period_id', 'input.merchant_reference']),
    );
    await expect(env.stack.temporal.workflow.getHandle(paywayIdsFor(orderRef).workflowId).describe()).rejects.toThrow(
      /not found/i,
    );
  });
});
