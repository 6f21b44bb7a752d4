/**
 * `npm run chaos`: orders over every provider workflow on a real local stack while worker
 * processes are SIGKILLed, the dev server restarts, the sandbox fails and an operator resets
 * a share of the orders (while running and after completion) and retries parked ones, then a
 * check of every order against the sandbox ledger. Exits non-zero on any duplicate, lost or open
 * order. The seed replays the same orders and the same fault schedule (docs/chaos.md).
 */
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { closeHttpPools } from '../activities/http';
import { GiftflowClient } from '../client';
import { loadConfig } from '../config';
import { FAILURE_TYPES } from '../contracts/shared';
import { createDataConverter } from '../security/codec-keys';
import { faultHits, installSteadyFaults, runBursts } from './chaos/faults';
import { Operator } from './chaos/operator';
import { issueRedeemCards, planOrders, seededRandom, submit, type PlannedOrder } from './chaos/plan';
import { formatTable, judge, type Outcome } from './chaos/report';
import { countExecutions, planResets, Resetter } from './chaos/resets';
import { retryOnConnection, sleep } from './chaos/retry';
import { ChaosStack } from './chaos/stack';
import { formatKillTail, killTail } from './chaos/tail';

const ROOT = path.resolve(__dirname, '..');
const { values: args } = parseArgs({
  options: {
    orders: { type: 'string', default: '500' },
    workers: { type: 'string', default: '2' },
    'kill-every': { type: 'string', default: '8' },
    'error-rate': { type: 'string', default: '0.1' },
    'drop-rate': { type: 'string', default: '0.05' },
    seed: { type: 'string' },
    'no-server-restart': { type: 'boolean', default: false },
    timeout: { type: 'string', default: '900' },
    'reset-rate': { type: 'string', default: '0.05' },
  },
});

