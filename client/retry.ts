/**
 * `retry`: the one operator action for an order that is stuck, whatever its state.
 *
 *   parked (needs-attention)          the workflow's `retry` Update: the step runs again now
 *   running, a step in retry backoff  the activity is reset: its next attempt starts now
 *   FAILED, TERMINATED, TIMED_OUT     a new run under the same workflow ID, so the same
 *                                     provider IDs (optionally with a corrected input)
 *   COMPLETED, CANCELED               refused
 */
import {
  WorkflowExecutionAlreadyStartedError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { RERUN_OF_MEMO, retryUpdate, SEARCH_ATTRIBUTES, statusQuery, type Provider } from '../contracts/shared';
import { GiftOrderInputError, RERUNNABLE_STATUSES } from './errors';
import { ORDER_TYPES, type OrderProvider } from './orders';
import type { OrderStarter } from './starter';

/** Retry does not apply to the order in its state; the message says why and what to do instead. */
export class RetryRefusedError extends Error {
  override name = 'RetryRefusedError';
}

export interface RetryOutcome {
  workflowId: string;
  action: 'retried-parked-step' | 'hurried-backoff' | 'reran';
  /** What happened, in words for the operator. */
  message: string;
  /** For `reran`: the new run and the one it replaces. */
  runId?: string;
  rerunOf?: string;
}

export async function retryOrder(
  giftflow: OrderStarter,
  workflowId: string,
  options: { reason?: string; input?: unknown } = {},
): Promise<RetryOutcome> {
  const handle = giftflow.temporal.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const status = description.status.name;
  if (status === 'RUNNING') return retryRunning(giftflow, handle, description, options);
  if (RERUNNABLE_STATUSES.includes(status)) return rerun(giftflow, handle, description, options);
  if (status === 'COMPLETED')
    throw new RetryRefusedError(`order ${workflowId} is completed; there is nothing to retry`);
  if (status === 'CANCELLED') {
    throw new RetryRefusedError(
      `order ${workflowId} was cancelled, which is final; place a new order with a new reference if it is still wanted`,
    );
  }
  throw new RetryRefusedError(
    `order ${workflowId} is ${status}; retry applies to running, failed, terminated and timed-out orders`,
  );
}

async function retryRunning(
  giftflow: OrderStarter,
  handle: WorkflowHandle,
  description: WorkflowExecutionDescription,
  options: { reason?: string; input?: unknown },
): Promise<RetryOutcome> {
  const { workflowId } = handle;
  if (options.input !== undefined) {
    throw new RetryRefusedError(
      `--input: order ${workflowId} is still running and keeps its input; only a failed, terminated or timed-out order is re-run with a corrected one`,
    );
  }
  const order = await handle.query(statusQuery);
  if (order.state === 'needs-attention') {
    const reply = await handle.executeUpdate(retryUpdate, { args: [options.reason ? { reason: options.reason } : {}] });
    return { workflowId, action: 'retried-parked-step', message: reply.next };
  }
  if (order.state === 'needs-reconciliation') {
    throw new RetryRefusedError(
      `order ${workflowId} waits for a reconcile answer, not a retry: ${order.lastError ?? ''}`,
    );
  }
  // A step in backoff between attempts: reset the activity so its next attempt starts now, with fresh timeouts.
  const waiting = (description.raw.pendingActivities ?? []).filter(
    (activity) =>
      (activity.attempt ?? 1) > 1 &&
      activity.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED,
  );
  if (waiting.length === 0) {
    throw new RetryRefusedError(
      `order ${workflowId} is running step '${order.step}' and nothing waits to be retried; 'giftflow status ${workflowId}' shows its progress`,
    );
  }
  for (const activity of waiting) {
    await giftflow.temporal.workflowService.resetActivity({
      namespace: giftflow.temporal.options.namespace,
      execution: { workflowId, runId: description.runId },
      id: activity.activityId,
      resetHeartbeat: true,
      identity: giftflow.temporal.options.identity,
    });
  }
  const steps = waiting
    .map((activity) => `${activity.activityType?.name} (was waiting for attempt ${activity.attempt})`)
    .join(', ');
  return {
    workflowId,
    action: 'hurried-backoff',
    message: `step '${order.step}' is tried again now: ${steps}; its retry budget starts afresh`,
  };
}

/**
 * Starts the order again under its workflow ID: every provider-facing ID is derived from it, so
 * the new run sends the same IDs, and the activities of its irreversible steps find what the
 * failed run placed (activities/earlier-runs.ts). A corrected input is validated like a new
 * order's, and refused when the failed run may already have placed the order.
 */
async function rerun(
  giftflow: OrderStarter,
  handle: WorkflowHandle,
  description: WorkflowExecutionDescription,
  options: { reason?: string; input?: unknown },
): Promise<RetryOutcome> {
  const { workflowId } = handle;
  const provider = (Object.keys(ORDER_TYPES) as OrderProvider[]).find(
    (name) => ORDER_TYPES[name].workflowType === description.type,
  );
  if (!provider) {
    const types = Object.values(ORDER_TYPES)
      .map((order) => order.workflowType)
      .join(', ');
    throw new RetryRefusedError(`order ${workflowId} is a ${description.type}; retry re-runs the gift orders ${types}`);
  }
  let input = await originalInput(giftflow, handle);
  if (options.input !== undefined) {
    const pastPointOfNoReturn = await handle.query(statusQuery).then(
      (status) => status.pointOfNoReturn,
      (error: Error) => {
        throw new RetryRefusedError(
          `--input: cannot tell whether order ${workflowId} passed its point of no return (${error.message}); is a giftflow worker running?`,
        );
      },
    );
    if (pastPointOfNoReturn) {
      throw new RetryRefusedError(
        `--input: order ${workflowId} reached step '${pastPointOfNoReturn.step}', so ${pastPointOfNoReturn.mayExist} may exist; it is re-run with its own input only (run retry without --input)`,
      );
    }
    const parsed = ORDER_TYPES[provider].schema.safeParse(options.input);
    if (!parsed.success) {
      throw GiftOrderInputError.fromSchemaIssues(provider, parsed.error.issues);
    }
    input = parsed.data;
  }
  const attributes = description.typedSearchAttributes;
  try {
    const started = await giftflow.temporal.workflow.start(description.type, {
      workflowId,
      taskQueue: description.taskQueue,
      args: [input],
      // Only over a run that ended without completing; a completed or running order is never run twice.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      workflowIdConflictPolicy: 'FAIL',
      // The input fingerprint stays the caller's, so the backend's repeated start still attaches.
      memo: {
        ...description.memo,
        [RERUN_OF_MEMO]: {
          runId: description.runId,
          reason: options.reason ?? null,
          correctedInput: options.input !== undefined,
        },
      },
      typedSearchAttributes: [
        {
          key: SEARCH_ATTRIBUTES.provider,
          value: (attributes.get(SEARCH_ATTRIBUTES.provider) ?? provider) as Provider,
        },
        { key: SEARCH_ATTRIBUTES.orderRef, value: attributes.get(SEARCH_ATTRIBUTES.orderRef) ?? workflowId },
        { key: SEARCH_ATTRIBUTES.state, value: 'running' },
      ],
    });
    return {
      workflowId,
      action: 'reran',
      runId: started.firstExecutionRunId,
      rerunOf: description.runId,
      message: `order ${workflowId} (${description.status.name}) runs again with the same provider IDs${options.input !== undefined ? ' and the corrected input' : ''}`,
    };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError)
      throw new RetryRefusedError(
        `order ${workflowId} was started again meanwhile; see 'giftflow status ${workflowId}'`,
      );
    throw error;
  }
}

/** The input the order's run was started with, decoded (and decrypted) like any payload. */
async function originalInput(giftflow: OrderStarter, handle: WorkflowHandle): Promise<unknown> {
  const history = await handle.fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  return decodeFromPayloadsAtIndex(giftflow.temporal.options.loadedDataConverter, 0, started?.input?.payloads);
}
