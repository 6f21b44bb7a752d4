import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { closeHttpPools } from '../activities/http';
import { createDataConverter } from '../security/codec-keys';
import { flexyboxIdsFor, flexyboxLedgerFor, flexyboxOrder } from './support/flexybox';
import { temporalAddress, uniqueRef, useCrashStack, waitFor } from './support/stack';

const env = useCrashStack('giftflow-flexybox');

describe('Flexybox order survives a worker crash', () => {
  it('finishes with one payment after the worker is SIGKILLed while the commit is in flight', async () => {
    const orderRef = uniqueRef('crash-commit');
    const ids = flexyboxIdsFor(orderRef);
    // The sandbox holds the commit for 4 s and then performs it: the first worker dies meanwhile.
    await env.sandbox.fault({ method: 'POST', path: `${ids.salesOrderId}/commit$`, kind: 'delay', delayMs: 4_000 });
    const first = await env.startWorker();
    const handle = await env.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    await waitFor('the sales order to exist', async () => (await flexyboxLedgerFor(env.sandbox, orderRef)).salesOrders.length === 1);
    await waitFor('the commit to be in flight', async () => (await env.giftflow.getOrderStatus(handle.workflowId)).step === 'commitSalesOrder');
    await first.kill();

    await env.startWorker();
    const result = await handle.result();

    expect(result).toMatchObject({ salesOrderId: ids.salesOrderId, externalPaymentId: ids.externalPaymentId });
    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.customers).toHaveLength(1);
    expect(ledger.salesOrders).toEqual([expect.objectContaining({ id: ids.salesOrderId, state: 'Committed' })]);
    expect(ledger.payments).toEqual([expect.objectContaining({ id: ids.externalPaymentId })]);
    const commits = (await env.sandbox.requests()).filter((r) => r.path.endsWith(`${ids.salesOrderId}/commit`));
    expect(commits.length).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('finishes with one customer and one sales order after the worker is SIGKILLed right after the customer upsert', async () => {
    const orderRef = uniqueRef('crash-customer');
    const ids = flexyboxIdsFor(orderRef);
    await env.sandbox.fault({ method: 'PUT', path: '/flexybox/pos/api/v1/salesorders$', kind: 'delay', delayMs: 4_000 });
    const first = await env.startWorker();
    const handle = await env.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    await waitFor('the customer to exist', async () => (await flexyboxLedgerFor(env.sandbox, orderRef)).customers.length === 1);
    // Kill once Temporal has recorded the upsert (the sales order is being held), not merely once it landed.
    await waitFor('the sales order to be in flight', async () => (await env.giftflow.getOrderStatus(handle.workflowId)).step === 'createSalesOrder');
    await first.kill();

    await env.startWorker();
    const result = await handle.result();

    expect(result.customerId).toBe(ids.customerId);
    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.customers).toEqual([expect.objectContaining({ id: ids.customerId, upserts: 1 })]);
    expect(ledger.salesOrders).toHaveLength(1);
    expect(ledger.payments).toHaveLength(1);
  }, 120_000);

  it('ends cancelled without a commit when the cancellation arrives in the same workflow task as the sales order', async () => {
    const orderRef = uniqueRef('crash-cancel-race');
    const ids = flexyboxIdsFor(orderRef);
    await env.sandbox.fault({ method: 'PUT', path: '/flexybox/pos/api/v1/salesorders$', kind: 'delay', delayMs: 3_000 });
    const first = await env.startWorker();
    const handle = await env.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    await waitFor('the sales order to be in flight', async () => (await env.giftflow.getOrderStatus(handle.workflowId)).step === 'createSalesOrder');
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
        const scheduled = events.find((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'createFlexyboxSalesOrder');
        return scheduled && events.some((event) => String(event.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled.eventId));
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
    expect(await env.giftflow.retryOrder(handle.workflowId, { reason: 'FLEXYBOX_TOKEN rotated' })).toMatchObject({ action: 'retried-parked-step' });
    await handle.result();
    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.customers).toHaveLength(1);
    expect(ledger.payments).toHaveLength(1);
  }, 120_000);
});
