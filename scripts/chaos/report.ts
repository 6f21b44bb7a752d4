/**
 * The chaos run's verdict: each submitted order's outcome checked against the sandbox ledger
 * and against Temporal's executions, tallied per provider workflow.
 */
import { KINDS, ledgerEntries, type Kind, type PlannedOrder } from './plan';
import { describeResets, type Executions, type ResetRecord } from './resets';

export interface Outcome {
  status: 'completed' | 'refused' | 'failed' | 'open' | 'not-started';
  result?: unknown;
  error?: string;
  submittedAt: number;
  finishedAt?: number;
}

export interface Row {
  workflow: string;
  submitted: number;
  resubmitted: number;
  completed: number;
  refused: number;
  reconciled: number;
  /** Orders the operator reset (a new run under the same workflow ID). */
  resets: number;
  /** Retries of orders parked in needs-attention. */
  retries: number;
  duplicates: number;
  lost: number;
  open: number;
  wallSeconds: number;
}

export interface Verdict {
  rows: Row[];
  /** One line per order that is a duplicate, lost or open, saying why. */
  problems: string[];
}

/** What the operator did besides answering reconciliations: resets and retries, per workflow ID. */
export interface OperatorActions {
  reconciled: Set<string>;
  resets: Map<string, ResetRecord[]>;
  retries: Map<string, number>;
}

/**
 * A duplicate: the provider holds more than one of what the order creates (a reset run that
 * placed the order again shows here), or Temporal ran the order's workflow ID more than once
 * (two runs each started on its own; a run made by a reset or a retry of an earlier run
 * continues that order and does not count). The outcome is the newest run's. Lost: anything else that is not accounted for: an order
 * that completed without exactly its entry in the ledger, was refused yet left one, failed
 * for any other reason than a provider refusal, or was never started. Open: still running.
 */
export function judge(
  orders: PlannedOrder[],
  outcomes: Outcome[],
  ledger: unknown,
  executions: Map<string, Executions>,
  actions: OperatorActions,
): Verdict {
  const problems: string[] = [];
  const rows = new Map<Kind, Row>(KINDS.map((kind) => [kind, emptyRow(kind)]));
  const span = new Map<Kind, { from: number; to: number }>();
  orders.forEach((order, index) => {
    const outcome = outcomes[index];
    const row = rows.get(order.kind)!;
    row.submitted += 1;
    if (order.resubmitAt !== undefined) row.resubmitted += 1;
    if (outcome.status === 'completed') row.completed += 1;
    if (outcome.status === 'refused') row.refused += 1;
    if (actions.reconciled.has(order.workflowId)) row.reconciled += 1;
    const resets = actions.resets.get(order.workflowId);
    if (resets?.length) row.resets += 1;
    row.retries += actions.retries.get(order.workflowId) ?? 0;
    const window = span.get(order.kind) ?? { from: Infinity, to: 0 };
    span.set(order.kind, {
      from: Math.min(window.from, outcome.submittedAt),
      to: Math.max(window.to, outcome.finishedAt ?? Date.now()),
    });

    const { entries, matches } = ledgerEntries(order, outcome.result, ledger);
    const { runs, starts } = executions.get(order.workflowId) ?? { runs: 0, starts: 0 };
    const ref = `${order.kind} ${order.workflowId}`;
    const acted = [
      describeResets(resets),
      actions.retries.has(order.workflowId) ? `${actions.retries.get(order.workflowId)} retries` : '',
    ]
      .filter(Boolean)
      .join('; ');
    const context = acted ? ` [${acted}]` : '';
    if (entries > 1 || starts > 1) {
      row.duplicates += 1;
      problems.push(
        `DUPLICATE ${ref}: ${entries} ledger entries, ${runs} workflow executions (${starts} started on their own)${context}`,
      );
    } else if (outcome.status === 'open') {
      row.open += 1;
      problems.push(`OPEN ${ref}: still running${outcome.error ? ` (${outcome.error})` : ''}${context}`);
    } else if (!((outcome.status === 'completed' && matches) || (outcome.status === 'refused' && entries === 0))) {
      row.lost += 1;
      problems.push(
        `LOST ${ref}: ${outcome.status}${outcome.error ? ` (${outcome.error})` : ''}, ${entries} ledger entries${entries === 1 && !matches ? ' not matching the result' : ''}${context}`,
      );
    }
  });
  for (const [kind, window] of span) rows.get(kind)!.wallSeconds = (window.to - window.from) / 1000;
  const all = emptyRow('all');
  for (const row of rows.values()) {
    for (const key of COUNTS) all[key] += row[key];
  }
  all.wallSeconds = Math.max(...[...rows.values()].map((row) => row.wallSeconds));
  return { rows: [...rows.values(), all], problems };
}

const COUNTS = [
  'submitted',
  'resubmitted',
  'completed',
  'refused',
  'reconciled',
  'resets',
  'retries',
  'duplicates',
  'lost',
  'open',
] as const;

function emptyRow(workflow: string): Row {
  return {
    workflow,
    submitted: 0,
    resubmitted: 0,
    completed: 0,
    refused: 0,
    reconciled: 0,
    resets: 0,
    retries: 0,
    duplicates: 0,
    lost: 0,
    open: 0,
    wallSeconds: 0,
  };
}

/** The rows as an aligned text table, the workflow column left-aligned and the counts right-aligned. */
export function formatTable(rows: Row[]): string {
  const columns = ['workflow', ...COUNTS, 'wall s'];
  const cells = rows.map((row) => [row.workflow, ...COUNTS.map((key) => String(row[key])), row.wallSeconds.toFixed(1)]);
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => line[i].length)));
  const line = (values: string[]) =>
    values.map((value, i) => (i === 0 ? value.padEnd(widths[i]) : value.padStart(widths[i]))).join('  ');
  return [line(columns), ...cells.map(line)].join('\n');
}
