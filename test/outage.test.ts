/**
 * A provider down for longer than a step's retry budget (15 minutes in production, 4 s here
 * through a test-only interceptor): before the point of no return the order fails and says
 * what is left at the provider; past it, the order parks. `giftflow retry` finishes both,
 * with one order at the provider.
 */
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { flexyboxIdsFor, flexyboxLedgerFor, flexyboxOrder } from './support/flexybox';
import { InProcessStack, TestSandbox, uniqueRef, waitFor } from './support/stack';

let sandbox: TestSandbox;
let stack: InProcessStack;
beforeAll(async () => {
  sandbox = await TestSandbox.start();
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    workflowInterceptorModules: [path.join(__dirname, 'fixtures', 'short-retry-budget.ts')],
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
  });
  stack = await InProcessStack.start(sandbox, workflowBundle);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await sandbox?.close();
});
afterEach(() => sandbox.clearFaults());

describe('a provider outage longer than the retry budget', () => {
  it('past the point of no return: the order parks instead of failing, and completes once retried', async () => {
    const orderRef = uniqueRef('outage-commit');
    const { salesOrderId } = flexyboxIdsFor(orderRef);
    await sandbox.fault({ method: 'POST', path: `${salesOrderId}/commit$`, kind: 'status', status: 503, times: 0 });
    const handle = await stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    const parked = await waitFor('the order to park', async () => {
      const status = await stack.giftflow.getOrderStatus(handle.workflowId);
      return status.state === 'needs-attention' && status;
    });
    expect(parked.step).toBe('commitSalesOrder');
    expect(parked.lastError).toContain("step 'commitSalesOrder' stopped after its retry budget ran out: ");
    expect(parked.workflowStatus).toBe('RUNNING');
    expect(parked.lastError).toContain(
      `What may exist at the provider: sales order ${salesOrderId} committed and paid`,
    );

    await sandbox.clearFaults();
    expect(await stack.giftflow.retryOrder(handle.workflowId, { reason: 'Flexybox is back' })).toMatchObject({
      action: 'retried-parked-step',
    });
    expect(await handle.result()).toMatchObject({ salesOrderId, total: 500 });
    expect((await flexyboxLedgerFor(sandbox, orderRef)).payments).toHaveLength(1);
  });

  it('before it: the order fails saying what is left at Flexybox; retry re-runs it to one order', async () => {
    const orderRef = uniqueRef('outage-salesorder');
    const { customerId } = flexyboxIdsFor(orderRef);
    await sandbox.fault({ method: 'PUT', path: '/salesorders$', kind: 'status', status: 503, times: 0 });
    const handle = await stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    const failure = await handle.result().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause?.message).toContain(
      `Nothing was paid or issued; left at the provider: CRM customer ${customerId}.`,
    );

    await sandbox.clearFaults();
    const outcome = await stack.giftflow.retryOrder(handle.workflowId);
    expect(outcome).toMatchObject({ action: 'reran' });
    await stack.temporal.workflow.getHandle(handle.workflowId, outcome.runId).result();
    const ledger = await flexyboxLedgerFor(sandbox, orderRef);
    expect(ledger.customers).toHaveLength(1);
    expect(ledger.salesOrders).toHaveLength(1);
    expect(ledger.payments).toHaveLength(1);
  });
});
