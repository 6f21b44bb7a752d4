import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { closeHttpPools } from '../activities/http';
import { todayPathClient } from '../scripts/bench/paths';
import { createDataConverter } from '../security/codec-keys';
import { flexyboxIdsFor, flexyboxLedgerFor, flexyboxOrder } from './support/flexybox';
import { faultHit, ranAs } from './support/local-first';
import { temporalAddress, uniqueRef, useCrashStack, waitFor } from './support/stack';

const env = useCrashStack('giftflow-flexybox');
/** The sandbox path of the sales order's create (PUT), which the tests below hold in flight. */
const createPath = '/flexybox/pos/api/v1/salesorders$';

/**
 * Starts a worker and an order, and returns once the sandbox holds the order's `method` call to
 * `path` for `delayMs` (then performs it): the call is in flight on the returned worker.
 */
async function startOrderWithCallHeld(orderRef: string, method: string, path: string, delayMs: number) {
  await env.sandbox.fault({ method, path, kind: 'delay', delayMs });
  const worker = await env.startWorker();
  const handle = await env.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
  await waitFor(`the ${method} ${path} call to be in flight`, () => faultHit(env.sandbox, path));
  return { worker, handle };
}

describe('Flexybox order survives a worker crash', () => {
  it('finishes with one payment, saying the cancellation came too late, after the worker is SIGKILLed while the commit is in flight and the order is cancelled meanwhile', async () => {
    const orderRef = uniqueRef('crash-commit');
    const ids = flexyboxIdsFor(orderRef);
    // The sandbox holds the commit for 3 s and then performs it: the first worker dies meanwhile.
    const commitPath = `${ids.salesOrderId}/commit$`;
    const { worker: first, handle } = await startOrderWithCallHeld(orderRef, 'POST', commitPath, 3_000);
    await first.kill();
    // The commit was scheduled before it was sent, so the next worker's task knows it went out
    // (had it been a local activity, its record would have died with the worker's task, and the
    // cancellation would have ended a paid order as "cancelled, nothing was paid").
    await handle.cancel();

    await env.startWorker();
    const result = await handle.result();

    expect(result).toMatchObject({ salesOrderId: ids.salesOrderId, externalPaymentId: ids.externalPaymentId });
    expect(result.cancellationIgnored).toContain('cancellation arrived after the sales order was committed and paid');
    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.customers).toHaveLength(1);
    expect(ledger.salesOrders).toEqual([expect.objectContaining({ id: ids.salesOrderId, state: 'Committed' })]);
    expect(ledger.payments).toEqual([expect.objectContaining({ id: ids.externalPaymentId })]);
    expect(await ranAs(handle, 'commitFlexyboxSalesOrder')).toEqual({ regular: 1, local: 0 });
  }, 120_000);

  it('finishes with one customer after the worker is SIGKILLed while the local customer upsert is in flight', async () => {
    const orderRef = uniqueRef('crash-local-upsert');
    const ids = flexyboxIdsFor(orderRef);
    // The sandbox performs the upsert, then holds its answer: the worker dies before it hears it.
    const upsertPath = `/customers/${ids.customerId}$`;
    await env.sandbox.fault({ method: 'PUT', path: upsertPath, kind: 'delay', delayMs: 3_000, delayPhase: 'after' });
    const first = await env.startWorker();
    const handle = await env.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    await waitFor(
      'the customer to exist',
      async () => (await flexyboxLedgerFor(env.sandbox, orderRef)).customers.length === 1,
    );
    await first.kill();

    await env.startWorker();
    await handle.result();

    // The upsert ran twice (the local activity again after the crash); Flexybox kept one customer.
    const upserts = (await env.sandbox.requests()).filter(
      (r) => r.method === 'PUT' && r.path.endsWith(`/customers/${ids.customerId}`),
    );
    expect(upserts.length).toBeGreaterThanOrEqual(2);
    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.customers).toEqual([expect.objectContaining({ id: ids.customerId })]);
    expect(ledger.salesOrders).toHaveLength(1);
    expect(ledger.payments).toHaveLength(1);
    expect(await ranAs(handle, 'upsertFlexyboxCustomer')).toEqual({ regular: 0, local: 1 });
  }, 120_000);

  it('continues a step as a regular activity once its local budget is spent, and never after a refusal', async () => {
    await env.startWorker();
    const slowRef = uniqueRef('local-budget');
    const slow = flexyboxIdsFor(slowRef);
    // Four 503s: more than the local activity's three attempts.
    await env.sandbox.fault({
      method: 'PUT',
      path: `/customers/${slow.customerId}$`,
      kind: 'status',
      status: 503,
      times: 4,
    });
    const handle = await env.giftflow.startGiftOrder({
      provider: 'flexybox',
      orderRef: slowRef,
      input: flexyboxOrder(),
    });
    await handle.result();
    expect(await ranAs(handle, 'upsertFlexyboxCustomer')).toEqual({ regular: 1, local: 1 });
    expect((await flexyboxLedgerFor(env.sandbox, slowRef)).customers).toHaveLength(1);

    const refusedRef = uniqueRef('local-refused');
    await env.sandbox.fault({
      method: 'PUT',
      path: `/customers/${flexyboxIdsFor(refusedRef).customerId}$`,
      kind: 'status',
      status: 400,
      times: 0,
    });
    const refused = await env.giftflow.startGiftOrder({
      provider: 'flexybox',
      orderRef: refusedRef,
      input: flexyboxOrder(),
    });
    const failure = await refused.result().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(await ranAs(refused, 'upsertFlexyboxCustomer')).toEqual({ regular: 0, local: 1 });
  }, 120_000);

  it('finishes with one customer and one sales order after the worker is SIGKILLed while the local sales order create is in flight', async () => {
    const orderRef = uniqueRef('crash-create');
    const ids = flexyboxIdsFor(orderRef);
    const { worker: first, handle } = await startOrderWithCallHeld(orderRef, 'PUT', createPath, 4_000);
    await first.kill();

    await env.startWorker();
    const result = await handle.result();

    expect(result.salesOrderId).toBe(ids.salesOrderId);
    // The next worker ran the workflow task again from its start: every call again, each deduplicated by its ID.
    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.customers).toEqual([expect.objectContaining({ id: ids.customerId })]);
    expect(ledger.salesOrders).toEqual([expect.objectContaining({ id: ids.salesOrderId, state: 'Committed' })]);
    expect(ledger.payments).toEqual([expect.objectContaining({ id: ids.externalPaymentId })]);
    expect(await ranAs(handle, 'createFlexyboxSalesOrder')).toEqual({ regular: 0, local: 1 });
  }, 120_000);

  it('ends cancelled with nothing paid, naming what the local calls may have created, after the worker is SIGKILLed in the local sales order create and the order is cancelled meanwhile', async () => {
    const orderRef = uniqueRef('crash-cancel-create');
    const ids = flexyboxIdsFor(orderRef);
    const { worker: first, handle } = await startOrderWithCallHeld(orderRef, 'PUT', createPath, 3_000);
    await first.kill();
    await handle.cancel();

    await env.startWorker();
    const failure = await handle.result().catch((error: unknown) => error);
    expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    // The killed task's calls are not on record, yet they reached Flexybox: the message says what may exist.
    const status = await env.giftflow.getOrderStatus(handle.workflowId);
    expect(status.lastError).toContain('nothing was paid');
    expect(status.lastError).toContain(`Local calls may have created: CRM customer ${ids.customerId}`);
    expect(status.lastError).toContain(`open (uncommitted, unpaid) sales order ${ids.salesOrderId}`);
    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.customers).toHaveLength(1);
    expect(ledger.payments).toHaveLength(0);
  }, 120_000);

  it('completes paid, saying the cancellation came too late, when it arrives while the first workflow task runs the local calls', async () => {
    const orderRef = uniqueRef('cancel-local');
    const ids = flexyboxIdsFor(orderRef);
    // Shorter than 80 % of the 2 s workflow-task timeout, so the task is not extended meanwhile.
    const { handle } = await startOrderWithCallHeld(orderRef, 'PUT', createPath, 1_000);
    await handle.cancel();

    // The workflow sees the cancellation only after the task that scheduled the commit: by then it is paid.
    const result = await handle.result();
    expect(result.cancellationIgnored).toContain('cancellation arrived after the sales order was committed and paid');
    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.payments).toEqual([expect.objectContaining({ id: ids.externalPaymentId })]);
  }, 120_000);

  it('ends cancelled without a commit when the cancellation arrives in the same workflow task as the sales order (regular activities)', async () => {
    const orderRef = uniqueRef('crash-cancel-race');
    const ids = flexyboxIdsFor(orderRef);
    await env.sandbox.fault({
      method: 'PUT',
      path: createPath,
      kind: 'delay',
      delayMs: 3_000,
    });
    const first = await env.startWorker();
    // Only an order on regular activities (started before the fast path, or by memo) has its
    // sales order completed in a workflow task of its own, which a cancellation can join.
    const regular = todayPathClient({
      connection: env.giftflow.temporal.connection,
      dataConverter: await createDataConverter(),
    });
    const handle = await regular.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    await waitFor(
      'the sales order to be in flight',
      async () => (await env.giftflow.getOrderStatus(handle.workflowId)).step === 'createSalesOrder',
    );
    await first.kill();

    // Only activities run now: the sales order's retry completes while no worker runs the
    // workflow, and the cancellation joins that completion in the next workflow task.
    const connection = await NativeConnection.connect({ address: temporalAddress() });
    const activitiesOnly = await Worker.create({
      connection,
      taskQueue: 'giftflow-flexybox',
      activities: createActivities(env.sandbox.config()),
      dataConverter: await createDataConverter(),
    });
    const running = activitiesOnly.run();
    await waitFor(
      'the sales order to complete',
      async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        const scheduled = events.find(
          (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'createFlexyboxSalesOrder',
        );
        return (
          scheduled &&
          events.some(
            (event) =>
              String(event.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled.eventId),
          )
        );
      },
      60_000,
    );
    activitiesOnly.shutdown();
    await running;
    await connection.close();
    await closeHttpPools();
    await handle.cancel();

    await env.startWorker();
    const failure = await handle.result().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.salesOrders).toEqual([expect.objectContaining({ id: ids.salesOrderId, state: 'Open' })]);
    expect(ledger.payments).toHaveLength(0);
  }, 120_000);

  it('parks every order when the provider refuses the token, and completes them once the worker has the new one and they are retried', async () => {
    const orderRef = uniqueRef('crash-token');
    const stale = await env.startWorker({ FLEXYBOX_TOKEN: 'rotated-away-token' });
    const handle = await env.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    const parked = await waitFor('the order to park', async () => {
      const status = await env.giftflow.getOrderStatus(handle.workflowId);
      return status.state === 'needs-attention' && status;
    });
    expect(parked.lastError).toContain('refused our credentials (HTTP 401); check FLEXYBOX_TOKEN');
    await stale.kill();

    await env.startWorker();
    expect(await env.giftflow.retryOrder(handle.workflowId, { reason: 'FLEXYBOX_TOKEN rotated' })).toMatchObject({
      action: 'retried-parked-step',
    });
    await handle.result();
    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.customers).toHaveLength(1);
    expect(ledger.payments).toHaveLength(1);
  }, 120_000);
});
