/**
 * CP Extender gift cards: issuing a card, redeeming it in two phases, reserving ID pools.
 * Inputs, results, task queue, updates and the provider's reason texts the workflows act on.
 * Shared by client, workflows and activities, so it must stay free of Node APIs.
 */
import { z } from 'zod';
import { money, NUMBER_CAPS, text, TEXT_CAPS } from './input-text';
import { PROVIDER_SCALES } from './money';
import { giftWorkflowId, TASK_QUEUES, type CreatedAnswer } from './shared';

export * from './cpextender-workflow';

export const CPEXTENDER_TASK_QUEUE = TASK_QUEUES.cpextender;
export const CPEXTENDER_ISSUE_WORKFLOW_TYPE = 'cpExtenderIssueGiftCard';
export const CPEXTENDER_REDEEM_WORKFLOW_TYPE = 'cpExtenderRedeem';
export const CPEXTENDER_POOL_WORKFLOW_TYPE = 'cpExtenderReservePool';

// CP Extender documents no sizes: IDs, codes and references get the ID cap, the agency (a
// company or campaign name) the name cap; amounts and points the sanity caps of input-text.ts.
const id = (field: string) => text(field, { max: TEXT_CAPS.id });
const points = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .positive(`${what} must be greater than 0`)
    .max(NUMBER_CAPS.points, `${what} must be at most ${NUMBER_CAPS.points}`);

/** What a backend sends to issue one CP Extender gift card. */
export const cpExtenderIssueInputSchema = z
  .object({
    customerNumber: id('customerNumber'),
    giftCardCode: id('giftCardCode'),
    giftCardValue: money('giftCardValue', PROVIDER_SCALES.cpextender),
    /** The sale that paid for the card; derived from the workflow ID when absent (and no pointsToRedeem). */
    saleId: id('saleId').optional(),
    /** Loyalty points paying for the card instead of a sale. */
    pointsToRedeem: points('pointsToRedeem').optional(),
    agency: text('agency', { max: TEXT_CAPS.name }),
    requestName: id('requestName').optional(),
    /** A GiftCardId reserved earlier (e.g. from a pool); otherwise one is reserved for this order. */
    giftCardId: id('giftCardId').optional(),
  })
  .strict()
  .refine((input) => input.saleId === undefined || input.pointsToRedeem === undefined, {
    path: ['pointsToRedeem'],
    error: 'give either saleId or pointsToRedeem, not both',
  });

export type CpExtenderIssueInput = z.input<typeof cpExtenderIssueInputSchema>;
export type CpExtenderIssue = z.output<typeof cpExtenderIssueInputSchema>;

/** Where the card's certificate is stored: never the bytes themselves. */
export interface StoredCertificate {
  ref: string;
  contentType: string;
  bytes: number;
  sha256: string;
}

export interface CpExtenderIssueResult {
  giftCardId: string;
  /** Null when the card was paid with points. */
  saleId: string | null;
  balance: number;
  certificate: StoredCertificate;
  /** Set when a cancellation arrived once Create had started: the card exists and was finished. */
  cancellationIgnored?: string;
}

export interface CpExtenderIssueIds {
  giftCardId: string;
  saleId: string;
}

/** A two-phase redemption: authorize, hold, then confirm or cancel. */
export const cpExtenderRedeemInputSchema = z
  .object({
    giftCardId: id('giftCardId'),
    amount: money('amount', PROVIDER_SCALES.cpextender).optional(),
    points: points('points').optional(),
    /** The point of sale's sale; derived from the workflow ID when absent. Must be unique per redemption. */
    saleId: id('saleId').optional(),
    /** Confirm as soon as the amount is held (a one-shot redemption). */
    autoConfirm: z.boolean({ error: 'autoConfirm must be true or false' }).default(false),
    /** How long the hold waits for `confirm` or `cancel` before it is cancelled. */
    holdTimeoutSeconds: z
      .number({ error: 'holdTimeoutSeconds must be a number' })
      .int('holdTimeoutSeconds must be a whole number')
      .min(1, 'holdTimeoutSeconds must be at least 1')
      .max(7 * 24 * 3600, 'holdTimeoutSeconds must be at most 7 days')
      .default(900),
  })
  .strict()
  .refine((input) => (input.amount === undefined) !== (input.points === undefined), {
    path: ['amount'],
    error: 'give exactly one of amount or points',
  });

export type CpExtenderRedeemInput = z.input<typeof cpExtenderRedeemInputSchema>;
export type CpExtenderRedeem = z.output<typeof cpExtenderRedeemInputSchema>;

export interface CpExtenderRedeemIds {
  saleId: string;
  authCode: string;
  requestId: string;
}

/**
 * The operator's `reconcile` answer (contracts/shared.ts) when an Authorize landed but its
 * answer was lost: `created` with the AuthCode found at CP Extender, or `not-created` to
 * authorize again. Checked with checkReconcileAnswer.
 */
export type CpExtenderReconcileAnswer = CreatedAnswer<'authCode'> | { outcome: 'not-created' };

/** Reserve `count` GiftCardIds for a printed batch or a campaign. */
export const cpExtenderPoolInputSchema = z
  .object({
    count: z
      .number({ error: 'count is required' })
      .int('count must be a whole number')
      .min(1, 'count must be at least 1')
      .max(10_000, 'count must be at most 10000 (start several pools for more)'),
    agency: text('agency', { max: TEXT_CAPS.name }),
    /** The batch reference; the workflow ID when absent. */
    requestName: id('requestName').optional(),
  })
  .strict();

export type CpExtenderPoolInput = z.input<typeof cpExtenderPoolInputSchema>;
export type CpExtenderPool = z.output<typeof cpExtenderPoolInputSchema>;

export interface CpExtenderPoolResult {
  requestName: string;
  agency: string;
  giftCardIds: string[];
  /** ReserveIds calls it took (the provider caps each batch). */
  batches: number;
}

/** Workflow ID of a redemption: the caller's reference makes a repeated start attach to it. */
export function redemptionWorkflowId(redemptionRef: string): string {
  return giftWorkflowId('redeem', 'cpextender', redemptionRef);
}

/** Workflow ID of a pool reservation. */
export function poolWorkflowId(poolRef: string): string {
  return giftWorkflowId('pool', 'cpextender', poolRef);
}
