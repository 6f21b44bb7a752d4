/** Flexybox test data and ledger look-ups shared by the Flexybox test files. */
import type { FlexyboxOrderInput } from '../../contracts/flexybox';
import { FLEXYBOX_ID_STEPS } from '../../contracts/flexybox';
import { orderWorkflowId } from '../../contracts/shared';
import { flexyboxSeed } from '../../sandbox/flexybox';
import { deriveProviderId } from '../../workflows/ids';
import type { TestSandbox } from './stack';

export function flexyboxOrder(overrides: Partial<FlexyboxOrderInput> = {}): FlexyboxOrderInput {
  return {
    customer: { fullName: 'Karen Jensen', email: 'karen.jensen@example.com' },
    departmentId: flexyboxSeed.departments.hotelNordlys.Id,
    certificates: [{ type: 'Gavekort', quantity: 2, price: 250 }],
    ...overrides,
  };
}

/** The IDs the workflow for `orderRef` derives, computed independently of any run. */
export function flexyboxIdsFor(orderRef: string) {
  const workflowId = orderWorkflowId('flexybox', orderRef);
  return {
    workflowId,
    customerId: deriveProviderId(workflowId, FLEXYBOX_ID_STEPS.customerId),
    salesOrderId: deriveProviderId(workflowId, FLEXYBOX_ID_STEPS.salesOrderId),
    externalPaymentId: deriveProviderId(workflowId, FLEXYBOX_ID_STEPS.externalPaymentId),
  };
}

/** What the sandbox holds for one order: its customers, sales orders and payments. */
export async function flexyboxLedgerFor(sandbox: TestSandbox, orderRef: string) {
  const ids = flexyboxIdsFor(orderRef);
  const { flexybox } = await sandbox.ledger();
  return {
    customers: flexybox.customers.filter((c: { id: string }) => c.id === ids.customerId),
    salesOrders: flexybox.salesOrders.filter((o: { customerId: string }) => o.customerId === ids.customerId),
    payments: flexybox.payments.filter((p: { salesOrderId: string }) => p.salesOrderId === ids.salesOrderId),
  };
}
