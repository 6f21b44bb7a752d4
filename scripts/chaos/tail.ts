/**
 * The chaos run's tail: how long orders took that were on a worker when it was SIGKILLed. Such
 * an order waits for the server to give its workflow task to another worker: the sticky queue's
 * schedule-to-start timeout (workers/giftflow-workers.ts) for a task not yet picked up, the
 * workflow task timeout for one in progress (a local activity in flight), an activity's
 * heartbeat timeout for a regular activity in flight. The history's timeout events say which.
 */
import { temporal } from '@temporalio/proto';
import type { GiftflowClient } from '../../client';
import { percentile } from '../bench/measure';
import type { PlannedOrder } from './plan';
import type { Outcome } from './report';

export interface KillTail {
  /** Orders that completed after being in flight at a kill and show a timeout event after it. */
  affected: number;
  p50Seconds: number;
  p99Seconds: number;
  /** The same figures for every other completed order. */
  othersP50Seconds: number;
  othersP99Seconds: number;
  /** Timeout events after a kill in the affected orders' histories, by kind, with the median wait each cost. */
  timeouts: Record<string, { count: number; medianWaitSeconds: number }>;
  /** From the kill to the order's next workflow task start on a live worker: how long it stood still. */
  resumedP50Seconds: number;
  resumedP99Seconds: number;
}

interface Found {
  /** Timeout kind and the seconds from its task's scheduling (or start) to the timeout. */
  timeouts: { kind: string; waitSeconds: number }[];
  resumedSeconds?: number;
}

const { EventType, TimeoutType } = temporal.api.enums.v1;

export async function killTail(
  giftflow: GiftflowClient,
  orders: PlannedOrder[],
  outcomes: Outcome[],
  kills: number[],
): Promise<KillTail> {
  const affected: number[] = [];
  const others: number[] = [];
  const waits = new Map<string, number[]>();
  const resumed: number[] = [];
  for (const [index, order] of orders.entries()) {
    const outcome = outcomes[index];
    if (outcome.status !== 'completed' || outcome.finishedAt === undefined) continue;
    const seconds = (outcome.finishedAt - outcome.submittedAt) / 1000;
    const during = kills.filter((at) => at > outcome.submittedAt && at < outcome.finishedAt!);
    const found: Found = during.length
      ? await timeoutsAfter(giftflow, order.workflowId, Math.min(...during))
      : { timeouts: [] };
    (found.timeouts.length ? affected : others).push(seconds);
    for (const { kind, waitSeconds } of found.timeouts) waits.set(kind, [...(waits.get(kind) ?? []), waitSeconds]);
    if (found.timeouts.length && found.resumedSeconds !== undefined) resumed.push(found.resumedSeconds);
  }
  const timeouts = Object.fromEntries(
    [...waits].map(([kind, list]) => [kind, { count: list.length, medianWaitSeconds: percentile(list, 50) }]),
  );
  return {
    affected: affected.length,
    // percentile() of none is NaN: printed as such, never mistaken for 0 s.
    p50Seconds: percentile(affected, 50),
    p99Seconds: percentile(affected, 99),
    othersP50Seconds: percentile(others, 50),
    othersP99Seconds: percentile(others, 99),
    timeouts,
    resumedP50Seconds: percentile(resumed, 50),
    resumedP99Seconds: percentile(resumed, 99),
  };
}

export function formatKillTail(tail: KillTail): string {
  const kinds =
    Object.entries(tail.timeouts)
      .map(
        ([kind, { count, medianWaitSeconds }]) => `${kind} ×${count} (median wait ${medianWaitSeconds.toFixed(1)} s)`,
      )
      .join(', ') || 'none';
  return (
    `killed-worker tail: ${tail.affected} orders were on a killed worker: completion p50 ${tail.p50Seconds.toFixed(1)} s, p99 ${tail.p99Seconds.toFixed(1)} s ` +
    `(other orders p50 ${tail.othersP50Seconds.toFixed(1)} s, p99 ${tail.othersP99Seconds.toFixed(1)} s); ` +
    `moved on to a live worker ${tail.resumedP50Seconds.toFixed(1)} s (p50), ${tail.resumedP99Seconds.toFixed(1)} s (p99) after the kill; timeouts after the kill: ${kinds}\n`
  );
}

async function timeoutsAfter(giftflow: GiftflowClient, workflowId: string, killedAt: number): Promise<Found> {
  const history = await giftflow.temporal.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const time = (event: temporal.api.history.v1.IHistoryEvent) =>
    Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
  const byId = new Map(events.map((event) => [String(event.eventId), event]));
  const found: Found = { timeouts: [] };
  for (const event of events) {
    if (time(event) < killedAt) continue;
    const since = (id: unknown) => (time(event) - time(byId.get(String(id)) ?? event)) / 1000;
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) {
      const attrs = event.workflowTaskTimedOutEventAttributes;
      const sticky = attrs?.timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START;
      found.timeouts.push({
        kind: sticky ? 'sticky schedule-to-start' : 'workflow task start-to-close',
        waitSeconds: since(sticky ? attrs?.scheduledEventId : attrs?.startedEventId),
      });
    } else if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT) {
      found.timeouts.push({
        kind: 'activity heartbeat/start-to-close',
        waitSeconds: since(event.activityTaskTimedOutEventAttributes?.startedEventId),
      });
    } else if (
      found.timeouts.length &&
      found.resumedSeconds === undefined &&
      event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED
    ) {
      found.resumedSeconds = (time(event) - killedAt) / 1000;
    }
  }
  return found;
}
