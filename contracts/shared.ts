/**
 * Names shared by every provider: task queues, search attributes, failure types and the
 * shape of the `status` query. Imported by workflows, activities, client and tests alike,
 * so it must stay free of Node APIs, and of zod like every module workflow code imports
 * (`<provider>-workflow.ts`): the SDK evaluates the workflow bundle's modules once per
 * workflow, and building the zod schemas cost every order ~11 ms of CPU and ~2 MB of memory.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';

/** One task queue per provider, so each can be scaled, paused or rate-limited on its own. */
export const TASK_QUEUES = {
  flexybox: 'giftflow-flexybox',
  cpextender: 'giftflow-cpextender',
  smartgift: 'giftflow-smartgift',
  payway: 'giftflow-payway',
} as const;

export type Provider = keyof typeof TASK_QUEUES;
export const PROVIDERS = Object.keys(TASK_QUEUES) as Provider[];

/** Search attributes (all Keyword) that let operators find orders; never PII. */
export const SEARCH_ATTRIBUTES = {
  provider: defineSearchAttributeKey('GiftProvider', SearchAttributeType.KEYWORD),
  orderRef: defineSearchAttributeKey('GiftOrderRef', SearchAttributeType.KEYWORD),
  state: defineSearchAttributeKey('GiftOrderState', SearchAttributeType.KEYWORD),
} as const;
export const SEARCH_ATTRIBUTE_NAMES = Object.values(SEARCH_ATTRIBUTES).map((key) => key.name);

/** ApplicationFailure types raised by activities (see DESIGN.md). */
export const FAILURE_TYPES = {
  /** The provider answered with a 4xx that says why; retrying cannot help. */
  rejected: 'ProviderRejected',
  /** The provider could not be reached or answered 5xx before doing anything; retry. */
  unavailable: 'ProviderUnavailable',
  /** 429; retried after the provider's Retry-After. */
  rateLimited: 'ProviderRateLimited',
  /** The request may have landed and we do not know; the workflow decides. */
  ambiguous: 'AmbiguousOutcome',
  /** The workflow's input fails its schema; the order fails before any provider call. */
  invalidInput: 'InvalidInput',
} as const;

export type OrderState = 'running' | 'needs-reconciliation' | 'completed' | 'failed' | 'cancelled';

/** What the `status` query returns for any provider's order. */
export interface OrderStatus<Ids extends object = Record<string, string>, Result = unknown> {
  step: string;
  state: OrderState;
  providerIds: Partial<Ids>;
  /** Attempts per finished step (1 = first try), as reported by the activity. */
  attempts: Record<string, number>;
  lastError: string | null;
  result: Result | null;
}

export const statusQuery = defineQuery<OrderStatus>('status');

/**
 * The operator's answer for a step parked in `needs-reconciliation`: `created` with the
 * provider's reference fields (each provider names and validates its own), or `not-created`
 * to send the step again with the same provider-facing IDs.
 */
export type ReconcileAnswer = { outcome: 'created'; [field: string]: unknown } | { outcome: 'not-created' };

/** What the workflow does with an accepted answer, in words for the operator. */
export interface ReconcileReply {
  accepted: ReconcileAnswer['outcome'];
  next: string;
}

export const reconcileUpdate = defineUpdate<ReconcileReply, [ReconcileAnswer]>('reconcile');

/** A `created` answer carrying a provider's `Required` reference fields and any of its `Optional` ones. */
export type CreatedAnswer<Required extends string, Optional extends string = never> = { outcome: 'created' } & Record<Required, string> &
  Partial<Record<Optional, string>>;

/**
 * Checks a `reconcile` answer for a provider whose `created` answer carries the `required`
 * fields and may carry the `optional` ones, each a non-empty string (trimmed). Returns the
 * answer or throws an Error naming each wrong field. Plain code rather than zod, because it
 * runs in workflow code (see the top of this file).
 */
export function checkReconcileAnswer<Required extends string, Optional extends string = never>(
  raw: unknown,
  required: readonly Required[],
  optional: readonly Optional[] = [],
): CreatedAnswer<Required, Optional> | { outcome: 'not-created' } {
  const answer: Record<string, unknown> = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { ...raw } : {};
  const problems: string[] = [];
  if (answer.outcome !== 'created' && answer.outcome !== 'not-created') {
    problems.push("outcome: outcome must be 'created' or 'not-created'");
  } else {
    const fields: string[] = answer.outcome === 'created' ? [...required, ...optional] : [];
    const unknown = Object.keys(answer).filter((key) => key !== 'outcome' && !fields.includes(key));
    if (unknown.length) problems.push(`(answer): Unrecognized key${unknown.length > 1 ? 's' : ''}: ${unknown.map((key) => JSON.stringify(key)).join(', ')}`);
    for (const field of fields) {
      const value = answer[field];
      if (value === undefined && !required.includes(field as Required)) continue;
      if (typeof value !== 'string') problems.push(`${field}: ${field} is required`);
      else if (!value.trim()) problems.push(`${field}: ${field} must not be empty`);
      else answer[field] = value.trim();
    }
  }
  if (problems.length) throw new Error(`invalid reconcile answer: ${problems.join('; ')}`);
  return answer as CreatedAnswer<Required, Optional> | { outcome: 'not-created' };
}

/** Memo key holding the fingerprint of the canonical input a workflow was started with. */
export const INPUT_FINGERPRINT_MEMO = 'giftflowInputFingerprint';

/** Workflow ID for a caller's order reference: the first layer of exactly-once. */
export function orderWorkflowId(provider: Provider, orderRef: string): string {
  return `giftorder-${provider}-${orderRef}`;
}
