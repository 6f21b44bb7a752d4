/**
 * Smart Gift voucher order: check the payment method, then POST /pos-sale once with an
 * order_id and a voucher code on every item, both derived from the workflow ID. Smart Gift has no
 * idempotency key, but its voucher codes must be unique: a repeat of a request that landed
 * collides on our codes and cannot create a second order, and tells us the first one exists.
 * The POST is the point of no return: from it on the order parks instead of failing.
 */
import { CancellationScope, isCancellation, patched, workflowInfo } from '@temporalio/workflow';
import type { SmartGiftIds, SmartGiftOrder, SmartGiftOrderInput, SmartGiftOrderResult } from '../contracts/smartgift';
import { SMARTGIFT_ID_STEPS } from '../contracts/smartgift-workflow';
import { LOCAL_COMPUTATION, PROVIDER_CALL } from './activity-options';
import { deriveProviderId } from './ids';
import { OrderTracker } from './order-tracker';

/**
 * Patch ID of voucher codes fixed once per order in history. Before it, every attempt of
 * placeSmartGiftOrder derived them from its own worker's SMARTGIFT_CODE_SECRET, so a retry
 * on a worker with another secret sent other codes and placed a second order.
 */
const VOUCHER_CODES_IN_HISTORY = 'smartgift-voucher-codes-in-history';

/** Places one Smart Gift voucher order and returns its reference, order_id and voucher codes. */
export async function smartGiftVoucherOrder(rawInput: SmartGiftOrderInput): Promise<SmartGiftOrderResult> {
  const tracker = new OrderTracker<SmartGiftIds, SmartGiftOrderResult>('smartgift', 'checkPaymentMethod', {
    leftBehind: () => [],
  });
  const smartgift = tracker.activities(PROVIDER_CALL);
  // A local activity: no I/O, so it stays off the task queue that is paced to Smart Gift's
  // request limit, and its result is still recorded in history (through the payload codec).
  const { deriveSmartGiftVoucherCodes } = tracker.localActivities(LOCAL_COMPUTATION, 'deriveVoucherCodes');
  const order = await tracker.validInput<SmartGiftOrder>(rawInput);
  const { workflowId } = workflowInfo();
  const orderId = order.order_id ?? deriveProviderId(workflowId, SMARTGIFT_ID_STEPS.orderId);
  // One seed per item without a caller code; an activity turns it into the voucher code
  // with a secret key, so codes cannot be computed by anyone who merely knows the order
  // reference.
  const codeSeeds = order.items.map((item, index) =>
    item.code ? null : deriveProviderId(workflowId, SMARTGIFT_ID_STEPS.voucherCode(index)),
  );

  try {
    await tracker.step('checkPaymentMethod', () => smartgift.checkSmartGiftPaymentMethod(order.payment_method));

    tracker.recordIds({ orderId });
    // The codes are derived once and recorded in history, so every attempt of the POST sends
    // the same ones whichever worker (and secret) runs it. Histories from before the patch
    // scheduled placeOrder with the seeds; replaying them must schedule the same.
    const codes = patched(VOUCHER_CODES_IN_HISTORY)
      ? { derivedCodes: await deriveSmartGiftVoucherCodes(codeSeeds) }
      : { codeSeeds };
    tracker.enterPointOfNoReturn(
      'placeOrder',
      `a Smart Gift voucher order with order_id ${orderId} and our voucher codes`,
    );
    // Once the POST is sent the order may exist: a cancellation must not abandon it half-way.
    const placed = await CancellationScope.nonCancellable(() =>
      tracker.step('placeOrder', () => smartgift.placeSmartGiftOrder({ order, orderId, ...codes })),
    );
    if (placed.orderReference) tracker.recordIds({ orderReference: placed.orderReference });

    const result: SmartGiftOrderResult = {
      orderReference: placed.orderReference,
      orderId,
      voucherCodes: placed.voucherCodes,
      recovered: placed.recovered,
    };
    if (CancellationScope.current().consideredCancelled) {
      result.cancellationIgnored =
        'cancellation arrived after the order was sent to Smart Gift; giftflow cannot undo a Smart Gift order';
    }
    return tracker.complete(result);
  } catch (error) {
    if (isCancellation(error)) {
      throw tracker.cancelled('Smart Gift order cancelled before it was sent; nothing was ordered at Smart Gift.');
    }
    throw tracker.failed(error);
  }
}
