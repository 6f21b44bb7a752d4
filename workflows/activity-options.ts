/** Activity option presets by latency class; every preset has timeouts and a bounded retry policy. */
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { FAILURE_TYPES } from '../contracts/shared';

/**
 * One HTTP call to a provider. The HTTP layer heartbeats while a call is slow, so a worker
 * that dies mid-call is noticed after `heartbeatTimeout`, not after `startToCloseTimeout`.
 * `scheduleToCloseTimeout` bounds the retries: a provider down for longer fails the order
 * visibly instead of retrying for days.
 */
export const PROVIDER_CALL: ActivityOptions = {
  startToCloseTimeout: '60s',
  heartbeatTimeout: '8s',
  scheduleToCloseTimeout: '15m',
  retry: {
    initialInterval: '500ms',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    nonRetryableErrorTypes: [FAILURE_TYPES.rejected],
  },
};

/**
 * One call that must never be repeated blindly (the provider cannot deduplicate it): a
 * single attempt, so a timeout after a crashed worker is not resent by the server; the
 * workflow decides from the failure whether sending again is safe.
 */
export const PROVIDER_CALL_ONCE: ActivityOptions = {
  startToCloseTimeout: PROVIDER_CALL.startToCloseTimeout,
  heartbeatTimeout: PROVIDER_CALL.heartbeatTimeout,
  retry: { maximumAttempts: 1 },
};

/**
 * Validating a workflow's input (a local activity: no I/O, runs inside the first workflow
 * task). Invalid input is final; anything else (a worker restart) is retried.
 */
export const INPUT_VALIDATION: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { nonRetryableErrorTypes: [FAILURE_TYPES.invalidInput] },
};

/**
 * A computation in the worker that needs its secrets (a local activity: no I/O, no task queue,
 * its result recorded in history through the payload codec), e.g. deriving voucher codes.
 */
export const LOCAL_COMPUTATION: LocalActivityOptions = { startToCloseTimeout: INPUT_VALIDATION.startToCloseTimeout };

/**
 * The first attempts of a provider call the provider deduplicates (or a read), run as a local
 * activity (workflows/local-first.ts): no task queue round trip, a fraction of the server's
 * work. The budget is a few seconds: a call still failing after it continues as a regular
 * activity with PROVIDER_CALL's full policy, visible as a pending activity with its attempts.
 * A local activity has no heartbeat, so its start-to-close is what catches a hung call.
 */
export const PROVIDER_CALL_LOCAL_FIRST: LocalActivityOptions = {
  startToCloseTimeout: '4s',
  scheduleToCloseTimeout: '5s',
  retry: {
    initialInterval: '200ms',
    backoffCoefficient: 2,
    maximumInterval: '1s',
    maximumAttempts: 3,
    // 429 goes straight on to the regular activity: a local retry would wait out Retry-After
    // (minutes) as a hidden timer, with no pending activity to see and none for `giftflow
    // retry` to hurry; the regular one waits it out visibly. The 429 placed nothing.
    nonRetryableErrorTypes: [...(PROVIDER_CALL.retry?.nonRetryableErrorTypes ?? []), FAILURE_TYPES.rateLimited],
  },
};

/**
 * The pause before sending a call that must never be repeated blindly (PROVIDER_CALL_ONCE:
 * Payway create, CP Extender Authorize) again, after its `sends`-th send provably did not go
 * through: 1 s doubling to 30 s. The workflow sleeps it itself, as such a call has one attempt.
 */
export function resendDelayMs(sends: number): number {
  return Math.min(30_000, 1_000 * 2 ** (sends - 1));
}
