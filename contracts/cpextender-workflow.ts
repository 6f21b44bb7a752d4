/** Values of the CP Extender contract that workflow code imports; free of zod (see shared.ts). ./cpextender.ts re-exports them. */
import { defineUpdate } from '@temporalio/workflow';

/** The provider's documented reasons that change what the workflows do next. */
export const CPEXTENDER_REASONS = {
  alreadyExists: 'GiftcardId Already Exists',
  notReserved: 'GiftcardId Not Reserved',
} as const;

/** A reason's key: what activities/cpextender.ts puts in a rejection's details as `reason`. */
export type CpExtenderReason = keyof typeof CPEXTENDER_REASONS;

/**
 * The provider reason a failure carries: the typed `reason` of its first detail. A failure
 * recorded before the activities set one (in the histories of open orders) has only the text
 * at the end of its message, which is read instead, so those orders decide as they did.
 */
export function cpExtenderReasonOf(failure: { message: string; details?: unknown[] | null }): CpExtenderReason | null {
  const detail = failure.details?.[0];
  if (typeof detail === 'object' && detail !== null && 'reason' in detail) {
    const { reason } = detail as { reason: unknown };
    return typeof reason === 'string' && reason in CPEXTENDER_REASONS ? (reason as CpExtenderReason) : null;
  }
  return (
    (Object.keys(CPEXTENDER_REASONS) as CpExtenderReason[]).find((reason) =>
      failure.message.endsWith(`: ${CPEXTENDER_REASONS[reason]}`),
    ) ?? null
  );
}

export type RedemptionOutcome = 'confirmed' | 'cancelled' | 'hold-expired' | 'released-on-cancellation';

export interface CpExtenderRedeemResult {
  giftCardId: string;
  saleId: string;
  authCode: string;
  authorizedAmount: number;
  outcome: RedemptionOutcome;
  /** The card after the outcome (BalanceCheck). */
  balance: number;
  availableBalance: number;
}

/** Confirms the held amount (the sale went through); resolves once CP Extender has confirmed it. */
export const confirmRedemptionUpdate = defineUpdate<CpExtenderRedeemResult>('confirm');
/** Releases the held amount (the sale was abandoned); resolves once CP Extender has cancelled it. */
export const cancelRedemptionUpdate = defineUpdate<CpExtenderRedeemResult>('cancel');

/** Step names that seed the derived IDs. Changing one re-keys every live order: never do it. */
export const CPEXTENDER_ID_STEPS = {
  issueSaleId: 'cpextender/issue/sale',
  redeemSaleId: 'cpextender/redeem/sale',
} as const;
