/**
 * Operators act: resets of any order, `giftflow retry` in every state, parking past the point
 * of no return. Each test asserts the sandbox ledger: no operator action places a second order.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { createCpExtenderActivities } from '../activities/cpextender';
import { confirmRedemptionUpdate } from '../contracts/cpextender';
import { PAYWAY_PATHS } from '../contracts/payway';
import { reconcileUpdate } from '../contracts/shared';
import { cardsForSale, cpExtenderIdsFor, cpExtenderIssue, cpExtenderLedger, issueTestCard } from './support/cpextender';
import { flexyboxIdsFor, flexyboxLedgerFor, flexyboxOrder } from './support/flexybox';
import { paywayOrder, paywayOrdersFor } from './support/payway';
import { smartGiftLedgerFor, smartGiftOrder } from './support/smartgift';
import { temporalAddress, uniqueRef, useInProcessStack, waitFor } from './support/stack';

const CLI = path.resolve(__dirname, '..', 'bin', 'giftflow.js');
const env = useInProcessStack();
afterEach(async () => {
  await env.sandbox.clearFaults();
  await env.sandbox.setBehaviour({});
});

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

/** Resets the order's current run to its first or last workflow task, as the Web UI's Reset button does; returns the new run's ID. */
async function reset(workflowId: string, to: 'first' | 'last'): Promise<string> {
  const handle = env.stack.temporal.workflow.getHandle(workflowId);
  const { runId } = await handle.describe();
  const { events } = await handle.fetchHistory();
  const completedTasks = (events ?? []).filter((event) => event.workflowTaskCompletedEventAttributes);
  const point = to === 'first' ? completedTasks[0] : completedTasks.at(-1)!;
  const { runId: newRunId } = await env.stack.temporal.workflowService.resetWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId, runId },
    workflowTaskFinishEventId: point.eventId,
    requestId: randomUUID(),
    reason: `test: reset to ${to} workflow task`,
  });
  return newRunId;
}

function resultOfRun<T>(workflowId: string, runId: string): Promise<T> {
  return env.stack.temporal.workflow.getHandle(workflowId, runId, { followRuns: false }).result() as Promise<T>;
}

async function orderState(workflowId: string, state: string) {
  return waitFor(`order ${workflowId} in ${state}`, async () => {
    const status = await env.stack.giftflow.getOrderStatus(workflowId).catch(() => undefined);
    return status?.state === state && status;
  });
}

function inputFile(content: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'giftflow-retry-')), 'fixed.json');
  fs.writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('reset of a completed order', () => {
  it('Flexybox: completes again with the same IDs and no second sales order or payment', async () => {
    const orderRef = uniqueRef('reset-fx');
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    const first = await handle.result();
    const before = await flexyboxLedgerFor(env.sandbox, orderRef);

    const again = await resultOfRun(handle.workflowId, await reset(handle.workflowId, 'first'));
    expect(again).toMatchObject({
      customerId: first.customerId,
      salesOrderId: first.salesOrderId,
      externalPaymentId: first.externalPaymentId,
      total: first.total,
    });
    const after = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(after.salesOrders).toEqual(before.salesOrders);
    expect(after.payments).toEqual(before.payments);
    expect(after.customers).toHaveLength(1);
  });

  it('Payway: finds the gift order the earlier run placed instead of sending create_gift_order again', async () => {
    const orderRef = uniqueRef('reset-pw');
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'payway', orderRef, input: paywayOrder() });
    const first = await handle.result();

    const again = await resultOfRun<typeof first>(handle.workflowId, await reset(handle.workflowId, 'first'));
    expect(again).toMatchObject({
      merchantReference: first.merchantReference,
      orderId: first.orderId,
      paymentId: first.paymentId,
    });
    expect(await paywayOrdersFor(env.sandbox, orderRef)).toHaveLength(1);
  });

  it('Smart Gift: answers with the voucher order the earlier run placed (no second order)', async () => {
    const orderRef = uniqueRef('reset-sg');
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'smartgift',
      orderRef,
      input: smartGiftOrder(),
    });
    const first = await handle.result();

    const again = await resultOfRun<typeof first>(handle.workflowId, await reset(handle.workflowId, 'first'));
    expect(again).toEqual(first);
    expect((await smartGiftLedgerFor(env.sandbox, first.orderId)).orders).toHaveLength(1);
  });

  it('CP Extender: keeps the card the earlier run issued (no second card)', async () => {
    const orderRef = uniqueRef('reset-cpx');
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'cpextender',
      orderRef,
      input: cpExtenderIssue(),
    });
    const first = await handle.result();

    const again = await resultOfRun<typeof first>(handle.workflowId, await reset(handle.workflowId, 'first'));
    expect(again).toMatchObject({ giftCardId: first.giftCardId, saleId: first.saleId, balance: 100 });
    expect(await cardsForSale(env.sandbox, cpExtenderIdsFor(orderRef).saleId)).toHaveLength(1);
  });
});