const started = Date.now();
function log(message: string): void {
  process.stderr.write(`[chaos +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

function numberArg(name: keyof typeof args, min: number, max: number, integer: boolean): number {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new Error(
      `--${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got '${args[name]}'`,
    );
  }
  return value;
}

async function main(): Promise<number> {
  const count = numberArg('orders', 1, 100_000, true);
  const workerCount = numberArg('workers', 1, 16, true);
  const killEvery = numberArg('kill-every', 0, 3600, false);
  const errorRate = numberArg('error-rate', 0, 0.9, false);
  const dropRate = numberArg('drop-rate', 0, 1 - errorRate, false);
  const timeoutMs = numberArg('timeout', 10, 86_400, false) * 1000;
  const resetRate = numberArg('reset-rate', 0, 1, false);
  const seed = args.seed === undefined ? randomInt(2 ** 31) : numberArg('seed', 0, 2 ** 32 - 1, true);
  const restartServer = !args['no-server-restart'];
  const replay = `npm run chaos -- --seed ${seed} --orders ${count} --workers ${workerCount} --kill-every ${killEvery} --error-rate ${errorRate} --drop-rate ${dropRate} --reset-rate ${resetRate}${restartServer ? '' : ' --no-server-restart'}`;
  log(`seed ${seed} (replay: ${replay})`);

  // Submissions are spread over a window (at least 10 s) so kills, the restart and bursts meet orders at every step.
  const windowMs = Math.max(10_000, count * 100);
  const run = `${seed.toString(36)}-${Date.now().toString(36)}`;
  const orders = planOrders(count, seededRandom(seed), run, windowMs);
  planResets(orders, resetRate, seededRandom(seed ^ 0x3c6ef372));
  const killRandom = seededRandom(seed ^ 0x5bd1e995);
  const burstRandom = seededRandom(seed ^ 0x27d4eb2f);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'giftflow-chaos-'));
  const codecKeys = `chaos:${randomBytes(32).toString('base64')}`;
  const cli = process.env.TEMPORAL_CLI ?? path.join(ROOT, '.tools', 'bin', 'temporal');
  log(`starting dev server (SQLite in ${dir}), sandbox and ${workerCount} workers...`);
  const stack = await ChaosStack.start({ cli, dir, workers: workerCount, codecKeys, log });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const giftflow = new GiftflowClient(
    new Client({ connection, dataConverter: await createDataConverter({ GIFTFLOW_CODEC_KEYS: codecKeys }) }),
  );
  let ok = false;
  try {
    await issueRedeemCards(orders, loadConfig(stack.workerEnv));
    await installSteadyFaults(stack, { errorRate, dropRate });
    log(
      `submitting ${count} orders over ${windowMs / 1000} s: ${summarizeKinds(orders)}; ${orders.filter((o) => o.reset).length} to be reset`,
    );

    const t0 = Date.now();
    const deadline = t0 + timeoutMs;
    let settled = false;
    // Kills and bursts stop after the storm: kept up while only a few orders are left, they would
    // all land on those few and stretch the run without testing anything new.
    const stormEnd = t0 + windowMs * 1.5;
    const stormOver = () => Date.now() > stormEnd && (killEvery === 0 || stack.events.workerKills > 0);
    /** When each worker was SIGKILLed, for the tail of the orders that were on it. */
    const kills: number[] = [];
    const operator = new Operator(giftflow, stack, log);
    const resetter = new Resetter(giftflow, log);
    const loops = [
      operator.run(() => settled),
      runBursts(stack, burstRandom, 5_000, stormOver),
      killEvery > 0 ? killWorkers(stack, killRandom, killEvery * 1000, stormOver, kills) : undefined,
    ];
    const restart = restartServer
      ? sleep(windowMs / 2).then(async () => {
          log('stopping the dev server...');
          const downtime = await stack.restartServer();
          log(`dev server back on the same SQLite file after ${(downtime / 1000).toFixed(1)} s`);
        })
      : undefined;

    const resubmissions: Promise<string | undefined>[] = [];
    const outcomes = await Promise.all(
      orders.map(async (order) => {
        await sleep(t0 + order.at - Date.now());
        if (order.resubmitAt !== undefined) resubmissions.push(resubmit(giftflow, order, t0, deadline));
        return drive(giftflow, order, deadline, resetter);
      }),
    );
    log('every order has an outcome');
    await restart;
    settled = true;
    await Promise.all(loops);
    const resubmitErrors = (await Promise.all(resubmissions)).filter((error): error is string => error !== undefined);

    const hits = await faultHits(stack);
    await stack.control('DELETE', '/faults');
    const ledger = await stack.control('GET', '/ledger');
    const executions = await retryOnConnection(() => countExecutions(giftflow), Date.now() + 60_000);
    const verdict = judge(orders, outcomes, ledger, executions, {
      reconciled: new Set(operator.answers.keys()),
      resets: resetter.done,
      retries: operator.retries,
    });
    const answers = [...operator.answers.values()].flat();
    const resets = [...resetter.done.values()].flat();
    const sum = (counts: Iterable<number>) => [...counts].reduce((a, b) => a + b, 0);
    const runs = sum([...executions.values()].map((e) => e.runs));
    const starts = sum([...executions.values()].map((e) => e.starts));

    process.stdout.write(`\n${formatTable(verdict.rows)}\n\n`);
    process.stdout.write(
      `chaos: ${stack.events.workerKills} worker kills, ${stack.events.workerExits} other worker exits, ` +
        `${stack.events.serverRestarts} server restarts (down ${stack.events.serverDowntimeMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ') || '-'}), ` +
        `faults ${Object.entries(hits)
          .map(([kind, n]) => `${kind} ×${n}`)
          .join(', ')}\n` +
        `operator: ${answers.filter((a) => a === 'created').length} answered created, ${answers.filter((a) => a === 'not-created').length} answered not-created ` +
        `(${sum(operator.earlierRunAnswers.values())} parked by an earlier run), ${sum(operator.retries.values())} retries of orders in needs-attention\n` +
        `resets: ${resets.filter((r) => r.when === 'while running').length} while running, ${resets.filter((r) => r.when === 'after completion').length} after completion` +
        `${resetter.refused.length ? `, ${resetter.refused.length} failed` : ''} (of ${orders.filter((o) => o.reset).length} planned at --reset-rate ${resetRate}); ` +
        `${runs} workflow runs, ${runs - starts} of them made by a reset or a retry of another run\n` +
        `resubmissions: ${orders.filter((o) => o.resubmitAt !== undefined).length} sent again with the same reference, ${resubmitErrors.length} refused\n`,
    );
    process.stdout.write(
      formatKillTail(await retryOnConnection(() => killTail(giftflow, orders, outcomes, kills), Date.now() + 60_000)),
    );
    for (const problem of [...verdict.problems, ...resubmitErrors, ...resetter.refused].slice(0, 30))
      process.stdout.write(`  ${problem}\n`);
    ok = verdict.problems.length === 0 && resubmitErrors.length === 0 && resetter.refused.length === 0;
    process.stdout.write(`${ok ? 'PASS' : 'FAIL'}: seed ${seed}; replay with: ${replay}\n`);
    if (!ok) process.stdout.write(`logs of the dev server, sandbox and workers: ${dir}\n`);
    return ok ? 0 : 1;
  } finally {
    await connection.close();
    await closeHttpPools();
    await stack.stop();
    if (ok) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Submits one order (again on connection errors: the same reference attaches) and waits for its
 * outcome, which is the outcome of its newest run: an operator reset while it runs ends the run
 * waited on (terminated) and one after completion starts another, so the wait goes on with the
 * run the reset made.
 */
async function drive(
  giftflow: GiftflowClient,
  order: PlannedOrder,
  deadline: number,
  resetter: Resetter,
): Promise<Outcome> {
  const submittedAt = Date.now();
  try {
    await retryOnConnection(() => submit(giftflow, order), deadline);
  } catch (error) {
    return { status: 'not-started', error: (error as Error).message, submittedAt, finishedAt: Date.now() };
  }
  const plan = order.reset;
  // A reset while running goes on beside the wait; when the order ended before it came, it resets the ended run instead.
  let pending =
    plan?.mode === 'running' ? sleep(plan.delayMs).then(() => resetter.reset(order, deadline, false)) : undefined;
  for (;;) {
    const runId = resetter.latestRun(order.workflowId);
    const outcome = await waitForRun(giftflow, order.workflowId, runId, submittedAt, deadline);
    if (pending) {
      await pending;
      pending = undefined;
    }
    if (resetter.latestRun(order.workflowId) !== runId) continue;
    if (
      plan?.mode === 'completed' &&
      outcome.status === 'completed' &&
      !resetter.done.has(order.workflowId) &&
      Date.now() < deadline
    ) {
      await sleep(plan.delayMs);
      await resetter.reset(order, deadline, true);
      if (resetter.latestRun(order.workflowId) !== runId) continue;
    }
    return outcome;
  }
}

/** The outcome of one run of the order (`runId`), or of its current run when undefined. */
async function waitForRun(
  giftflow: GiftflowClient,
  workflowId: string,
  runId: string | undefined,
  submittedAt: number,
  deadline: number,
): Promise<Outcome> {
  const result = retryOnConnection(
    () => giftflow.temporal.workflow.getHandle(workflowId, runId).result(),
    deadline,
  ).then(
    (value): Outcome => ({ status: 'completed', result: value, submittedAt, finishedAt: Date.now() }),
    (error: unknown): Outcome => {
      if (!(error instanceof WorkflowFailedError))
        return { status: 'open', error: (error as Error).message, submittedAt };
      const cause = error.cause as (Error & { type?: string }) | undefined;
      return {
        status: cause?.type === FAILURE_TYPES.rejected ? 'refused' : 'failed',
        error: cause?.message ?? error.message,
        submittedAt,
        finishedAt: Date.now(),
      };
    },
  );
  const timedOut = sleep(deadline - Date.now()).then((): Outcome => ({
    status: 'open',
    error: 'no outcome before --timeout',
    submittedAt,
  }));
  return Promise.race([result, timedOut]);
}

/** A caller sending the same order again: it must attach to the running or finished order. */
async function resubmit(
  giftflow: GiftflowClient,
  order: PlannedOrder,
  t0: number,
  deadline: number,
): Promise<string | undefined> {
  await sleep(t0 + order.resubmitAt! - Date.now());
  return retryOnConnection(() => submit(giftflow, order), deadline).then(
    () => undefined,
    (error: unknown) => `RESUBMISSION of ${order.kind} ${order.ref} refused: ${(error as Error).message}`,
  );
}

async function killWorkers(
  stack: ChaosStack,
  random: () => number,
  everyMs: number,
  done: () => boolean,
  kills: number[],
): Promise<void> {
  while (!done()) {
    await sleep(everyMs * (0.5 + random()));
    if (done()) return;
    const victim = stack.killWorker((n) => Math.floor(random() * n));
    if (victim) kills.push(Date.now());
    log(victim ? `SIGKILL ${victim}; a new worker starts` : 'no worker ready to kill yet');
  }
}

function summarizeKinds(orders: PlannedOrder[]): string {
  const counts = new Map<string, number>();
  for (const order of orders) counts.set(order.kind, (counts.get(order.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${kind} ${n}`).join(', ');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[chaos] failed: ${(error as Error).stack ?? error}\n`);
    process.exit(2);
  },
);
