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

/** Each provider's name as operators read it (Web UI summaries and current details). */
export const PROVIDER_NAMES: Record<Provider, string> = {
  flexybox: 'Flexybox',
  cpextender: 'CP Extender',
  smartgift: 'Smart Gift',
  payway: 'Payway',
};

/** Search attributes (all Keyword) that let operators find orders; never PII. */
export const SEARCH_ATTRIBUTES = {
  provider: defineSearchAttributeKey('GiftProvider', SearchAttributeType.KEYWORD),
  orderRef: defineSearchAttributeKey('GiftOrderRef', SearchAttributeType.KEYWORD),
  state: defineSearchAttributeKey('GiftOrderState', SearchAttributeType.KEYWORD),
} as const;
export const SEARCH_ATTRIBUTE_NAMES = Object.values(SEARCH_ATTRIBUTES).map((key) => key.name);

/** ApplicationFailure types raised by activities (see docs/design.md). */
export const FAILURE_TYPES = {
  /** The provider answered with a 4xx that says why; retrying cannot help. */
  rejected: 'ProviderRejected',
  /**
   * 401/403: the provider refused our credentials, not the order. Final for the attempt, but
   * an order parks on it instead of failing: after a token rotation, `giftflow retry` resumes it.
   */
  credentialsRefused: 'ProviderCredentialsRefused',
  /** The provider could not be reached or answered 5xx before doing anything; retry. */
  unavailable: 'ProviderUnavailable',
  /** 429; retried after the provider's Retry-After. */
  rateLimited: 'ProviderRateLimited',
  /** The request may have landed and we do not know; the workflow decides. */
  ambiguous: 'AmbiguousOutcome',
  /** The workflow's input fails its schema; the order fails before any provider call. */
  invalidInput: 'InvalidInput',
} as const;

/**
 * `needs-attention`: a step failed past the order's point of no return (or the provider refused
 * our credentials); the order waits for `giftflow retry`. `needs-reconciliation`: a step's
 * outcome is unknown; the order waits for an operator's `reconcile` answer.
 */
export type OrderState = 'running' | 'needs-attention' | 'needs-reconciliation' | 'completed' | 'failed' | 'cancelled';

/** What the `status` query returns for any provider's order. */
export interface OrderStatus<Ids extends object = Record<string, string>, Result = unknown> {
  step: string;
  state: OrderState;
  providerIds: Partial<Ids>;
  /** Attempts per finished step (1 = first try), as reported by the activity. */
  attempts: Record<string, number>;
  lastError: string | null;
  result: Result | null;
  /**
   * Set once the order entered its point of no return (the first step after which something
   * irreversible may exist at the provider): from then on it parks instead of failing.
   * Absent in orders started before giftflow knew the point.
   */
  pointOfNoReturn?: { step: string; mayExist: string };
}

export const statusQuery = defineQuery<OrderStatus>('status');

/** The `retry` Update's argument; every field optional, so `temporal workflow update execute --name retry` works bare. */
export interface RetryRequest {
  /** Why the operator retries (e.g. "FLEXYBOX_TOKEN rotated"); recorded in history with the Update. */
  reason?: string;
}

/** What the workflow does with an accepted retry, in words for the operator. */
export interface RetryReply {
  retried: string;
  next: string;
}

/** Tries the step of an order parked in `needs-attention` again, with a fresh retry budget. */
export const retryUpdate = defineUpdate<RetryReply, [RetryRequest]>('retry');

/**
 * Checks a `retry` argument (plain code: it runs in workflow code). A parked order is past its
 * point of no return, so its input cannot change any more; a corrected input is for re-running
 * a failed order (`giftflow retry --input`), never for a parked one.
 */
export function checkRetryRequest(raw: unknown): RetryRequest {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new Error('invalid retry request: expected an object such as {"reason":"token rotated"}');
  const { reason, ...rest } = raw as Record<string, unknown>;
  if ('input' in rest)
    throw new Error(
      'invalid retry request: input: a parked order is past its point of no return and keeps its input; only a failed order can be re-run with a corrected input',
    );
  const unknown = Object.keys(rest);
  if (unknown.length)
    throw new Error(
      `invalid retry request: unrecognized key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; only "reason" is accepted`,
    );
  if (reason !== undefined && typeof reason !== 'string')
    throw new Error('invalid retry request: reason: must be a string');
  return reason?.trim() ? { reason: reason.trim() } : {};
}

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
export type CreatedAnswer<Required extends string, Optional extends string = never> = { outcome: 'created' } & Record<
  Required,
  string
> &
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
  const answer: Record<string, unknown> =
    typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { ...raw } : {};
  const problems: string[] = [];
  if (answer.outcome !== 'created' && answer.outcome !== 'not-created') {
    problems.push("outcome: outcome must be 'created' or 'not-created'");
  } else {
    const fields: string[] = answer.outcome === 'created' ? [...required, ...optional] : [];
    const unknown = Object.keys(answer).filter((key) => key !== 'outcome' && !fields.includes(key));
    if (unknown.length)
      problems.push(
        `(answer): Unrecognized key${unknown.length > 1 ? 's' : ''}: ${unknown.map((key) => JSON.stringify(key)).join(', ')}`,
      );
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

/** Memo key of a run started by `giftflow retry` over a failed one: `{ runId, reason }` of that run. */
export const RERUN_OF_MEMO = 'giftflowRerunOf';

/** What a giftflow workflow ID starts with: `gift<kind>-<provider>-<ref>`. */
const WORKFLOW_ID_KINDS = ['order', 'redeem', 'pool'] as const;

/** The workflow ID of a caller's reference: the first layer of exactly-once (a repeated start attaches). */
export function giftWorkflowId(kind: (typeof WORKFLOW_ID_KINDS)[number], provider: Provider, ref: string): string {
  return `gift${kind}-${provider}-${ref}`;
}

/** Workflow ID for a caller's order reference. */
export function orderWorkflowId(provider: Provider, orderRef: string): string {
  return giftWorkflowId('order', provider, orderRef);
}

/**
 * The caller's reference in a workflow ID made by giftWorkflowId (orders, CP Extender
 * redemptions and pools); any other ID is its own reference, so an order started under a
 * free-form ID is still found by it.
 */
export function orderRefFromWorkflowId(provider: Provider, workflowId: string): string {
  const prefix = WORKFLOW_ID_KINDS.map((kind) => giftWorkflowId(kind, provider, '')).find((p) =>
    workflowId.startsWith(p),
  );
  return (prefix && workflowId.slice(prefix.length)) || workflowId;
}