describe('reset of a redemption', () => {
  const authorizationsFor = async (saleId: string) =>
    (await cpExtenderLedger(env.sandbox)).authorizations.filter((a) => a.saleId === saleId);

  it('completed: completes again with the same AuthCode and no second hold', async () => {
    const giftCardId = await issueTestCard(createCpExtenderActivities(env.sandbox.config()));
    const handle = await env.stack.giftflow.cpextender.redeem({
      redemptionRef: uniqueRef('reset-redeem'),
      input: { giftCardId, amount: 40, autoConfirm: true },
    });
    const first = await handle.result();

    const again = await resultOfRun<typeof first>(handle.workflowId, await reset(handle.workflowId, 'first'));
    expect(again).toMatchObject({ authCode: first.authCode, outcome: 'confirmed', balance: 60 });
    expect(await authorizationsFor(first.saleId)).toHaveLength(1);
  });

  it('holding: the new run takes over the hold and confirms it once', async () => {
    const giftCardId = await issueTestCard(createCpExtenderActivities(env.sandbox.config()));
    const handle = await env.stack.giftflow.cpextender.redeem({
      redemptionRef: uniqueRef('reset-hold'),
      input: { giftCardId, amount: 25 },
    });
    const holding = await waitFor('the hold', async () => {
      const status = await env.stack.giftflow.getOrderStatus(handle.workflowId);
      return status.step === 'awaitingDecision' && status;
    });

    const newRunId = await reset(handle.workflowId, 'first');
    await waitFor(
      'the new run to hold',
      async () => (await env.stack.giftflow.getOrderStatus(handle.workflowId)).step === 'awaitingDecision',
    );
    const confirmed = await env.stack.temporal.workflow
      .getHandle(handle.workflowId, newRunId)
      .executeUpdate(confirmRedemptionUpdate);
    expect(confirmed).toMatchObject({ authCode: holding.providerIds.authCode, outcome: 'confirmed', balance: 75 });
    expect(await authorizationsFor(String(holding.providerIds.saleId))).toHaveLength(1);
  });
});

describe('reset of a running order', () => {
  it('Payway: a create of unknown outcome in the earlier run parks the new run for reconciliation instead of sending again', async () => {
    const orderRef = uniqueRef('reset-pw-unknown');
    await env.sandbox.fault({ method: 'POST', path: `${PAYWAY_PATHS.createGiftOrder}$`, kind: 'drop-response' });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'payway', orderRef, input: paywayOrder() });
    await orderState(handle.workflowId, 'needs-reconciliation');

    const newRunId = await reset(handle.workflowId, 'first');
    const parked = await orderState(handle.workflowId, 'needs-reconciliation');
    expect(parked.lastError).toContain('an earlier run of this order');
    const [placed] = await paywayOrdersFor(env.sandbox, orderRef);
    await env.stack.temporal.workflow
      .getHandle(handle.workflowId)
      .executeUpdate(reconcileUpdate, { args: [{ outcome: 'created', orderId: placed.order_id }] });
    expect(await resultOfRun(handle.workflowId, newRunId)).toMatchObject({
      orderId: placed.order_id,
      reconciled: true,
    });
    expect(await paywayOrdersFor(env.sandbox, orderRef)).toHaveLength(1);
  });
});

