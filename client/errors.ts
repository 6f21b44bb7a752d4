/** Errors the giftflow client raises for caller mistakes; each message says what to fix. */

export interface FieldIssue {
  field: string;
  message: string;
}

/** The order input (or order reference) is invalid; nothing was started. */
export class GiftOrderInputError extends Error {
  override name = 'GiftOrderInputError';
  constructor(
    readonly provider: string,
    readonly issues: FieldIssue[],
  ) {
    super(`invalid ${provider} order: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}`);
  }

  /** From a schema's issues, each field named by its path from the input (`input.customer.email`). */
  static fromSchemaIssues(
    provider: string,
    issues: readonly { path: readonly PropertyKey[]; message: string }[],
  ): GiftOrderInputError {
    return new GiftOrderInputError(
      provider,
      issues.map((issue) => ({ field: ['input', ...issue.path.map(String)].join('.'), message: issue.message })),
    );
  }
}

/** Temporal statuses of an order that `giftflow retry` runs again under its workflow ID. */
export const RERUNNABLE_STATUSES: readonly string[] = ['FAILED', 'TERMINATED', 'TIMED_OUT'];

/** The order reference is already used by an order with a different input. */
export class GiftOrderConflictError extends Error {
  override name = 'GiftOrderConflictError';
  constructor(
    readonly workflowId: string,
    readonly orderRef: string,
    /** Temporal's status of the existing order, e.g. FAILED. */
    readonly existingStatus?: string,
  ) {
    const rerun = existingStatus !== undefined && RERUNNABLE_STATUSES.includes(existingStatus);
    super(
      `order reference '${orderRef}' is already used by order ${workflowId} with a different input; ` +
        (rerun
          ? `that order is ${existingStatus}: an operator re-runs it with the corrected input by 'giftflow retry ${workflowId} --input <fixed.json>' (same provider IDs), or use a new orderRef`
          : 'use a new orderRef for a new order, or resend the original input to attach to the existing one'),
    );
  }
}

/** No such provider. */
export class UnknownProviderError extends Error {
  override name = 'UnknownProviderError';
  constructor(provider: string, known: string[]) {
    super(`unknown provider '${provider}'; known providers: ${known.join(', ')}`);
  }
}

/** The Temporal server could not be reached: one class and message for every process (config/temporal.ts). */
export { TemporalUnreachableError } from '../config/temporal';
