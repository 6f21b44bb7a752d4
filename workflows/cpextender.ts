/**
 * CP Extender gift cards: issue one card (reserve → create → verify → certificate) and
 * reserve ID pools. Create is only ever sent with a reserved GiftCardId, so a repeat is
 * recognised ("GiftcardId Already Exists") and can never issue a second card. Create is the
 * point of no return: from it on the order parks instead of failing.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  CpExtenderIssue,
  CpExtenderIssueIds,
  CpExtenderIssueInput,
  CpExtenderIssueResult,
  CpExtenderPool,
  CpExtenderPoolInput,
  CpExtenderPoolResult,
} from '../contracts/cpextender';
import {
  cpExtenderReasonOf,
  CPEXTENDER_ID_STEPS,
  CPEXTENDER_REASONS,
  type CpExtenderReason,
} from '../contracts/cpextender-workflow';
import { FAILURE_TYPES } from '../contracts/shared';
import { PROVIDER_CALL } from './activity-options';
import { deriveProviderId } from './ids';
import { OrderTracker } from './order-tracker';

/** A single reservation lives one hour; more than this many expiring in a row means something else is wrong. */
const MAX_RESERVATIONS = 3;

/** Issues one CP Extender gift card and stores its certificate; returns the card and the certificate's reference. */
export async function cpExtenderIssueGiftCard(rawInput: CpExtenderIssueInput): Promise<CpExtenderIssueResult> {
  const tracker = new OrderTracker<CpExtenderIssueIds, CpExtenderIssueResult>('cpextender', 'reserveId', {
    leftBehind: (ids) =>
      ids.giftCardId && rawInput.giftCardId === undefined
        ? [`an unused reservation of GiftCardId ${ids.giftCardId} (it expires after one hour)`]
        : [],
  });
  const cpextender = tracker.activities(PROVIDER_CALL);
  // BalanceCheck and the certificate are reads: local first. Create stays regular (an earlier
  // run's Create is found among its scheduled activities after a reset), as does ReserveIds.
  const reads = tracker.localFirst(PROVIDER_CALL);
  const order = await tracker.validInput<CpExtenderIssue>(rawInput);
  // SaleId is how BalanceCheck History tells our card from another: derived, so every retry and reset sends the same one.
  const saleId =
    order.pointsToRedeem === undefined
      ? (order.saleId ?? deriveProviderId(workflowInfo().workflowId, CPEXTENDER_ID_STEPS.issueSaleId))
      : undefined;
  if (saleId) tracker.recordIds({ saleId });

  try {
    let giftCardId = order.giftCardId;
    let outcome: 'created' | 'already-exists' | undefined;
    for (let reservations = 0; outcome === undefined;) {
      if (giftCardId === undefined) {
        // The first reservation of a run takes over the card an earlier run (before a reset) sent Create for.
        giftCardId = await reserveOne(tracker, order.agency, order.requestName, reservations === 0);
        reservations += 1;
      }
      tracker.recordIds({ giftCardId });
      const id: string = giftCardId;
      tracker.enterPointOfNoReturn(
        'createGiftCard',
        `gift card ${id} issued at CP Extender${saleId ? ` for SaleId ${saleId}` : ''}`,
      );
      try {
        // Once Create is sent a card may exist: finish the order rather than abandon it half-way.
        ({ outcome } = await CancellationScope.nonCancellable(() =>
          tracker.step('createGiftCard', () =>
            cpextender.createCpExtenderGiftCard({
              giftCardId: id,
              customerNumber: order.customerNumber,
              giftCardCode: order.giftCardCode,
              giftCardValue: order.giftCardValue,
              saleId,
              pointsToRedeem: order.pointsToRedeem,
            }),
          ),
        ));
      } catch (error) {
        // The reservation expired (e.g. the worker was down for an hour): the status keeps
        // the reason as lastError, and a fresh ID is reserved. A caller's own ID is never swapped.
        const expired = providerReason(error) === 'notReserved';
        if (!expired || order.giftCardId !== undefined || reservations >= MAX_RESERVATIONS) throw error;
        giftCardId = undefined;
      }
    }
    const cardId: string = giftCardId!;
    const wasCreated = outcome;

    return await CancellationScope.nonCancellable(async () => {
      const { card, owner } = await tracker.step('verifyBalance', async () => {
        const checked = await reads.checkCpExtenderBalance({ step: 'verifyBalance', giftCardId: cardId });
        // Only a card Create did not issue in this run ("Already Exists") needs telling apart from another order's.
        const owner = wasCreated === 'already-exists' ? ownership(checked.card, order.giftCardValue, saleId) : 'ours';
        if (owner === 'unknown') {
          // History without Documents (as in CP Extender's own example) cannot tell our card
          // from another: an operator decides, the order parks.
          throw ApplicationFailure.create({
            type: FAILURE_TYPES.ambiguous,
            message: `cpextender step 'verifyBalance': ${CPEXTENDER_REASONS.alreadyExists} for ${cardId}, and its History names no SaleId, so giftflow cannot tell whether it is this order's card (SaleId ${saleId}); check it at CP Extender`,
            nonRetryable: true,
          });
        }
        if (owner === 'ours' && (checked.card.status !== 'active' || checked.card.balance !== order.giftCardValue)) {
          throw rejected(
            'verifyBalance',
            `card ${cardId} is '${checked.card.status}' with balance ${checked.card.balance}; expected 'active' with ${order.giftCardValue}`,
          );
        }
        return { ...checked, owner };
      });
      if (owner === 'not-ours') {
        // Create's "Already Exists" came from another order's card: ours was never issued.
        throw rejected(
          'createGiftCard',
          `${CPEXTENDER_REASONS.alreadyExists} for ${cardId}, but BalanceCheck shows a card that is not this order's ` +
            `(expected an Issued entry of ${order.giftCardValue}${saleId ? ` for SaleId ${saleId}` : ''}); no second card was issued`,
        );
      }
      const { certificate } = await tracker.step('storeCertificate', () =>
        reads.storeCpExtenderCertificate({ giftCardId: cardId }),
      );
      const result: CpExtenderIssueResult = {
        giftCardId: cardId,
        saleId: saleId ?? null,
        balance: card.balance,
        certificate,
      };
      if (CancellationScope.current().parent?.consideredCancelled) {
        result.cancellationIgnored =
          'cancellation arrived after the gift card was created at CP Extender; giftflow finished the order instead of abandoning an issued card';
      }
      return tracker.complete(result);
    });
  } catch (error) {
    if (isCancellation(error)) {
      const reserved = tracker.providerIds.giftCardId;
      throw tracker.cancelled(
        `CP Extender gift card cancelled before Create; no card was issued.${reserved ? ` The reserved GiftCardId ${reserved} is left unused (a single reservation expires after one hour).` : ''}`,
      );
    }
    throw tracker.failed(error);
  }
}

