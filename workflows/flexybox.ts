/**
 * Flexybox gift-certificate order, following the provider's seed guide: look up the
 * certificate types and the department, upsert the CRM customer, create the sales order,
 * commit it with an external payment. Every write is keyed by an ID derived from the
 * workflow ID, and Flexybox dedupes each of them, so every step may be retried safely.
 * The commit is the point of no return: from it on the order parks instead of failing.
 */
import { CancellationScope, CancelledFailure, isCancellation, patched, workflowInfo } from '@temporalio/workflow';
import type { FlexyboxIds, FlexyboxOrder, FlexyboxOrderInput, FlexyboxOrderResult } from '../contracts/flexybox';
import { FLEXYBOX_ID_STEPS } from '../contracts/flexybox-workflow';
import { PROVIDER_CALL } from './activity-options';
import { deriveProviderId } from './ids';
import { providerCallsLocalFirst } from './local-first';
import { FLEXYBOX_COMMIT_SCHEDULED_BEFORE_SENT, FLEXYBOX_CREATE_LOCAL_FIRST, hasPatch } from './patches';
import { OrderTracker } from './order-tracker';

/** Places one Flexybox gift-certificate order and returns the IDs Flexybox knows it by. */
export async function flexyboxGiftCertificateOrder(rawInput: FlexyboxOrderInput): Promise<FlexyboxOrderResult> {
  const tracker = new OrderTracker<FlexyboxIds, FlexyboxOrderResult>('flexybox', 'resolveCatalog', {
    leftBehind: createdAtFlexybox,
  });
  // Local first: Flexybox dedupes every write by its derived ID, and the rest are reads. The
  // create joined later (a reset run reads its total from an earlier run's local-activity
  // marker); asked here, before the first await, so an order keeps one shape throughout.
  const flexybox = tracker.localFirst(PROVIDER_CALL);
  const regular = tracker.activities(PROVIDER_CALL);
  const localFirst = providerCallsLocalFirst();
  const { createFlexyboxSalesOrder } = localFirst && hasPatch(FLEXYBOX_CREATE_LOCAL_FIRST) ? flexybox : regular;
  const { workflowId } = workflowInfo();
  const customerId = deriveProviderId(workflowId, FLEXYBOX_ID_STEPS.customerId);
  const salesOrderId = deriveProviderId(workflowId, FLEXYBOX_ID_STEPS.salesOrderId);
  const externalPaymentId = deriveProviderId(workflowId, FLEXYBOX_ID_STEPS.externalPaymentId);
  // What local calls may have created without this run knowing: they land in one workflow task,
  // which a worker crash (or the server refusing it) replaces; the new task may meet a cancellation first.
  const unrecorded = localFirst ? { customerId, salesOrderId } : {};
  const order = await tracker.validInput<FlexyboxOrder>(
    rawInput,
    localFirst ? cancellationMessage({}, 'checkInput', unrecorded) : undefined,
  );

  try {
    // Catalogue checks come first so a wrong type or department leaves nothing behind at Flexybox.
    const types = await tracker.step('resolveCatalog', async () => {
      const [resolved, department] = await Promise.all([
        flexybox.resolveFlexyboxCertificateTypes(order.certificates),
        flexybox.checkFlexyboxDepartment(order.departmentId),
      ]);
      return { lines: resolved.lines, attempt: Math.max(resolved.attempt, department.attempt) };
    });

    await tracker.step('upsertCustomer', () =>
      flexybox.upsertFlexyboxCustomer({ customerId, customer: order.customer }),
    );
    tracker.recordIds({ customerId });

    const salesOrder = await tracker.step('createSalesOrder', () =>
      createFlexyboxSalesOrder({
        salesOrderId,
        customerId,
        departmentId: order.departmentId,
        lines: types.lines,
        currency: order.currency,
        debitMethod: order.debitMethod,
      }),
    );
    tracker.recordIds({ salesOrderId });

    // A cancellation that arrived together with the sales order's completion (one workflow
    // task) is still in time: nothing has been paid yet.
    if (CancellationScope.current().consideredCancelled && patched(CANCEL_CHECKED_BEFORE_COMMIT))
      throw new CancelledFailure('cancelled before commit');
    tracker.enterPointOfNoReturn(
      'commitSalesOrder',
      `sales order ${salesOrderId} committed and paid with external payment ${externalPaymentId}`,
    );
    // Once the commit is sent the order is paid: a cancellation must not abandon it half-way.
    // The commit is a regular activity (patch asked here, so every order not yet past it gets
    // it): its schedule is on record before it is sent. A local commit is recorded only with
    // the workflow task that ran it, and that task can be lost after the commit went out (the
    // worker dies, or the server refuses the completing task because a cancellation came in
    // meanwhile); the task that replaces it sees the cancellation first and would end the
    // order "cancelled, nothing was paid" although it was paid.
    const commitCalls = localFirst && !hasPatch(FLEXYBOX_COMMIT_SCHEDULED_BEFORE_SENT) ? flexybox : regular;
    const committed = await CancellationScope.nonCancellable(() =>
      tracker.step('commitSalesOrder', () =>
        commitCalls.commitFlexyboxSalesOrder({
          salesOrderId,
          payment: { id: externalPaymentId, type: order.paymentType, amount: salesOrder.total },
        }),
      ),
    );
    tracker.recordIds({ externalPaymentId });

    const result: FlexyboxOrderResult = {
      customerId,
      salesOrderId,
      externalPaymentId,
      total: salesOrder.total,
      currency: order.currency,
      departmentId: order.departmentId,
      certificates: types.lines,
      issuedCertificates: committed.issuedCertificates,
    };
    if (CancellationScope.current().consideredCancelled) {
      result.cancellationIgnored =
        'cancellation arrived after the sales order was committed and paid; giftflow cannot undo a committed Flexybox order';
    }
    return tracker.complete(result);
  } catch (error) {
    if (isCancellation(error))
      throw tracker.cancelled(cancellationMessage(tracker.providerIds, tracker.currentStep, unrecorded));
    throw tracker.failed(error);
  }
}

/** Patch ID of the cancellation check before the commit (before it, the commit was entered regardless). */
const CANCEL_CHECKED_BEFORE_COMMIT = 'cancel-checked-before-commit';

/** What exists at Flexybox before the commit: nothing of it is paid. */
function createdAtFlexybox(ids: Partial<FlexyboxIds>): string[] {
  return [
    ids.customerId && `CRM customer ${ids.customerId}`,
    ids.salesOrderId && `open (uncommitted, unpaid) sales order ${ids.salesOrderId}`,
  ].filter((entry): entry is string => Boolean(entry));
}

/** `unrecorded`: what calls run local first may have created without this run knowing. */
function cancellationMessage(
  ids: Partial<FlexyboxIds>,
  stepInFlight: string,
  unrecorded: Partial<FlexyboxIds>,
): string {
  const created = createdAtFlexybox(ids);
  const possibly = createdAtFlexybox(unrecorded).filter((entry) => !created.includes(entry));
  const known = created.length
    ? `Created at Flexybox: ${created.join(', ')}.`
    : 'Nothing on record was created at Flexybox.';
  return `Flexybox order cancelled before commit; nothing was paid. ${known} The step in flight when the cancellation came (${stepInFlight}) may also have landed.${
    possibly.length ? ` Local calls may have created: ${possibly.join(', ')}.` : ''
  }`;
}
