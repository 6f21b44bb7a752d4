/**
 * Patches a new order takes together. Every patch() the SDK records costs the server a marker
 * event and a search-attribute update (TemporalChangeVersion), and a new Flexybox order asked
 * four of them. A new order now records one marker, CURRENT_SHAPE, that stands for each patch
 * below; an order started before it finds no such marker when its first workflow task replays
 * and asks them one by one, exactly as it did. The patch IDs live here so the set and their
 * users (order-tracker, local-first, flexybox) share one spelling.
 */
import { patched } from '@temporalio/workflow';

/** Input validated by a local activity (before it, workflow code parsed with zod). */
export const INPUT_VALIDATED_BY_ACTIVITY = 'input-validated-by-activity';
/** Provider calls the provider deduplicates run local first (before it, regular activities). */
export const PROVIDER_CALLS_LOCAL_FIRST = 'provider-calls-local-first';
/** Flexybox's sales order create runs local first too (before it, a regular activity). */
export const FLEXYBOX_CREATE_LOCAL_FIRST = 'flexybox-create-local-first';
/** Flexybox's commit is a regular activity in local-first orders (before it, local first). */
export const FLEXYBOX_COMMIT_SCHEDULED_BEFORE_SENT = 'flexybox-commit-scheduled-before-sent';

/** The one marker of an order started with every patch in FOLDED in effect. */
export const CURRENT_SHAPE = 'order-shape-2026-11-29';

const FOLDED = new Set([
  INPUT_VALIDATED_BY_ACTIVITY,
  PROVIDER_CALLS_LOCAL_FIRST,
  FLEXYBOX_CREATE_LOCAL_FIRST,
  FLEXYBOX_COMMIT_SCHEDULED_BEFORE_SENT,
]);

/** Per workflow (each workflow has its own module state): whether it started in CURRENT_SHAPE. */
let currentShape: boolean | undefined;

/**
 * patched(), for the patches in FOLDED answered by CURRENT_SHAPE. Every workflow asks one of
 * them in its first workflow task (OrderTracker's input validation), so CURRENT_SHAPE is asked
 * there: false for an order whose history predates it, true for a new one, on every replay.
 */
export function hasPatch(id: string): boolean {
  if (FOLDED.has(id)) {
    currentShape ??= patched(CURRENT_SHAPE);
    if (currentShape) return true;
  }
  return patched(id);
}
