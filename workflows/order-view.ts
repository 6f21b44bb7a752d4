/**
 * How an order reads outside giftflow's own tools, wherever it was started from (docs/web-ui.md):
 * its own search attributes, a summary on each activity naming the provider step, and its state
 * and step in progress as the workflow's current details in the Temporal Web UI.
 */
import {
  patched,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityInterfaceFor,
} from '@temporalio/workflow';
import type { GiftflowActivities } from '../activities';
import {
  orderRefFromWorkflowId,
  PROVIDER_NAMES,
  SEARCH_ATTRIBUTES,
  type OrderState,
  type OrderStatus,
  type Provider,
} from '../contracts/shared';

export type Activities = ActivityInterfaceFor<GiftflowActivities>;

/** Patch ID of the search attributes the workflow sets itself (before it, only giftflow's client set them, at start). */
const SETS_OWN_SEARCH_ATTRIBUTES = 'sets-own-search-attributes';

/**
 * Sets GiftProvider, GiftOrderRef and GiftOrderState where the start did not (any client but
 * giftflow's: another SDK, the temporal CLI, the Web UI), so every order is listed and found the
 * same way. The reference comes from the workflow ID (orderRefFromWorkflowId).
 */
export function setOwnSearchAttributes(provider: Provider, state: OrderState): void {
  const { workflowId, typedSearchAttributes: started } = workflowInfo();
  const missing = [
    { key: SEARCH_ATTRIBUTES.provider, value: provider as string },
    { key: SEARCH_ATTRIBUTES.orderRef, value: orderRefFromWorkflowId(provider, workflowId) },
    { key: SEARCH_ATTRIBUTES.state, value: state as string },
  ].filter(({ key }) => started.get(key) === undefined);
  // Asked only when something is missing, so orders from giftflow's client carry no marker;
  // orders from other clients that started before the patch replay without the upsert.
  if (missing.length && patched(SETS_OWN_SEARCH_ATTRIBUTES)) upsertSearchAttributes(missing);
}

/** A step as operators read it: `commitSalesOrder` of Flexybox is "Flexybox: commit sales order". */
export function stepLabel(provider: Provider, step: string): string {
  const words = step
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/\bid(s?)\b/g, 'ID$1');
  return `${PROVIDER_NAMES[provider]}: ${words}`;
}

/**
 * Activities whose every call carries `label()` at call time as its summary (the Web UI shows it
 * in the timeline). A summary is metadata of the command, so adding it changes no history.
 */
export function labelledActivities(proxy: (summary: string) => Activities, label: () => string): Activities {
  return new Proxy({} as Activities, {
    // Only activity names: a symbol or `then` (probed when the object is awaited) is no activity.
    get: (_, name) =>
      typeof name !== 'string' || name === 'then'
        ? undefined
        : (...args: unknown[]) =>
            (proxy(label()) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name](...args),
  });
}

/**
 * The order's current details in the Web UI: its state and the step in progress. Kept in the
 * workflow's memory (the UI reads them by query), so they add nothing to history.
 */
export function showOrderDetails(provider: Provider, status: Pick<OrderStatus, 'state' | 'step'>): void {
  const step = stepLabel(provider, status.step);
  const { workflowId } = workflowInfo();
  const details: Record<OrderState, string> = {
    running: `**In progress:** ${step}`,
    'needs-attention': `**Needs attention** at ${step}: fix the cause, then \`giftflow retry ${workflowId}\``,
    'needs-reconciliation': `**Needs reconciliation** at ${step}: \`giftflow status ${workflowId}\` says what to check`,
    completed: `**Completed:** ${PROVIDER_NAMES[provider]} order`,
    failed: `**Failed** at ${step}`,
    cancelled: `**Cancelled** at ${step}`,
  };
  setCurrentDetails(details[status.state]);
}
