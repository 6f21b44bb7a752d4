/**
 * A worker process SIGKILLed mid-order on the cluster (temporal-server + PostgreSQL): the
 * server's timeouts, not the dev server's, bring the order to a new worker process.
 */
import { flexyboxIdsFor, flexyboxLedgerFor, flexyboxOrder } from '../support/flexybox';
import { uniqueRef, useCrashStack, waitFor } from '../support/stack';

const env = useCrashStack('giftflow-flexybox');

it('a Flexybox order finishes with one sales order and one payment after its worker is SIGKILLed at the commit', async () => {
  const orderRef = uniqueRef('cluster-crash');
  const ids = flexyboxIdsFor(orderRef);
  // The sandbox holds the commit for 4 s and then performs it: the first worker dies meanwhile.
  await env.sandbox.fault({ method: 'POST', path: `${ids.salesOrderId}/commit$`, kind: 'delay', delayMs: 4_000 });
  const first = await env.startWorker();
  const handle = await env.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
  // The commit follows the sales order at once. The sandbox's ledger says when, whether the step
  // runs as an activity or a local activity (whose progress a status query sees only afterwards).
  await waitFor(
    'the sales order to exist',
    async () => (await flexyboxLedgerFor(env.sandbox, orderRef)).salesOrders.length === 1,
  );
  await first.kill();
  expect(first.child.signalCode).toBe('SIGKILL');
  expect((await handle.describe()).status.name).toBe('RUNNING');

  await env.startWorker();
  const result = await handle.result();

  expect(result).toMatchObject({ salesOrderId: ids.salesOrderId, externalPaymentId: ids.externalPaymentId });
  const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
  expect(ledger.customers).toHaveLength(1);
  expect(ledger.salesOrders).toEqual([expect.objectContaining({ id: ids.salesOrderId, state: 'Committed' })]);
  expect(ledger.payments).toEqual([expect.objectContaining({ id: ids.externalPaymentId })]);
}, 120_000);
