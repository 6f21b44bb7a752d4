/**
 * The part of the CP Extender contract that workflow code imports as values. Kept free of zod:
 * the SDK evaluates the workflow bundle's modules once per workflow, and building the zod
 * schemas cost every order ~11 ms of CPU and ~2 MB of worker memory. ./cpextender.ts re-exports it.
 */
import { defineUpdate } from '@temporalio/workflow';
import type { CpExtenderRedeemResult } from './cpextender';

/** The provider's documented reasons that change what the workflows do next. */
export const CPEXTENDER_REASONS = {
  alreadyExists: 'GiftcardId Already Exists',
  notReserved: 'GiftcardId Not Reserved',
} as const;

/** Confirms the held amount (the sale went through); resolves once CP Extender has confirmed it. */
export const confirmRedemptionUpdate = defineUpdate<CpExtenderRedeemResult>('confirm');
/** Releases the held amount (the sale was abandoned); resolves once CP Extender has cancelled it. */
export const cancelRedemptionUpdate = defineUpdate<CpExtenderRedeemResult>('cancel');

/** Step names that seed the derived IDs. Changing one re-keys every live order: never do it. */
export const CPEXTENDER_ID_STEPS = {
  issueSaleId: 'cpextender/issue/sale',
  redeemSaleId: 'cpextender/redeem/sale',
} as const;
