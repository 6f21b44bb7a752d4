/**
 * "Local first, regular on retry" for provider calls that may run again after a crash without
 * a second effect at the provider: the provider dedupes them by a derived ID, or they are reads
 * (docs/design.md, the exactly-once table, column "local first"). Their first attempts run as a
 * local activity within PROVIDER_CALL_LOCAL_FIRST's budget of seconds; a call still failing
 * after it continues as a regular activity with the full policy, so a struggling step is a
 * pending activity with its attempts, as before. Regular: a point of no return (a local call is
 * on record only with its workflow task, and a lost task lets a cancellation be seen first),
 * calls whose input a later run must read (a local-activity marker holds no input), calls
 * never repeated blindly and calls on the rate-limited Smart Gift queue.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from './order-view';
import { hasPatch, PROVIDER_CALLS_LOCAL_FIRST } from './patches';

/**
 * Memo field a starter may set to `'regular'` to keep an order's provider calls on regular
 * activities: a benchmark and diagnostic switch (npm run bench compares both paths with it on
 * one build). Fixed at start, so the order replays the same way.
 */
export const PROVIDER_CALLS_MEMO = 'giftflowProviderCalls';

/**
 * Whether this order's deduplicated provider calls run local first. Asked once, when the
 * workflow sets up its activities before its first provider call, so the patch marker lies in
 * the first workflow task and the whole order keeps one mode: an order started before the
 * patch replays that task without the marker and stays on regular activities to its end.
 */
export function providerCallsLocalFirst(): boolean {
  if (workflowInfo().memo?.[PROVIDER_CALLS_MEMO] === 'regular') return false;
  return hasPatch(PROVIDER_CALLS_LOCAL_FIRST);
}

/**
 * Activities that try each call through `local` first and, unless its failure is final,
 * send it again through `regular`. A failure the regular policy would not retry (a
 * non-retryable ApplicationFailure, or a type in `regularOptions`' nonRetryableErrorTypes:
 * the provider's refusal, our credentials refused, invalid input) ends the call as it
 * would have ended as a regular activity; so does a cancellation.
 */
export function localFirstActivities(
  local: Activities,
  regular: Activities,
  regularOptions: ActivityOptions,
): Activities {
  if (!providerCallsLocalFirst()) return regular;
  const finalTypes = new Set(regularOptions.retry?.nonRetryableErrorTypes ?? []);
  const call = (activities: Activities, name: string, args: unknown[]): Promise<unknown> =>
    (activities as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name](...args);
  return new Proxy({} as Activities, {
    // Only activity names: a symbol or `then` (probed when the object is awaited) is no activity.
    get: (_, name) =>
      typeof name !== 'string' || name === 'then'
        ? undefined
        : async (...args: unknown[]) => {
            try {
              return await call(local, name, args);
            } catch (error) {
              if (isCancellation(error) || isFinal(error, finalTypes)) throw error;
              return call(regular, name, args);
            }
          },
  });
}

function isFinal(error: unknown, finalTypes: Set<string>): boolean {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return (
    cause instanceof ApplicationFailure &&
    (cause.nonRetryable || (cause.type !== undefined && cause.type !== null && finalTypes.has(cause.type)))
  );
}
