/**
 * The chaos run's operator resets: a seeded share of the orders is reset once, as an operator
 * would from the Web UI or `temporal workflow reset`, either while it runs (to a random
 * workflow task of its history so far) or after it completed (to its first workflow task, so
 * the whole order runs again). A reset creates a new run under the same workflow ID; the
 * order's outcome is the one of its newest run, and that run must find what the earlier ones
 * placed at the provider instead of placing it again (activities/earlier-runs.ts).
 */
import { randomUUID } from 'node:crypto';
import { RERUN_OF_MEMO } from '../../contracts/shared';
import type { GiftflowClient } from '../../client';
import type { Kind, PlannedOrder } from './plan';
import { retryOnConnection, sleep } from './retry';

/**
 * The workflows whose every irreversible step finds what an earlier run placed, so a reset at
 * any point is safe: Flexybox (the committed sales order), CP Extender issue (the card an
 * earlier run sent Create for), CP Extender redemption (the hold an earlier run placed, or
 * BalanceCheck History for a send of unknown outcome), Smart Gift (its voucher codes collide
 * and name the earlier order), Payway (the create an earlier run sent, or parks it for
 * reconciliation). Not reset: ID pools (giftpool-*): a reset run reserves a second batch,
 * which costs nothing but is not what the ledger check of a pool expects.
 */
export const RESETTABLE_KINDS: ReadonlySet<Kind> = new Set<Kind>([
  'flexybox',
  'cpextender-issue',
  'cpextender-redeem',
  'smartgift',
  'payway',
]);

/** What one reset did. */
export interface ResetRecord {
  /** Whether the run was still running when its history was read for the reset point. */
  when: 'while running' | 'after completion';
  eventId: number;
  /** Which workflow task of the run that event completed (1 = the first), and of how many completed so far. */
  task: number;
  of: number;
  fromRunId: string;
  runId: string;
}

/**
 * Picks round(rate × resettable orders) orders (seeded) and gives each a reset, every other one
 * while running. Orders sent with input the provider refuses are left out: they end without a
 * completion to reset after.
 */
export function planResets(orders: PlannedOrder[], rate: number, random: () => number): void {
  const candidates = orders.filter((order) => RESETTABLE_KINDS.has(order.kind) && !order.refused);
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  const count = Math.round(rate * candidates.length);
  candidates.slice(0, count).forEach((order, index) => {
    const mode = index % 2 === 0 ? 'running' : 'completed';
    order.reset = {
      mode,
      delayMs: Math.floor(random() * (mode === 'running' ? 500 : 2_000)),
      progress: 1 + Math.floor(random() * 4),
      pick: random(),
    };
  });
}

export class Resetter {
  /** Resets done, per workflow ID. */
  readonly done = new Map<string, ResetRecord[]>();
  /** Resets that the server refused, one line each. */
  readonly refused: string[] = [];

  constructor(
    private readonly giftflow: GiftflowClient,
    private readonly log: (message: string) => void,
  ) {}

  /** The run the last reset of this order created, if any: the run whose outcome counts. */
  latestRun(workflowId: string): string | undefined {
    return this.done.get(workflowId)?.at(-1)?.runId;
  }