describe('giftflow retry', () => {
  it('re-runs a failed order with a corrected input; the ledger holds one order', async () => {
    const orderRef = uniqueRef('retry-failed');
    const wrong = flexyboxOrder({ departmentId: '00000000-0000-4000-8000-000000000000' });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: wrong });
    const failure = await handle.result().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause?.message).toMatch(
      /is not one of Flexybox's departments.*Nothing was paid or issued; nothing was created at the provider\./,
    );

    // The backend's own retry with the corrected input is told what to do instead.
    await expect(
      env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() }),
    ).rejects.toThrow(
      `that order is FAILED: an operator re-runs it with the corrected input by 'giftflow retry ${handle.workflowId} --input <fixed.json>'`,
    );
    const retried = await giftflow([
      'retry',
      handle.workflowId,
      '--reason',
      'department fixed',
      '--input',
      inputFile(flexyboxOrder()),
    ]);
    expect(retried.stderr).toBe('');
    const outcome = JSON.parse(retried.stdout);
    expect(outcome).toMatchObject({ workflowId: handle.workflowId, action: 'reran' });
    const result = await resultOfRun<{ salesOrderId: string }>(handle.workflowId, outcome.runId);
    expect(result.salesOrderId).toBe(flexyboxIdsFor(orderRef).salesOrderId);
    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.salesOrders).toHaveLength(1);
    expect(ledger.payments).toHaveLength(1);
  });

  it('parks an order whose token is refused at the commit, and completes it after the token is fixed and the order retried', async () => {
    const orderRef = uniqueRef('retry-token');
    const { salesOrderId } = flexyboxIdsFor(orderRef);
    await env.sandbox.fault({ method: 'POST', path: `${salesOrderId}/commit$`, kind: 'status', status: 401, times: 0 });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    const parked = await orderState(handle.workflowId, 'needs-attention');
    expect(parked.step).toBe('commitSalesOrder');
    expect(parked.lastError).toContain('check FLEXYBOX_TOKEN');
    expect(parked.lastError).toContain(`giftflow retry ${handle.workflowId}`);
    const readable = (await giftflow(['status', handle.workflowId])).stdout;
    expect(readable).toContain(`${handle.workflowId}: needs-attention (Temporal: RUNNING)`);
    expect(readable).toContain("point of no return passed at 'commitSalesOrder': sales order");
    const listed = await giftflow(['list', '--state', 'needs-attention', '--json']);
    expect(JSON.parse(listed.stdout).map((order: { workflowId: string }) => order.workflowId)).toContain(
      handle.workflowId,
    );

    await env.sandbox.clearFaults();
    const retried = await giftflow(['retry', handle.workflowId, '--reason', 'FLEXYBOX_TOKEN rotated']);
    expect(JSON.parse(retried.stdout)).toMatchObject({ action: 'retried-parked-step' });
    await handle.result();
    expect((await flexyboxLedgerFor(env.sandbox, orderRef)).payments).toHaveLength(1);
  });

  it('parks a card order whose check fails past Create instead of failing it; retry completes it with one card', async () => {
    const orderRef = uniqueRef('retry-past-ponr');
    await env.sandbox.fault({ method: 'GET', path: '/BalanceCheck$', kind: 'status', status: 404, times: 0 });
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'cpextender',
      orderRef,
      input: cpExtenderIssue(),
    });
    const parked = await orderState(handle.workflowId, 'needs-attention');
    expect(parked).toMatchObject({ step: 'verifyBalance', pointOfNoReturn: { step: 'createGiftCard' } });
    expect(parked.lastError).toContain('What may exist at the provider: gift card');

    await env.sandbox.clearFaults();
    expect(JSON.parse((await giftflow(['retry', handle.workflowId])).stdout)).toMatchObject({
      action: 'retried-parked-step',
    });
    expect(await handle.result()).toMatchObject({ balance: 100 });
    expect(await cardsForSale(env.sandbox, cpExtenderIdsFor(orderRef).saleId)).toHaveLength(1);
  });

  it('runs a step waiting out a long backoff now', async () => {
    const orderRef = uniqueRef('retry-backoff');
    // Twice: the local first attempt takes one 429 and hands the step to a regular activity, whose
    // first attempt takes the other and then waits out Retry-After as a visible backoff.
    await env.sandbox.fault({
      method: 'PUT',
      path: `/customers/${flexyboxIdsFor(orderRef).customerId}$`,
      kind: 'status',
      status: 429,
      retryAfter: 600,
      times: 2,
    });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    const retrying = await waitFor(
      'the customer upsert to wait for its second attempt',
      async () => (await env.stack.giftflow.getOrderStatus(handle.workflowId)).retrying,
    );
    // The reason reads decrypted, as `giftflow status` shows it.
    expect(retrying.lastFailure).toMatch(/429/);

    const retried = await giftflow(['retry', handle.workflowId]);
    expect(JSON.parse(retried.stdout)).toMatchObject({ action: 'hurried-backoff' });
    await handle.result();
    expect((await flexyboxLedgerFor(env.sandbox, orderRef)).customers).toHaveLength(1);
  });

  it('refuses a completed order with a one-line reason and a non-zero exit', async () => {
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'flexybox',
      orderRef: uniqueRef('retry-done'),
      input: flexyboxOrder(),
    });
    await handle.result();
    const refused = await giftflow(['retry', handle.workflowId]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`giftflow: order ${handle.workflowId} is completed; there is nothing to retry\n`);
  });
});

