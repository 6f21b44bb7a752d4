/**
 * giftflow on a production-shaped Temporal: temporal-server at the compose file's version on
 * PostgreSQL with SQL visibility, set up only by the compose file's jobs (scripts/cluster/).
 * Run with scripts/test-cluster.sh (GIFTFLOW_TEST_SERVER=cluster); the default run skips it.
 */
import { randomUUID } from 'node:crypto';
import { readCompose } from '../../scripts/cluster/compose';
import { serverVersion } from '../../scripts/cluster/cluster';
import { PAYWAY_PATHS } from '../../contracts/payway';
import { cardsForSale, cpExtenderIdsFor, cpExtenderIssue } from '../support/cpextender';
import { flexyboxIdsFor, flexyboxLedgerFor, flexyboxOrder } from '../support/flexybox';
import { paywayOrder, paywayOrdersFor } from '../support/payway';
import { smartGiftLedgerFor, smartGiftOrder } from '../support/smartgift';
import { uniqueRef, useInProcessStack, waitFor } from '../support/stack';

const env = useInProcessStack();
afterEach(async () => {
  await env.sandbox.clearFaults();
});

async function orderState(workflowId: string, state: string) {
  return waitFor(`order ${workflowId} in ${state}`, async () => {
    const status = await env.stack.giftflow.getOrderStatus(workflowId).catch(() => undefined);
    return status?.state === state && status;
  });
}

describe('the cluster under test', () => {
  it('is temporal-server at the version docker-compose.temporal.yml pins, not the CLI dev server', async () => {
    const { serverVersion: running } = await env.stack.temporal.workflowService.getSystemInfo({});
    expect(running).toBe(serverVersion(readCompose().compose));
  });
});

describe('one order per provider', () => {
  it('Flexybox: places and commits the sales order, and SQL visibility finds it by provider and state', async () => {
    const orderRef = uniqueRef('cluster-fx');
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    const result = await handle.result();

    const ids = flexyboxIdsFor(orderRef);
    expect(result).toMatchObject({ salesOrderId: ids.salesOrderId, externalPaymentId: ids.externalPaymentId });
    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.salesOrders).toEqual([expect.objectContaining({ id: ids.salesOrderId, state: 'Committed' })]);
    expect(ledger.payments).toHaveLength(1);
    // Visibility on PostgreSQL is written asynchronously by the history service.
    const listed = await waitFor('the order in SQL visibility', async () => {
      const orders = await env.stack.giftflow.listOrders({ provider: 'flexybox', state: 'completed', limit: 1000 });
      return orders.find((order) => order.orderRef === orderRef);
    });
    expect(listed).toMatchObject({ workflowId: ids.workflowId, provider: 'flexybox', state: 'completed' });
  });

  it('Payway: creates one gift order', async () => {
    const orderRef = uniqueRef('cluster-pw');
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'payway', orderRef, input: paywayOrder() });
    const result = await handle.result();

    const placed = await paywayOrdersFor(env.sandbox, orderRef);
    expect(placed).toHaveLength(1);
    expect(result).toMatchObject({ orderId: placed[0].order_id, paymentId: placed[0].payment_id });
  });

  it('Smart Gift: places one voucher order', async () => {
    const orderRef = uniqueRef('cluster-sg');
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'smartgift',
      orderRef,
      input: smartGiftOrder(),
    });
    const result = await handle.result();

    expect((await smartGiftLedgerFor(env.sandbox, result.orderId)).orders).toHaveLength(1);
  });

  it('CP Extender: issues one card with its balance', async () => {
    const orderRef = uniqueRef('cluster-cpx');
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'cpextender',
      orderRef,
      input: cpExtenderIssue(),
    });
    const result = await handle.result();

    expect(result).toMatchObject({ saleId: cpExtenderIdsFor(orderRef).saleId, balance: 100 });
    expect(await cardsForSale(env.sandbox, cpExtenderIdsFor(orderRef).saleId)).toEqual([
      expect.objectContaining({ id: result.giftCardId }),
    ]);
  });
});

describe('operators on the cluster', () => {
  it('reconcile: a Payway create whose answer was lost parks the order; the answer completes it with the one order placed', async () => {
    const orderRef = uniqueRef('cluster-reconcile');
    await env.sandbox.fault({ method: 'POST', path: `${PAYWAY_PATHS.createGiftOrder}$`, kind: 'drop-response' });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'payway', orderRef, input: paywayOrder() });
    await orderState(handle.workflowId, 'needs-reconciliation');
    const parked = await waitFor('the parked order in SQL visibility', async () => {
      const orders = await env.stack.giftflow.listOrders({
        provider: 'payway',
        state: 'needs-reconciliation',
        limit: 1000,
      });
      return orders.find((order) => order.workflowId === handle.workflowId);
    });
    expect(parked.state).toBe('needs-reconciliation');

    const [placed] = await paywayOrdersFor(env.sandbox, orderRef);
    await env.stack.giftflow.reconcileOrder(handle.workflowId, { outcome: 'created', orderId: placed.order_id });
    expect(await handle.result()).toMatchObject({ orderId: placed.order_id, reconciled: true });
    expect(await paywayOrdersFor(env.sandbox, orderRef)).toHaveLength(1);
  });

  it('reset: a completed Flexybox order reset to its first workflow task completes again with the same IDs and no second sales order', async () => {
    const orderRef = uniqueRef('cluster-reset');
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    const first = await handle.result();
    const before = await flexyboxLedgerFor(env.sandbox, orderRef);

    const { runId } = await handle.describe();
    const { events } = await handle.fetchHistory();
    const firstTask = (events ?? []).find((event) => event.workflowTaskCompletedEventAttributes)!;
    const { runId: newRunId } = await env.stack.temporal.workflowService.resetWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: handle.workflowId, runId },
      workflowTaskFinishEventId: firstTask.eventId,
      requestId: randomUUID(),
      reason: 'cluster test: reset to the first workflow task',
    });
    const again = await env.stack.temporal.workflow
      .getHandle(handle.workflowId, newRunId ?? undefined, { followRuns: false })
      .result();

    expect(newRunId).not.toBe(runId);
    expect(again).toMatchObject({
      customerId: first.customerId,
      salesOrderId: first.salesOrderId,
      externalPaymentId: first.externalPaymentId,
    });
    const after = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(after.salesOrders).toEqual(before.salesOrders);
    expect(after.payments).toEqual(before.payments);
  });
});