  /**
   * Resets the order's current run: while it runs, once it completed `progress` workflow tasks,
   * to a random one of them (`pick`); once it ended, to `atFirstTask` ? its first : a random one.
   */
  async reset(order: PlannedOrder, deadline: number, atFirstTask: boolean): Promise<void> {
    const { workflowId } = order;
    const temporal = this.giftflow.temporal;
    try {
      for (;;) {
        const description = await retryOnConnection(() => temporal.workflow.getHandle(workflowId).describe(), deadline);
        const history = await retryOnConnection(
          () => temporal.workflow.getHandle(workflowId, description.runId).fetchHistory(),
          deadline,
        );
        // Event IDs as the history has them (int64 Longs), for the reset request.
        const points = (history.events ?? [])
          .filter((event) => event.workflowTaskCompletedEventAttributes)
          .map((event) => event.eventId!);
        const running = description.status.name === 'RUNNING';
        // Not as far as planned yet, or not a single workflow task completed (no worker up): look again shortly.
        if (points.length === 0 || (running && !atFirstTask && points.length < order.reset!.progress)) {
          if (Date.now() > deadline) throw new Error(`${points.length} workflow tasks completed before --timeout`);
          await sleep(150);
          continue;
        }
        const task =
          running || !atFirstTask ? Math.min(points.length - 1, Math.floor(order.reset!.pick * points.length)) : 0;
        const eventId = Number(points[task]);
        const when = running ? 'while running' : 'after completion';
        const requestId = randomUUID(); // the same for every try: a repeat after a lost answer is the same reset
        const { runId } = await retryOnConnection(
          () =>
            temporal.workflowService.resetWorkflowExecution({
              namespace: temporal.options.namespace,
              workflowExecution: { workflowId, runId: description.runId },
              workflowTaskFinishEventId: points[task],
              requestId,
              reason: `chaos: operator reset ${when} to event ${eventId}`,
            }),
          deadline,
        );
        const record: ResetRecord = {
          when,
          eventId,
          task: task + 1,
          of: points.length,
          fromRunId: description.runId,
          runId,
        };
        this.done.set(workflowId, [...(this.done.get(workflowId) ?? []), record]);
        this.log(
          `reset ${workflowId} ${when} to event ${eventId} (workflow task ${record.task} of ${record.of}): run ${description.runId} -> ${runId}`,
        );
        return;
      }
    } catch (error) {
      this.refused.push(`RESET of ${order.kind} ${order.ref} failed: ${(error as Error).message}`);
      this.log(`reset of ${workflowId} failed: ${(error as Error).message}`);
    }
  }
}

/** How a reset shows in a problem line. */
export function describeResets(records: ResetRecord[] | undefined): string {
  return (records ?? [])
    .map(
      (r) =>
        `reset ${r.when} to event ${r.eventId} (workflow task ${r.task} of ${r.of}), run ${r.fromRunId} -> ${r.runId}`,
    )
    .join('; ');
}

/** Runs of one workflow ID: how many, and how many a start of its own made (not a reset or a retry of another run). */
export interface Executions {
  runs: number;
  starts: number;
}

/**
 * Executions per workflow ID over every giftflow order in the server's visibility store. A run
 * made by a reset (its start event keeps the `originalExecutionRunId` of the run it was reset
 * from, another run of the same ID) or by `giftflow retry` of a failed run (memo
 * `giftflowRerunOf` naming another run of the same ID) continues that order; any other run is
 * a start of its own, and two of those mean Temporal ran the workflow ID twice.
 */
export async function countExecutions(giftflow: GiftflowClient): Promise<Map<string, Executions>> {
  const runs = new Map<string, { runId: string; rerunOf?: string }[]>();
  for await (const info of giftflow.temporal.workflow.list({ query: 'GiftProvider IS NOT NULL', pageSize: 1000 })) {
    const rerunOf = (info.memo?.[RERUN_OF_MEMO] as { runId?: string } | undefined)?.runId;
    runs.set(info.workflowId, [...(runs.get(info.workflowId) ?? []), { runId: info.runId, rerunOf }]);
  }
  const executions = new Map<string, Executions>();
  for (const [workflowId, list] of runs) {
    if (list.length === 1) {
      executions.set(workflowId, { runs: 1, starts: 1 });
      continue;
    }
    const ids = new Set(list.map((run) => run.runId));
    let starts = 0;
    for (const run of list) {
      if (run.rerunOf && run.rerunOf !== run.runId && ids.has(run.rerunOf)) continue;
      const original = await originalRunId(giftflow, workflowId, run.runId);
      if (original && original !== run.runId && ids.has(original)) continue;
      starts += 1;
    }
    executions.set(workflowId, { runs: list.length, starts });
  }
  return executions;
}

/** The run ID a run's start event was first written under: another run's when a reset made it. */
async function originalRunId(giftflow: GiftflowClient, workflowId: string, runId: string): Promise<string | undefined> {
  const temporal = giftflow.temporal;
  const response = await temporal.workflowService.getWorkflowExecutionHistory({
    namespace: temporal.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  return response.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId || undefined;
}
