/**
 * The two paths of a giftflow order the benchmark compares on one build (workflows/local-first.ts):
 * the fast path (provider calls the provider deduplicates run local first) and today's path
 * (every provider call a regular activity), chosen per order by the memo field the workflow reads
 * at start. Next to them the new floor: the fast path's shape with empty activities.
 */
import { Client, type ClientOptions, type WorkflowClientInterceptor } from '@temporalio/client';
import { GiftflowClient } from '../../client';
import { PROVIDER_CALLS_MEMO } from '../../workflows/local-first';

/** A giftflow client whose orders keep every provider call on a regular activity (today's path). */
export function todayPathClient(options: ClientOptions): GiftflowClient {
  const regular: WorkflowClientInterceptor = {
    startWithDetails: (input, next) =>
      next({
        ...input,
        options: { ...input.options, memo: { ...input.options.memo, [PROVIDER_CALLS_MEMO]: 'regular' } },
      }),
  };
  return new GiftflowClient(new Client({ ...options, interceptors: { ...options.interceptors, workflow: [regular] } }));
}

/** The Flexybox fast path's shape: four provider calls local first, the commit (the point of no return) regular. */
export const FLEXYBOX_FAST_SHAPE = { local: 4, regular: 1 };

/** What one kind of order (a block tally of scripts/bench.ts) measured. */
interface Measured {
  count: number;
  latencies: number[];
  perSecond(): number;
  cpuMsPerOrder(part: 'server' | 'worker'): number;
}

/** The row's columns for today's path and the new floor, next to the fast path (`giftflow`). */
export function pathColumns(
  fast: Measured,
  today: Measured,
  newFloor: Measured,
  percentile: (values: number[], p: number) => number,
): Record<string, number> {
  return {
    todayPerSecond: today.perSecond(),
    newFloorPerSecond: newFloor.perSecond(),
    speedupOverToday: fast.perSecond() / today.perSecond(),
    ratioToNewFloor: fast.perSecond() / newFloor.perSecond(),
    todayP50Ms: percentile(today.latencies, 50),
    todayP95Ms: percentile(today.latencies, 95),
    todayP99Ms: percentile(today.latencies, 99),
    newFloorP50Ms: percentile(newFloor.latencies, 50),
    todayServerCpuMs: today.cpuMsPerOrder('server'),
    newFloorServerCpuMs: newFloor.cpuMsPerOrder('server'),
    todayWorkerCpuMs: today.cpuMsPerOrder('worker'),
    newFloorWorkerCpuMs: newFloor.cpuMsPerOrder('worker'),
  };
}

/**
 * Workflow tasks per order and how many of them timed out, for each path: a timeout there is
 * a task the worker held past the order's workflow-task timeout (client/index.ts), the cost of
 * setting it short. Read from the orders' histories after the row is measured.
 */
export async function workflowTaskColumns(
  client: Client,
  paths: { giftflow: string[]; today: string[] },
): Promise<Record<string, number>> {
  const columns: Record<string, number> = {};
  for (const [name, workflowIds] of Object.entries(paths)) {
    let tasks = 0;
    let timeouts = 0;
    for (const workflowId of workflowIds) {
      for (const event of (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? []) {
        if (event.workflowTaskStartedEventAttributes) tasks++;
        if (event.workflowTaskTimedOutEventAttributes) timeouts++;
      }
    }
    columns[`${name}TasksPerOrder`] = tasks / Math.max(1, workflowIds.length);
    columns[`${name}TaskTimeouts`] = timeouts;
  }
  return columns;
}