/** Reserves `count` GiftCardIds under one RequestName, asking again while the provider's batch cap returns fewer. */
export async function cpExtenderReservePool(rawInput: CpExtenderPoolInput): Promise<CpExtenderPoolResult> {
  const tracker = new OrderTracker<{ requestName: string }, CpExtenderPoolResult>('cpextender', 'reserveIds');
  const cpextender = tracker.activities(PROVIDER_CALL);
  const pool = await tracker.validInput<CpExtenderPool>(rawInput);
  const { count, agency } = pool;
  const requestName = pool.requestName ?? workflowInfo().workflowId;
  tracker.recordIds({ requestName });
  const giftCardIds = new Set<string>();
  let batches = 0;
  try {
    while (giftCardIds.size < count) {
      const batch = await tracker.step('reserveIds', () =>
        cpextender.reserveCpExtenderIds({
          step: 'reserveIds',
          requestType: 'pool',
          count: count - giftCardIds.size,
          agency,
          requestName,
        }),
      );
      batches += 1;
      const before = giftCardIds.size;
      batch.giftCardIds.forEach((id) => giftCardIds.add(id));
      if (giftCardIds.size === before)
        throw rejected('reserveIds', `ReserveIds returned no new GiftCardId after ${before} of ${count}`);
    }
    return tracker.complete({ requestName, agency, giftCardIds: [...giftCardIds], batches });
  } catch (error) {
    if (isCancellation(error)) {
      throw tracker.cancelled(
        `pool reservation cancelled after ${giftCardIds.size} of ${count} IDs; they stay reserved at CP Extender under RequestName '${requestName}'`,
      );
    }
    throw tracker.failed(error);
  }
}

async function reserveOne(
  tracker: OrderTracker<CpExtenderIssueIds, CpExtenderIssueResult>,
  agency: string,
  requestName: string | undefined,
  reuseEarlierRun: boolean,
): Promise<string> {
  const { giftCardIds } = await tracker.step('reserveId', () =>
    tracker
      .activities(PROVIDER_CALL)
      .reserveCpExtenderIds({ step: 'reserveId', requestType: 'single', agency, requestName, reuseEarlierRun }),
  );
  if (giftCardIds.length !== 1)
    throw rejected('reserveId', `ReserveIds (single) returned ${giftCardIds.length} GiftCardIds instead of one`);
  return giftCardIds[0];
}

/** Whether BalanceCheck shows the card issued for this order: its value, and our SaleId where there is one. */
function ownership(
  card: { history: { activity: string; amount: number; document?: string | null }[] },
  value: number,
  saleId: string | undefined,
): 'ours' | 'not-ours' | 'unknown' {
  const issued = card.history.filter((entry) => entry.activity === 'Issued' && entry.amount === value);
  if (saleId === undefined) return issued.length > 0 ? 'ours' : 'not-ours';
  if (issued.some((entry) => entry.document === saleId)) return 'ours';
  return issued.some((entry) => entry.document == null) ? 'unknown' : 'not-ours';
}

/** The provider's documented reason an activity failed with (contracts/cpextender-workflow.ts), or null. */
function providerReason(error: unknown): CpExtenderReason | null {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure ? cpExtenderReasonOf(cause) : null;
}

function rejected(step: string, what: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FAILURE_TYPES.rejected,
    message: `cpextender step '${step}': ${what}`,
    nonRetryable: true,
  });
}
