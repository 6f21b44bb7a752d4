/**
 * CP Extender two-phase redemption, as a point of sale uses it: Authorize holds an amount,
 * then the sale's outcome confirms it (capture) or cancels it (release). No hold outlives
 * the workflow: a durable hold timeout cancels it, and so does cancelling the workflow.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { GiftflowActivities } from '../activities';
import type {
  CpExtenderReconcileAnswer,
  CpExtenderRedeem,
  CpExtenderRedeemIds,
  CpExtenderRedeemInput,
  CpExtenderRedeemResult,
  RedemptionOutcome,
} from '../contracts/cpextender';
import { cancelRedemptionUpdate, confirmRedemptionUpdate, CPEXTENDER_ID_STEPS } from '../contracts/cpextender-workflow';
import { checkReconcileAnswer, FAILURE_TYPES, reconcileUpdate } from '../contracts/shared';
import { PROVIDER_CALL, PROVIDER_CALL_ONCE } from './activity-options';
import { deriveProviderId } from './ids';
import { OrderTracker } from './order-tracker';

const cpextender = proxyActivities<GiftflowActivities>(PROVIDER_CALL);
// One attempt only: the server must never resend Authorize on its own (e.g. after a worker
// died mid-call and the heartbeat timed out); the workflow decides from BalanceCheck.
const { authorizeCpExtender } = proxyActivities<GiftflowActivities>(PROVIDER_CALL_ONCE);

/** Authorize sends after which an ambiguous outcome is no longer retried, even when it provably did not land. */
const MAX_AUTHORIZE_SENDS = 5;

interface Hold {
  authCode: string;
  authorizedAmount: number;
}

