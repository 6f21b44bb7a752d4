/** Values of the CP Extender contract that workflow code imports; free of zod (see shared.ts). ./cpextender.ts re-exports them. */
import { defineUpdate } from '@temporalio/workflow';

/** The provider's documented reasons that change what the workflows do next. */
export const CPEXTENDER_REASONS = {
  alreadyExists: 'GiftcardId Already Exists',
  notReserved: 'GiftcardId Not Reserved',
} as const;

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
