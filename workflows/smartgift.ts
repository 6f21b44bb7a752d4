/**
 * Smart Gift voucher order: check the payment method, then POST /pos-sale once with an
 * order_id and a voucher code on every item, both derived from the workflow ID. Smart Gift has no
 * idempotency key, but its voucher codes must be unique: a repeat of a request that landed
 * collides on our codes and cannot create a second order, and tells us the first one exists.
 */
import { CancellationScope, isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { GiftflowActivities } from '../activities';
import type { SmartGiftIds, SmartGiftOrder, SmartGiftOrderInput, SmartGiftOrderResult } from '../contracts/smartgift';
import { SMARTGIFT_ID_STEPS } from '../contracts/smartgift-workflow';
import { PROVIDER_CALL } from './activity-options';
import { deriveProviderId } from './ids';
import { OrderTracker } from './order-tracker';

const smartgift = proxyActivities<GiftflowActivities>(PROVIDER_CALL);

/** Places one Smart Gift voucher order and returns its reference, order_id and voucher codes. */
export async function smartGiftVoucherOrder(rawInput: SmartGiftOrderInput): Promise<SmartGiftOrderResult> {
  const tracker = new OrderTracker<SmartGiftIds, SmartGiftOrderResult>('checkPaymentMethod');
  const order = await tracker.validInput<SmartGiftOrder>(rawInput);
  const { workflowId } = workflowInfo();
  const orderId = order.order_id ?? deriveProviderId(workflowId, SMARTGIFT_ID_STEPS.orderId);
  // One seed per item without a caller code; the activity turns it into the voucher code
  // with a secret key, so codes are stable across retries yet cannot be computed by anyone
  // who merely knows the order reference.
  const codeSeeds = order.items.map((item, index) => (item.code ? null : deriveProviderId(workflowId, SMARTGIFT_ID_STEPS.voucherCode(index))));

  try {
    await tracker.step('checkPaymentMethod', () => smartgift.checkSmartGiftPaymentMethod(order.payment_method));

    tracker.recordIds({ orderId });
    // Once the POST is sent the order may exist: a cancellation must not abandon it half-way.
    const placed = await CancellationScope.nonCancellable(() =>
      tracker.step('placeOrder', () => smartgift.placeSmartGiftOrder({ order, orderId, codeSeeds })),
    );
    if (placed.orderReference) tracker.recordIds({ orderReference: placed.orderReference });

    const result: SmartGiftOrderResult = {
      orderReference: placed.orderReference,
      orderId,
      voucherCodes: placed.voucherCodes,
      recovered: placed.recovered,
    };
    if (CancellationScope.current().consideredCancelled) {
      result.cancellationIgnored = 'cancellation arrived after the order was sent to Smart Gift; giftflow cannot undo a Smart Gift order';
    }
    return tracker.complete(result);
  } catch (error) {
    if (isCancellation(error)) {
      throw tracker.cancelled('Smart Gift order cancelled before it was sent; nothing was ordered at Smart Gift.');
    }
    throw tracker.failed(error);
  }
}
