/**
 * CP Extender two-phase redemption, as a point of sale uses it: Authorize holds an amount,
 * then the sale's outcome confirms it (capture) or cancels it (release). No hold outlives
 * the workflow: a durable hold timeout cancels it, and so does cancelling the workflow.
 * Authorize is the point of no return: from it on the redemption parks instead of failing,
 * and after a reset it takes over the hold an earlier run placed (activities/earlier-runs.ts).
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  setHandler,
  sleep,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
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
import { PROVIDER_CALL, PROVIDER_CALL_ONCE, resendDelayMs } from './activity-options';
import { deriveProviderId } from './ids';
import { OrderTracker } from './order-tracker';

/** Authorize sends after which an ambiguous outcome is no longer retried, even when it provably did not land. */
const MAX_AUTHORIZE_SENDS = 5;

/**
 * Patch: Authorize is sent again only once an earlier ambiguous send can no longer land, and
 * giving up looks for such a send first. Redemptions whose history predates it looked once,
 * after a short backoff, and could hold the amount twice when the first request landed late.
 */
const AUTHORIZE_RESENT_ONCE_UNLANDABLE = 'cpextender-authorize-resent-once-unlandable';

/**
 * How long an ambiguous Authorize may still land, counted from the failure that made it
 * ambiguous. By then our side has let go of the request (the HTTP layer after 5 s connect +
 * 15 s headers by default; the server times out an attempt whose worker hung or died), but
 * CP Extender, or a gateway before it, may still hold it and process it later: a resend
 * then holds the amount twice. No document bounds that delay and the workflow cannot see
 * the worker's HTTP settings, so it grants CP Extender as long again as giftflow ever grants
 * one Authorize attempt: PROVIDER_CALL_ONCE's start-to-close (60 s, three times the default
 * connect + headers budget). A request still unprocessed after that is treated as dead. The
 * price: a resend after an ambiguous outcome (a 5xx included) comes a minute later.
 */
const AUTHORIZE_LANDING_WINDOW = PROVIDER_CALL_ONCE.startToCloseTimeout ?? '60s';

/** A lost answer shows in BalanceCheck at once: the first look comes this soon after the failure. */
const FIRST_LOOK_DELAY = '1s';

interface Hold {
  authCode: string;
  authorizedAmount: number;
}

/** A BalanceCheck History entry: an `Authorized` one with our SaleId is a hold of ours. */
interface HistoryEntry {
  activity: string;
  amount: number;
  document: string | null;
}

