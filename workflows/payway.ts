/**
 * Payway (Tulo) gift subscription: one create_gift_order call. Payway documents no
 * idempotency for it, so the workflow never sends it again after an outcome it cannot
 * know (a timeout after sending, a reset, a 5xx, a worker that died mid-call): the order
 * waits in `needs-reconciliation` until an operator answers the `reconcile` Update with
 * what Payway shows for the order's merchant_reference. The create is the point of no return:
 * once it may have been sent, only Payway's own refusal fails the order; anything else parks it.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  PaywayIds,
  PaywayOrder,
  PaywayOrderInput,
  PaywayOrderResult,
  PaywayReconcileAnswer,
} from '../contracts/payway';
import { PAYWAY_ID_STEPS } from '../contracts/payway-workflow';
import { checkReconcileAnswer, FAILURE_TYPES, reconcileUpdate } from '../contracts/shared';
import { PROVIDER_CALL_ONCE, resendDelayMs } from './activity-options';
import { deriveProviderId } from './ids';
import { OrderTracker } from './order-tracker';

/** Sends of a create that provably did not reach Payway (unreachable, 429, token endpoint failing): about 2.5 min in all. */
const NOT_SENT_RETRY = { maxSends: 10 };

type Created = Pick<PaywayOrderResult, 'id' | 'orderId' | 'paymentId'>;

/** Places one Payway gift order and returns the IDs Payway knows it by. */
export async function paywayGiftOrder(rawInput: PaywayOrderInput): Promise<PaywayOrderResult> {
  const tracker = new OrderTracker<PaywayIds, PaywayOrderResult>('payway', 'createGiftOrder', { leftBehind: () => [] });
  const { createPaywayGiftOrder } = tracker.activities(PROVIDER_CALL_ONCE);
  const order = await tracker.validInput<PaywayOrder>(rawInput);
  const { workflowId } = workflowInfo();
  // Sent with every create, so Payway's records tell an operator whether a lost create landed.
  const merchantReference = deriveProviderId(workflowId, PAYWAY_ID_STEPS.merchantReference);
  tracker.recordIds({ merchantReference });
  const nextAnswer = acceptReconcileAnswers(tracker, merchantReference);
  let sends = 0;
  /** Set once an operator answered `reconcile`: a send of an earlier run whose outcome was unknown is settled. */
  let earlierRunsSettled = false;

  async function sendCreate(): Promise<Created | { unknown: string }> {
    for (let notSent = 1; ; notSent++) {
      sends += 1;
      try {
        // Once sent, the create cannot be called back: a cancellation waits for its outcome.
        return await CancellationScope.nonCancellable(() =>
          tracker.step(
            'createGiftOrder',
            async () => ({
              ...(await createPaywayGiftOrder({ order, merchantReference, earlierRunsSettled })),
              attempt: sends,
            }),
            {
              park: false,
            },
          ),
        );
      } catch (error) {
        const outcome = sendOutcome(error);
        if (outcome === 'unknown') return { unknown: unknownOutcomeMessage(error) };
        if (outcome === 'rejected' || notSent >= NOT_SENT_RETRY.maxSends) throw error;
        await sleep(resendDelayMs(notSent));
      }
    }
  }

  function complete(created: Created, reconciled: boolean): PaywayOrderResult {
    tracker.recordIds({ orderId: created.orderId, ...(created.paymentId && { paymentId: created.paymentId }) });
    const result: PaywayOrderResult = {
      merchantReference,
      id: created.id,
      orderId: created.orderId,
      paymentId: created.paymentId,
      reconciled,
    };
    if (CancellationScope.current().consideredCancelled) {
      result.cancellationIgnored =
        'cancellation arrived while create_gift_order was under way; giftflow cannot undo a Payway gift order';
    }
    return tracker.complete(result);
  }

  try {
    tracker.enterPointOfNoReturn('createGiftOrder', `a Payway gift order with merchant_reference ${merchantReference}`);
    for (;;) {
      // Only Payway's own refusal ends the order; a create that could not be sent for long
      // (Payway down, our credentials refused) waits for an operator's retry instead.
      const outcome = await tracker.untilSettled('createGiftOrder', sendCreate);
      if ('orderId' in outcome) return complete(outcome, false);
      tracker.needsReconciliation(
        `${outcome.unknown}. Look for a Payway order with merchant_reference ${merchantReference}, then answer: ` +
          `giftflow reconcile ${workflowId} --created --order-id <order_id> [--payment-id <payment_id>], or --not-created to send it again`,
      );
      const answer = await nextAnswer();
      earlierRunsSettled = true;
      tracker.resume();
      if (answer.outcome === 'created')
        return complete({ id: null, orderId: answer.orderId, paymentId: answer.paymentId ?? null }, true);
    }
  } catch (error) {
    if (isCancellation(error))
      throw tracker.cancelled(cancellationMessage(tracker.state === 'needs-reconciliation', merchantReference));
    throw tracker.failed(error);
  }
}

/**
 * Registers the `reconcile` Update. Its validator refuses (without a trace in history) an
 * answer while nothing waits for one and an answer with a wrong field, naming the field.
 */
function acceptReconcileAnswers(
  tracker: OrderTracker<PaywayIds, PaywayOrderResult>,
  merchantReference: string,
): () => Promise<PaywayReconcileAnswer> {
  let answer: PaywayReconcileAnswer | undefined;
  setHandler(
    reconcileUpdate,
    (raw) => {
      const accepted: PaywayReconcileAnswer = checkReconcileAnswer(raw, ['orderId'], ['paymentId']);
      answer = accepted;
      return {
        accepted: accepted.outcome,
        next:
          accepted.outcome === 'created'
            ? `the order completes with Payway order ${accepted.orderId}`
            : `create_gift_order is sent again with merchant_reference ${merchantReference}`,
      };
    },
    {
      validator: (raw) => {
        if (tracker.state !== 'needs-reconciliation' || answer !== undefined) {
          throw new Error(`nothing to reconcile: the order is ${tracker.state} at step ${tracker.currentStep}`);
        }
        checkReconcileAnswer(raw, ['orderId'], ['paymentId']);
      },
    },
  );
  return async () => {
    await condition(() => answer !== undefined);
    const given = answer!;
    answer = undefined;
    return given;
  };
}

/**
 * What a failed send means. `not-sent`: the create provably never reached Payway (the
 * token call failed, or the connection was refused, or a 429), so sending again is safe.
 * `rejected`: Payway said no. Anything else may have landed.
 */
function sendOutcome(error: unknown): 'not-sent' | 'rejected' | 'unknown' {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  if (!(cause instanceof ApplicationFailure)) return 'unknown';
  if (cause.type === FAILURE_TYPES.rejected) return 'rejected';
  if (
    cause.type === FAILURE_TYPES.unavailable ||
    cause.type === FAILURE_TYPES.rateLimited ||
    cause.type === FAILURE_TYPES.credentialsRefused
  )
    return 'not-sent';
  const step = (cause.details?.[0] as { step?: string } | undefined)?.step;
  return step === 'obtainToken' ? 'not-sent' : 'unknown';
}

function unknownOutcomeMessage(error: unknown): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return cause.message;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return `payway step 'createGiftOrder' ended without an answer (${reason}); the request may have landed`;
}

function cancellationMessage(parked: boolean, merchantReference: string): string {
  return parked
    ? `Payway order cancelled while waiting for reconciliation: the create_gift_order with merchant_reference ${merchantReference} may have landed at Payway; look it up there.`
    : 'Payway order cancelled before any create_gift_order could land; nothing was created at Payway.';
}
