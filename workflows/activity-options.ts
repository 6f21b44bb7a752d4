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