/** Authorizes an amount on a card, holds it until `confirm`, `cancel` or the hold timeout, and closes the hold accordingly. */
export async function cpExtenderRedeem(rawInput: CpExtenderRedeemInput): Promise<CpExtenderRedeemResult> {
  const tracker = new OrderTracker<CpExtenderRedeemIds, CpExtenderRedeemResult>('authorize');
  const input = await tracker.validInput<CpExtenderRedeem>(rawInput);
  // CP Extender has no dedupe key for Authorize: the SaleId in BalanceCheck History is how we recognise our own hold.
  const saleId = input.saleId ?? deriveProviderId(workflowInfo().workflowId, CPEXTENDER_ID_STEPS.redeemSaleId);
  tracker.recordIds({ saleId });

  let hold: Hold | undefined;
  let decision: 'confirm' | 'cancel' | undefined;
  let result: CpExtenderRedeemResult | undefined;
  let failure: string | undefined;
  let awaitingAnswer = false;
  /** Set while an Authorize of unknown outcome may hold an amount we have no AuthCode for. */
  let unknownHold: string | undefined;
  let answer: CpExtenderReconcileAnswer | undefined;

  const decide = (wanted: 'confirm' | 'cancel') => async (): Promise<CpExtenderRedeemResult> => {
    decision ??= wanted;
    await condition(() => result !== undefined || failure !== undefined);
    if (!result) throw ApplicationFailure.create({ type: FAILURE_TYPES.rejected, message: failure, nonRetryable: true });
    return result;
  };
  const validator = (wanted: 'confirm' | 'cancel') => () => {
    if (!hold) throw new Error(`no amount is held yet (step '${tracker.currentStep}', state '${tracker.state}'); nothing to ${wanted}`);
    if (decision !== undefined && decision !== wanted) throw new Error(`the hold is already being closed by '${decision}'`);
  };
  setHandler(confirmRedemptionUpdate, decide('confirm'), { validator: validator('confirm') });
  setHandler(cancelRedemptionUpdate, decide('cancel'), { validator: validator('cancel') });
  setHandler(
    reconcileUpdate,
    (reply) => {
      answer = checkReconcileAnswer(reply, ['authCode']);
      return { accepted: answer.outcome, next: answer.outcome === 'created' ? 'hold the amount under that AuthCode' : 'send Authorize again' };
    },
    {
      validator: (reply) => {
        if (!awaitingAnswer) throw new Error(`this redemption is not waiting for reconciliation (state '${tracker.state}')`);
        checkReconcileAnswer(reply, ['authCode']);
      },
    },
  );

  async function authorize(): Promise<Hold> {
    for (let sends = 1; ; sends += 1) {
      try {
        // Not cancellable: a cancellation must not leave us without the AuthCode of a hold that landed.
        const held = await CancellationScope.nonCancellable(() =>
          tracker.step('authorize', () => authorizeCpExtender({ giftCardId: input.giftCardId, saleId, amount: input.amount, points: input.points })),
        );
        tracker.recordIds({ authCode: held.authCode, requestId: held.requestId });
        return held;
      } catch (error) {
        if (sends >= MAX_AUTHORIZE_SENDS) throw error;
        if (provablyNotSent(error)) {
          await sleep(Math.min(30_000, 1_000 * 2 ** (sends - 1)));
          continue;
        }
        if (!isAmbiguous(error)) throw error;
      }
      unknownHold = `an Authorize for SaleId ${saleId} whose outcome is unknown may hold an amount on ${input.giftCardId}; check BalanceCheck History`;
      // Give a slow request time to land before looking for it.
      await sleep(Math.min(30_000, 1_000 * 2 ** (sends - 1)));
      const { card } = await tracker.step('checkAuthorization', () => cpextender.checkCpExtenderBalance({ step: 'checkAuthorization', giftCardId: input.giftCardId }));
      const landed = card.history.filter((entry) => entry.activity === 'Authorized' && entry.document === saleId);
      if (landed.length === 0) {
        unknownHold = undefined;
        continue;
      }
      unknownHold = `an Authorize for SaleId ${saleId} holds ${landed[0].amount} on ${input.giftCardId} under an AuthCode giftflow never received; cancel it at CP Extender`;

      tracker.needsReconciliation(
        `Authorize for SaleId ${saleId} landed at CP Extender (${landed[0].amount} held on ${input.giftCardId}) but its answer was lost, ` +
          `so giftflow does not know the AuthCode. Find it at CP Extender and answer 'reconcile' with { outcome: 'created', authCode }, ` +
          `or { outcome: 'not-created' } if the hold is gone.`,
      );
      awaitingAnswer = true;
      await condition(() => answer !== undefined);
      awaitingAnswer = false;
      tracker.resume();
      const reply = answer!;
      answer = undefined;
      if (reply.outcome === 'created') {
        unknownHold = undefined;
        const authCode = String(reply.authCode);
        tracker.recordIds({ authCode });
        return { authCode, authorizedAmount: landed[0].amount };
      }
    }
  }

  async function close(outcome: RedemptionOutcome, held: Hold): Promise<CpExtenderRedeemResult> {
    const step = outcome === 'confirmed' ? 'confirm' : 'cancel';
    const args = { giftCardId: input.giftCardId, authCode: held.authCode };
    await tracker.step(step, () => (step === 'confirm' ? cpextender.confirmCpExtenderAuthorization(args) : cpextender.cancelCpExtenderAuthorization(args)));
    const { card } = await cpextender.checkCpExtenderBalance({ step, giftCardId: input.giftCardId });
    return { giftCardId: input.giftCardId, saleId, authCode: held.authCode, authorizedAmount: held.authorizedAmount, outcome, balance: card.balance, availableBalance: card.availableBalance };
  }

  try {
    hold = await authorize();
    const held = hold;
    let outcome: RedemptionOutcome = 'confirmed';
    if (!input.autoConfirm) {
      const { decided } = await tracker.step('awaitingDecision', async () => ({
        decided: await condition(() => decision !== undefined, input.holdTimeoutSeconds * 1000),
        attempt: 1,
      }));
      outcome = !decided ? 'hold-expired' : decision === 'confirm' ? 'confirmed' : 'cancelled';
    }
    result = await CancellationScope.nonCancellable(() => close(outcome, held));
    await condition(allHandlersFinished);
    return tracker.complete(result);
  } catch (error) {
    if (isCancellation(error)) {
      const held = hold;
      if (!held) throw tracker.cancelled(`redemption cancelled before any amount was held${unknownHold ? `, but ${unknownHold}` : ` on ${input.giftCardId}`}`);
      // Compensation: a cancelled redemption must not leave the amount held.
      await CancellationScope.nonCancellable(() => close('released-on-cancellation', held)).catch((cause: unknown) => {
        throw tracker.failed(cause);
      });
      throw tracker.cancelled(`redemption cancelled; the hold ${held.authCode} of ${held.authorizedAmount} on ${input.giftCardId} was released`);
    }
    const failed = tracker.failed(error);
    failure = failed.message;
    throw failed;
  }
}

/** The request may have landed: an ambiguous answer, or the activity timed out (its worker died or hung mid-call). */
function isAmbiguous(error: unknown): boolean {
  if (!(error instanceof ActivityFailure)) return false;
  return error.cause instanceof TimeoutFailure || (error.cause instanceof ApplicationFailure && error.cause.type === FAILURE_TYPES.ambiguous);
}

/** The request never reached CP Extender (unreachable) or was turned away unprocessed (429): resending is safe. */
function provablyNotSent(error: unknown): boolean {
  const type = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause.type : undefined;
  return type === FAILURE_TYPES.unavailable || type === FAILURE_TYPES.rateLimited;
}