/** Authorizes an amount on a card, holds it until `confirm`, `cancel` or the hold timeout, and closes the hold accordingly. */
export async function cpExtenderRedeem(rawInput: CpExtenderRedeemInput): Promise<CpExtenderRedeemResult> {
  const tracker = new OrderTracker<CpExtenderRedeemIds, CpExtenderRedeemResult>('cpextender', 'authorize');
  const cpextender = tracker.activities(PROVIDER_CALL);
  // One attempt only: the server must never resend Authorize on its own (e.g. after a worker
  // died mid-call and the heartbeat timed out); the workflow decides from BalanceCheck.
  const { authorizeCpExtender } = tracker.activities(PROVIDER_CALL_ONCE);
  // BalanceCheck is a read: local first. Confirm and cancel stay regular (not in the dedupe table).
  const { checkCpExtenderBalance } = tracker.localFirst(PROVIDER_CALL);
  const input = await tracker.validInput<CpExtenderRedeem>(rawInput);
  // CP Extender has no dedupe key for Authorize: the SaleId in BalanceCheck History is how we recognise our own hold.
  const saleId = input.saleId ?? deriveProviderId(workflowInfo().workflowId, CPEXTENDER_ID_STEPS.redeemSaleId);
  tracker.recordIds({ saleId });

  let hold: Hold | undefined;
  let decision: 'confirm' | 'cancel' | undefined;
  /** Set once the hold timeout passed unanswered: the hold is released, so a confirm can no longer capture it. */
  let expired = false;
  let result: CpExtenderRedeemResult | undefined;
  let failure: string | undefined;
  let awaitingAnswer = false;
  /** Set while an Authorize of unknown outcome may hold an amount we have no AuthCode for. */
  let unknownHold: string | undefined;
  let answer: CpExtenderReconcileAnswer | undefined;
  /** Set once an operator answered `reconcile`: an earlier run's Authorize of unknown outcome is settled. */
  let earlierRunsSettled = false;
  /** The result of an earlier run of this redemption (before a reset) that completed: nothing is left to do. */
  let earlierResult: CpExtenderRedeemResult | undefined;

  const decide = (wanted: 'confirm' | 'cancel') => async (): Promise<CpExtenderRedeemResult> => {
    decision ??= wanted;
    await condition(() => result !== undefined || failure !== undefined);
    if (!result)
      throw ApplicationFailure.create({ type: FAILURE_TYPES.rejected, message: failure, nonRetryable: true });
    return result;
  };
  const validator = (wanted: 'confirm' | 'cancel') => () => {
    if (!hold)
      throw new Error(
        `no amount is held yet (step '${tracker.currentStep}', state '${tracker.state}'); nothing to ${wanted}`,
      );
    // A confirm must never report success for a sale whose amount was not captured. (Validators
    // do not run on replay, so refusing more here changes no history.)
    if (wanted === 'confirm' && expired) {
      throw new Error(
        `the hold ${hold.authCode} expired after ${input.holdTimeoutSeconds} s without confirm or release and was released; nothing to confirm`,
      );
    }
    if (decision !== undefined && decision !== wanted)
      throw new Error(`the hold is already being closed by '${decision}'`);
  };
  setHandler(confirmRedemptionUpdate, decide('confirm'), { validator: validator('confirm') });
  setHandler(cancelRedemptionUpdate, decide('cancel'), { validator: validator('cancel') });
  setHandler(
    reconcileUpdate,
    (reply) => {
      answer = checkReconcileAnswer(reply, ['authCode']);
      return {
        accepted: answer.outcome,
        next: answer.outcome === 'created' ? 'hold the amount under that AuthCode' : 'send Authorize again',
      };
    },
    {
      validator: (reply) => {
        if (!awaitingAnswer)
          throw new Error(`this redemption is not waiting for reconciliation (state '${tracker.state}')`);
        checkReconcileAnswer(reply, ['authCode']);
      },
    },
  );

  async function authorize(): Promise<Hold> {
    let ambiguousSends = 0;
    for (let sends = 1; ; sends += 1) {
      let sendFailure: unknown;
      try {
        return await sendAuthorize();
      } catch (error) {
        sendFailure = error;
      }
      const lastSend = sends >= MAX_AUTHORIZE_SENDS;
      let landed: HistoryEntry | undefined;
      if (isAmbiguous(sendFailure)) {
        ambiguousSends += 1;
        unknownHold = `an Authorize for SaleId ${saleId} whose outcome is unknown may hold an amount on ${input.giftCardId}; check BalanceCheck History`;
        if (patched(AUTHORIZE_RESENT_ONCE_UNLANDABLE)) {
          landed = await lookUntilUnlandable();
          if (!landed && lastSend) throw sendFailure;
        } else {
          // Histories from before the patch: one look after the backoff, none after the last send.
          if (lastSend) throw sendFailure;
          await sleep(resendDelayMs(sends));
          landed = await landedAuthorization();
        }
        if (!landed) {
          unknownHold = undefined;
          // BalanceCheck found no hold for our SaleId once no send could still land: that
          // settles every earlier send, an earlier run's included (a reset's), so Authorize
          // may go out again instead of stopping at the earlier run's unknown send forever.
          earlierRunsSettled = true;
        }
      } else if (provablyNotSent(sendFailure) && !lastSend) {
        await sleep(resendDelayMs(sends));
        continue;
      } else {
        // Giving up (a refusal, or the last send never left): an earlier ambiguous send that
        // landed after all, e.g. the cause of a 'No Balance Remaining', would hold an amount
        // that nobody closes, so it is looked for once more first.
        if (ambiguousSends === 0 || !patched(AUTHORIZE_RESENT_ONCE_UNLANDABLE)) throw sendFailure;
        landed = await landedAuthorization();
        if (!landed) throw sendFailure;
      }
      if (!landed) continue;
      const reconciled = await reconcileLanded(landed);
      if (reconciled) return reconciled;
    }
  }

  async function sendAuthorize(): Promise<Hold> {
    // Not cancellable: a cancellation must not leave us without the AuthCode of a hold that landed.
    const held = await CancellationScope.nonCancellable(() =>
      tracker.step(
        'authorize',
        () =>
          authorizeCpExtender({
            giftCardId: input.giftCardId,
            saleId,
            amount: input.amount,
            points: input.points,
            earlierRunsSettled,
          }),
        { park: false },
      ),
    );
    tracker.recordIds({ authCode: held.authCode, ...(held.requestId && { requestId: held.requestId }) });
    if (held.earlierResult) earlierResult = held.earlierResult as CpExtenderRedeemResult;
    return held;
  }

  /**
   * Looks for an ambiguous Authorize soon after its failure (a lost answer parks the
   * redemption at once) and, when it is not there, again once it can no longer land
   * (AUTHORIZE_LANDING_WINDOW): only then may Authorize be sent again.
   */
  async function lookUntilUnlandable(): Promise<HistoryEntry | undefined> {
    await sleep(FIRST_LOOK_DELAY);
    const early = await landedAuthorization();
    if (early) return early;
    await sleep(AUTHORIZE_LANDING_WINDOW);
    return landedAuthorization();
  }

  /** The History entry of an Authorize for our SaleId, if one landed (CP Extender has no dedupe key for Authorize). */
  async function landedAuthorization(): Promise<HistoryEntry | undefined> {
    const { card } = await tracker.step('checkAuthorization', () =>
      checkCpExtenderBalance({ step: 'checkAuthorization', giftCardId: input.giftCardId }),
    );
    const authorized = card.history.filter((entry) => entry.activity === 'Authorized');
    // A History without Documents (as in CP Extender's example) cannot rule a hold of ours out.
    return authorized.find((entry) => entry.document === saleId) ?? authorized.find((entry) => entry.document == null);
  }

  /**
   * An Authorize landed but its AuthCode was lost with the answer: waits for the operator's
   * `reconcile`. Returns the hold they found, or undefined when they say it is gone (send again).
   */
  async function reconcileLanded(landed: HistoryEntry): Promise<Hold | undefined> {
    unknownHold = `an Authorize for SaleId ${saleId} holds ${landed.amount} on ${input.giftCardId} under an AuthCode giftflow never received; cancel it at CP Extender`;
    tracker.needsReconciliation(
      `Authorize for SaleId ${saleId} landed at CP Extender (${landed.amount} held on ${input.giftCardId}) but its answer was lost, ` +
        `so giftflow does not know the AuthCode. Find it at CP Extender and answer 'reconcile' with { outcome: 'created', authCode }, ` +
        `or { outcome: 'not-created' } if the hold is gone.`,
    );
    awaitingAnswer = true;
    await condition(() => answer !== undefined);
    awaitingAnswer = false;
    earlierRunsSettled = true;
    tracker.resume();
    const reply = answer!;
    answer = undefined;
    if (reply.outcome !== 'created') return undefined;
    unknownHold = undefined;
    const authCode = String(reply.authCode);
    tracker.recordIds({ authCode });
    return { authCode, authorizedAmount: landed.amount };
  }

  async function close(outcome: RedemptionOutcome, held: Hold): Promise<CpExtenderRedeemResult> {
    const step = outcome === 'confirmed' ? 'confirm' : 'cancel';
    const args = { giftCardId: input.giftCardId, authCode: held.authCode };
    await tracker.step(step, () =>
      step === 'confirm'
        ? cpextender.confirmCpExtenderAuthorization(args)
        : cpextender.cancelCpExtenderAuthorization(args),
    );
    const { card } = await tracker.step('readBalance', () =>
      checkCpExtenderBalance({ step, giftCardId: input.giftCardId }),
    );
    return {
      giftCardId: input.giftCardId,
      saleId,
      authCode: held.authCode,
      authorizedAmount: held.authorizedAmount,
      outcome,
      balance: card.balance,
      availableBalance: card.availableBalance,
    };
  }

  try {
    tracker.enterPointOfNoReturn('authorize', `an amount held on card ${input.giftCardId} for SaleId ${saleId}`);
    // Only CP Extender's refusal ends the redemption; Authorize that could not go through
    // (our credentials refused, sends used up) waits for an operator's retry instead.
    hold = await tracker.untilSettled('authorize', authorize);
    if (earlierResult) return tracker.complete(earlierResult);
    const held = hold;
    let outcome: RedemptionOutcome = 'confirmed';
    if (!input.autoConfirm) {
      const { decided } = await tracker.step('awaitingDecision', async () => ({
        decided: await condition(() => decision !== undefined, input.holdTimeoutSeconds * 1000),
        attempt: 1,
      }));
      expired = !decided;
      outcome = expired ? 'hold-expired' : decision === 'confirm' ? 'confirmed' : 'cancelled';
    }
    result = await CancellationScope.nonCancellable(() => close(outcome, held));
    await condition(allHandlersFinished);
    return tracker.complete(result);
  } catch (error) {
    if (isCancellation(error)) {
      const held = hold;
      if (!held)
        throw tracker.cancelled(
          `redemption cancelled before any amount was held${unknownHold ? `, but ${unknownHold}` : ` on ${input.giftCardId}`}`,
        );
      // Parked on a failing confirm or release: closing the hold again would park again; the message says what is held.
      if (tracker.state === 'needs-attention') throw tracker.cancelled('');
      // Compensation: a cancelled redemption must not leave the amount held.
      await CancellationScope.nonCancellable(() => close('released-on-cancellation', held)).catch((cause: unknown) => {
        throw tracker.failed(cause);
      });
      throw tracker.cancelled(
        `redemption cancelled; the hold ${held.authCode} of ${held.authorizedAmount} on ${input.giftCardId} was released`,
      );
    }
    const failed = tracker.failed(error);
    failure = failed.message;
    throw failed;
  }
}

/** The request may have landed: an ambiguous answer, or the activity timed out (its worker died or hung mid-call). */
function isAmbiguous(error: unknown): boolean {
  if (!(error instanceof ActivityFailure)) return false;
  return (
    error.cause instanceof TimeoutFailure ||
    (error.cause instanceof ApplicationFailure && error.cause.type === FAILURE_TYPES.ambiguous)
  );
}

/** The request never reached CP Extender (unreachable) or was turned away unprocessed (429): resending is safe. */
function provablyNotSent(error: unknown): boolean {
  const type =
    error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause.type : undefined;
  return type === FAILURE_TYPES.unavailable || type === FAILURE_TYPES.rateLimited;
}
