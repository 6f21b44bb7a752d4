/**
 * What earlier runs of this order did. A reset (Web UI, `temporal workflow reset`, a batch
 * reset) or `giftflow retry` of a failed order starts a new run under the same workflow ID,
 * and the new run has forgotten everything after its reset point: the provider IDs stay the
 * same (they are derived from the workflow ID), but values a provider handed out and sends
 * whose outcome was never seen are gone. Before a call the provider cannot deduplicate, its
 * activity reads the other runs' histories through the Temporal API and finds its own earlier
 * sends there (docs/design.md, "Operators act too").
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import {
  decodeFromPayloadsAtIndex,
  decodeOptionalFailureToOptionalError,
} from '@temporalio/common/lib/internal-non-workflow';
import { ApplicationFailure } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { FAILURE_TYPES } from '../contracts/shared';

/** One earlier send of an activity: its input and how it ended, as far as that run saw it. */
export interface EarlierSend {
  runId: string;
  /** Undefined for a local attempt: its marker does not record the input. */
  input: unknown;
  /** `unknown`: no answer was recorded (timed out, or the run ended or was reset while it was in flight). */
  outcome: 'completed' | 'failed' | 'unknown';
  result?: unknown;
  /** For `failed`: the ApplicationFailure type (ProviderRejected, AmbiguousOutcome, ...). */
  failureType?: string;
  failureMessage?: string;
}

export interface EarlierRuns {
  /** Every send of the activity type in the order's other runs, oldest run first. */
  sends: EarlierSend[];
  /** The result of another run that completed, if one did. */
  completedResult?: unknown;
}

const NONE: EarlierRuns = { sends: [] };

/**
 * Reads the other runs of the calling activity's workflow ID for sends of `activityType`.
 * Costs one visibility query when there are none (a first run), plus one history read per
 * earlier run. A copy of a run's events in a reset run shows up twice; callers look for
 * "any", never count.
 */
export async function earlierRuns(activityType: string): Promise<EarlierRuns> {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return NONE; // called directly, outside any activity (the activity tests do): no workflow, no runs
  }
  const execution = context.info.workflowExecution;
  if (!execution) return NONE; // a standalone activity belongs to no workflow
  const { workflowId, runId } = execution;
  const client = context.client;
  const others: string[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = ${quote(workflowId)}` })) {
    if (run.runId !== runId) others.push(run.runId);
  }
  if (others.length === 0) return NONE;
  const found: EarlierRuns = { sends: [] };
  for (const other of others.reverse()) {
    if (!context.info.isLocal) context.heartbeat(); // a local activity has no heartbeat (core warns on each)
    await readRun(client, workflowId, other, activityType, found);
  }
  return found;
}

/** Failure types of a send that provably placed nothing at the provider. */
const PLACED_NOTHING = new Set<string>([
  FAILURE_TYPES.rejected,
  FAILURE_TYPES.unavailable,
  FAILURE_TYPES.rateLimited,
  FAILURE_TYPES.credentialsRefused,
]);

/**
 * What an earlier run of this order placed with `activityType`, for a call the provider
 * cannot deduplicate: the result of a run that completed (`runResult`), or of a send that
 * answered (`sendResult`); these stand even after an operator's `reconcile`. A send that may
 * have landed without an answer throws AmbiguousOutcome with `unknownSend`'s message, so the
 * workflow finds out (or parks) before sending a second one, unless `unknownSettled` says an
 * operator or a provider look-up has already settled it. Undefined: nothing may have landed.
 */
export async function placedByEarlierRun(
  activityType: string,
  options: { unknownSettled: boolean; unknownSend: (send: EarlierSend) => string },
): Promise<{ runResult: unknown } | { sendResult: unknown } | undefined> {
  const { sends, completedResult } = await earlierRuns(activityType);
  if (completedResult !== undefined) return { runResult: completedResult };
  const answered = sends.find((send) => send.outcome === 'completed');
  if (answered) return { sendResult: answered.result };
  const unknown = sends.find((send) => send.outcome === 'unknown' || !PLACED_NOTHING.has(send.failureType ?? ''));
  if (!unknown || options.unknownSettled) return undefined;
  throw ApplicationFailure.create({
    type: FAILURE_TYPES.ambiguous,
    message: options.unknownSend(unknown),
    nonRetryable: true,
  });
}

async function readRun(
  client: Client,
  workflowId: string,
  runId: string,
  activityType: string,
  found: EarlierRuns,
): Promise<void> {
  const converter = client.options.loadedDataConverter;
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const sends = new Map<number, EarlierSend>();
  for (const event of history.events ?? []) {
    const id = Number(event.eventId);
    const local = await localActivityOutcome(client, event.markerRecordedEventAttributes, activityType);
    if (local) {
      sends.set(id, { runId, ...local });
      continue;
    }
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === activityType) {
      sends.set(id, {
        runId,
        input: await decodeFromPayloadsAtIndex(converter, 0, scheduled.input?.payloads),
        outcome: 'unknown',
      });
      continue;
    }
    const completed = event.activityTaskCompletedEventAttributes;
    const failed = event.activityTaskFailedEventAttributes;
    const send = sends.get(Number((completed ?? failed)?.scheduledEventId ?? 0));
    if (send && completed)
      Object.assign(send, {
        outcome: 'completed',
        result: await decodeFromPayloadsAtIndex(converter, 0, completed.result?.payloads),
      });
    if (send && failed) Object.assign(send, { outcome: 'failed', ...(await describeFailure(client, failed.failure)) });
    const done = event.workflowExecutionCompletedEventAttributes;
    if (done) found.completedResult = await decodeFromPayloadsAtIndex(converter, 0, done.result?.payloads);
  }
  found.sends.push(...sends.values());
}

/**
 * A local attempt of `activityType` (workflows/local-first.ts), from core's local-activity
 * marker: its data names the activity type and its details hold the result, or its failure
 * says why. A marker is written only once the local attempts ended, so an attempt in flight
 * when the run ended leaves none; only calls the provider deduplicates run local first, so
 * such an attempt is no send a later run must find. Its input is not recorded.
 */
async function localActivityOutcome(
  client: Client,
  marker: temporal.api.history.v1.IMarkerRecordedEventAttributes | null | undefined,
  activityType: string,
): Promise<Omit<EarlierSend, 'runId'> | undefined> {
  if (marker?.markerName !== LOCAL_ACTIVITY_MARKER) return undefined;
  const converter = client.options.loadedDataConverter;
  const data = await decodeFromPayloadsAtIndex<{ activity_type?: string }>(
    converter,
    0,
    marker.details?.data?.payloads,
  );
  if (data?.activity_type !== activityType) return undefined;
  if (marker.failure)
    return { input: undefined, outcome: 'failed', ...(await describeFailure(client, marker.failure)) };
  const result = await decodeFromPayloadsAtIndex(converter, 0, marker.details?.result?.payloads);
  return { input: undefined, outcome: 'completed', result };
}

/** The marker name the SDK's core records a local activity's outcome under. */
export const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

async function describeFailure(
  client: Client,
  failure: temporal.api.failure.v1.IFailure | null | undefined,
): Promise<Pick<EarlierSend, 'failureType' | 'failureMessage'>> {
  const error = await decodeOptionalFailureToOptionalError(client.options.loadedDataConverter, failure ?? undefined);
  return {
    failureType: error instanceof ApplicationFailure ? (error.type ?? undefined) : undefined,
    failureMessage: error?.message,
  };
}

/** A visibility-query string literal (a workflow ID from another client may hold quotes). */
function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