describe('provider behaviour the docs leave open, read pessimistically', () => {
  it('CP Extender Create answering "Not Reserved" for a card that exists: the lost Create is recognised, no second card', async () => {
    await env.sandbox.setBehaviour({ cpextenderNotReservedFirst: true });
    const orderRef = uniqueRef('pess-notreserved');
    await env.sandbox.fault({ method: 'POST', path: '/cpextender/Giftcard/Create$', kind: 'drop-response' });
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'cpextender',
      orderRef,
      input: cpExtenderIssue(),
    });
    expect(await handle.result()).toMatchObject({ balance: 100 });
    expect(await cardsForSale(env.sandbox, cpExtenderIdsFor(orderRef).saleId)).toHaveLength(1);
  });

  it('CP Extender History without Documents: a lost Create parks the order for an operator instead of guessing', async () => {
    await env.sandbox.setBehaviour({ cpextenderHistoryDocumentNull: true, cpextenderNotReservedFirst: true });
    const orderRef = uniqueRef('pess-nodocument');
    await env.sandbox.fault({ method: 'POST', path: '/cpextender/Giftcard/Create$', kind: 'drop-response' });
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'cpextender',
      orderRef,
      input: cpExtenderIssue(),
    });
    const parked = await orderState(handle.workflowId, 'needs-attention');
    expect(parked.lastError).toContain('cannot tell whether it is this order');
    expect(await cardsForSale(env.sandbox, cpExtenderIdsFor(orderRef).saleId)).toHaveLength(1);
    await handle.cancel();
  });

  it('Flexybox commit answering 204 without a body: one payment, even when the answer is lost and after a reset', async () => {
    await env.sandbox.setBehaviour({ flexyboxCommitNoContent: true });
    const orderRef = uniqueRef('pess-nobody');
    await env.sandbox.fault({
      method: 'POST',
      path: `${flexyboxIdsFor(orderRef).salesOrderId}/commit$`,
      kind: 'drop-response',
    });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    const first = await handle.result();
    expect(first).toMatchObject({
      salesOrderId: flexyboxIdsFor(orderRef).salesOrderId,
      total: 500,
      issuedCertificates: null,
    });

    const again = await resultOfRun(handle.workflowId, await reset(handle.workflowId, 'first'));
    expect(again).toMatchObject({
      salesOrderId: first.salesOrderId,
      externalPaymentId: first.externalPaymentId,
      total: 500,
    });
    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.salesOrders).toHaveLength(1);
    expect(ledger.payments).toHaveLength(1);
  });
});
