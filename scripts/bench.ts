/**
 * `npm run bench`: giftflow's cost next to its floor and its direct path, on one real stack
 * (dev server, sandbox, worker processes). Prints a table and writes the figures as JSON
 * to .artifacts/bench/. Targets are read off the table, never asserted.
 *
 *   (a) floor: a no-op workflow with as many no-op activities as the provider workflow;
 *   (b) direct: the provider's HTTP calls in sequence, without Temporal;
 *   giftflow at each concurrency: orders/s, p50/p95/p99 latency, worker CPU and RSS, and
 *   the CPU each order costs the dev server and the worker, next to the floor's;
 *   in flight: worker RSS with many orders held open at once.
 *
 * --server cluster measures the same table on the dev server and then on temporal-server +
 * PostgreSQL (`npm run cluster`, fresh in the run's scratch directory), with 1 and 2 giftflow
 * worker processes each (--workers).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { request } from 'undici';
import { createFlexyboxActivities } from '../activities/flexybox';
import { closeHttpPools } from '../activities/http';
import { GiftflowClient } from '../client';
import { loadConfig } from '../config';
import { sandboxUrls } from '../config/sandbox-urls';
import { flexyboxSeed } from '../sandbox/flexybox';
import { createDataConverter } from '../security/codec-keys';
import { FLOOR_TASK_QUEUE } from './bench/floor-worker';
import { FLEXYBOX_FAST_SHAPE, pathColumns, todayPathClient, workflowTaskColumns } from './bench/paths';
import { BenchProcess, percentile, runConcurrently } from './bench/measure';
import { SERVER_KINDS, startBenchServer, type ServerKind } from './bench/servers';
import { freePort } from './dev-server';

const ROOT = path.resolve(__dirname, '..');
const { values: args } = parseArgs({
  options: {
    orders: { type: 'string', default: '30,200,400' },
    concurrency: { type: 'string', default: '1,10,100' },
    'in-flight': { type: 'string', default: '1000' },
    sqlite: { type: 'string', default: 'wal' },
    'worker-heap-mb': { type: 'string' },
    // dev: the CLI's dev server only; cluster: the dev server, then temporal-server + PostgreSQL (`npm run cluster`).
    server: { type: 'string', default: 'dev' },
    // Giftflow worker processes, measured in turn on each server (default 1; with --server cluster 1,2).
    workers: { type: 'string' },
  },
});
const concurrencies = args.concurrency!.split(',').map(Number);
const orderCounts = args.orders!.split(',').map(Number);
const inFlight = Number(args['in-flight']);
const servers: ServerKind[] = args.server === 'cluster' ? ['dev', 'cluster'] : [args.server as ServerKind];
const workerCounts = (args.workers ?? (args.server === 'cluster' ? '1,2' : '1')).split(',').map(Number);
/** V8's old-space limit for the giftflow worker process; unset = Node's default (a share of the machine's memory). */
const workerHeapMb = args['worker-heap-mb'] === undefined ? undefined : Number(args['worker-heap-mb']);

const WARM_UP_ORDERS = 10;

/** The provider workflows measured, with their activity count for the floor. */
const FLEXYBOX = {
  provider: 'flexybox' as const,
  activities: 5,
  input: () => ({
    customer: { fullName: 'Bench Customer', email: 'bench@example.com' },
    departmentId: flexyboxSeed.departments.hotelNordlys.Id,
    certificates: [{ type: 'Gavekort', quantity: 1, price: 100 }],
  }),
};

async function main(): Promise<void> {
  if (!['wal', 'default', 'memory'].includes(args.sqlite!)) throw new Error('--sqlite must be wal, default or memory');
  if (workerHeapMb !== undefined && !(Number.isInteger(workerHeapMb) && workerHeapMb > 0))
    throw new Error('--worker-heap-mb must be a whole number of MB');
  if (!SERVER_KINDS.includes(args.server as ServerKind))
    throw new Error(`--server must be ${SERVER_KINDS.join(' or ')}`);
  if (!workerCounts.every((n) => Number.isInteger(n) && n > 0))
    throw new Error('--workers must list whole numbers of worker processes, e.g. 1,2');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'giftflow-bench-'));
  const codecKeys = `bench:${randomBytes(32).toString('base64')}`;
  const cli = process.env.TEMPORAL_CLI ?? path.join(ROOT, '.tools', 'bin', 'temporal');
  const sandboxUrl = `http://127.0.0.1:${await freePort()}`;
  const providerEnv = sandboxUrls(sandboxUrl);
  // Metrics off: two worker processes on one host would both bind the default metrics port.
  const env = {
    ...process.env,
    ...providerEnv,
    GIFTFLOW_CODEC_KEYS: codecKeys,
    GIFTFLOW_LOG_LEVEL: 'WARN',
    GIFTFLOW_METRICS_ADDRESS: 'off',
  };
  const sandbox = await BenchProcess.start(
    'sandbox',
    'sandbox/main.ts',
    { ...env, SANDBOX_PORT: new URL(sandboxUrl).port },
    'sandbox listening',
  );
  try {
    const direct = await measureDirect(Math.max(20, orderCounts[0]), loadConfig({ ...providerEnv }));
    const rows: Record<string, unknown>[] = [];
    const held: InFlight[] = [];
    // The dev server first, then the cluster: both measured in this run, on this machine's load.
    for (const kind of servers) {
      const measured = await benchServer(kind, { dir, cli, env, direct, sandboxUrl, codecKeys });
      rows.push(...measured.rows);
      held.push(...measured.held);
    }
    report(rows, held);
  } finally {
    await closeHttpPools();
    await sandbox.stop();
  }
}

interface InFlight {
  server: ServerKind;
  orders: number;
  workerPeakRssMb: number;
  drainSeconds: number;
}

/** Every concurrency on one fresh server, with each number of giftflow worker processes. */
async function benchServer(
  kind: ServerKind,
  ctx: { dir: string; cli: string; env: NodeJS.ProcessEnv; direct: number[]; sandboxUrl: string; codecKeys: string },
) {
  log(
    `${kind === 'dev' ? `dev server (sqlite: ${args.sqlite})` : 'cluster (temporal-server + PostgreSQL)'} and floor worker starting...`,
  );
  const server = await startBenchServer(kind, { cli: ctx.cli, dir: ctx.dir, sqlite: args.sqlite! });
  const env = { ...ctx.env, TEMPORAL_ADDRESS: server.address };
  const rows: Record<string, unknown>[] = [];
  const held: InFlight[] = [];
  let floorWorker: BenchProcess | undefined;
  let connection: Connection | undefined;
  try {
    floorWorker = await BenchProcess.start('floor', 'scripts/bench/floor-worker.ts', env, 'floor worker ready');
    connection = await Connection.connect({ address: server.address });
    const client = new Client({
      connection,
      dataConverter: await createDataConverter({ GIFTFLOW_CODEC_KEYS: ctx.codecKeys }),
    });
    const giftflow = new GiftflowClient(client);
    // Today's path for the same orders on the same build: every provider call a regular activity (scripts/bench/paths.ts).
    const today = todayPathClient({
      connection,
      dataConverter: await createDataConverter({ GIFTFLOW_CODEC_KEYS: ctx.codecKeys }),
    });
    const newFloorOrder = (label: string) => (i: number) =>
      client.workflow.execute('localFloorOrder', {
        taskQueue: FLOOR_TASK_QUEUE,
        workflowId: `bench-new-floor-${run}-${label}-${i}`,
        args: [FLEXYBOX_FAST_SHAPE],
      });
    const todayOrder = (label: string) => async (i: number) => {
      const handle = await today.startGiftOrder({
        provider: FLEXYBOX.provider,
        orderRef: `bench-today-${run}-${label}-${i}`,
        input: FLEXYBOX.input(),
      });
      await handle.result();
      return handle.workflowId;
    };
    const run = `${Date.now().toString(36)}-${kind}`;
    const floorOrder = (label: string) => (i: number) =>
      client.workflow.execute('floorOrder', {
        taskQueue: FLOOR_TASK_QUEUE,
        workflowId: `bench-floor-${run}-${label}-${i}`,
        args: [FLEXYBOX.activities],
      });
    const giftflowOrder = (label: string) => async (i: number) => {
      const handle = await giftflow.startGiftOrder({
        provider: FLEXYBOX.provider,
        orderRef: `bench-${run}-${label}-${i}`,
        input: FLEXYBOX.input(),
      });
      await handle.result();
      return handle.workflowId;
    };
    // Freshly started processes run their first orders unoptimised; those are not measured.
    await runConcurrently(WARM_UP_ORDERS, 1, floorOrder('warm-up'));
    for (const workerCount of workerCounts) {
      const workers = await Promise.all(
        Array.from({ length: workerCount }, () =>
          BenchProcess.start(
            'worker',
            'workers/main.ts',
            { ...env, GIFTFLOW_TASK_QUEUES: 'giftflow-flexybox', ...workerHeapOption() },
            'worker ready',
          ),
        ),
      );
      const giftflowWorkers = { cpuSeconds: () => workers.reduce((sum, worker) => sum + worker.cpuSeconds(), 0) };
      try {
        await runConcurrently(WARM_UP_ORDERS * workerCount, workerCount, giftflowOrder(`warm-up-${workerCount}`));
        for (const [index, concurrency] of concurrencies.entries()) {
          const count = orderCounts[Math.min(index, orderCounts.length - 1)];
          const floor = new Tally();
          const orders = new Tally();
          const todayOrders = new Tally();
          const newFloor = new Tally();
          for (const worker of workers) worker.resetPeakRss();
          // Floor, giftflow, giftflow, floor, half the orders each: drift over the run (a growing
          // database, a busy moment on the shared cores) then falls on both alike.
          // Today's path and the new floor alternate the same way around the fast path.
          const blocks = [
            [floor, floorOrder, floorWorker],
            [todayOrders, todayOrder, giftflowWorkers],
            [orders, giftflowOrder, giftflowWorkers],
            [newFloor, newFloorOrder, floorWorker],
            [newFloor, newFloorOrder, floorWorker],
            [orders, giftflowOrder, giftflowWorkers],
            [todayOrders, todayOrder, giftflowWorkers],
            [floor, floorOrder, floorWorker],
          ] as const;
          for (const [block, [tally, order, workerProcesses]] of blocks.entries()) {
            const cpuBefore = { server: server.cpuSeconds(), worker: workerProcesses.cpuSeconds() };
            const result = await runConcurrently(
              Math.ceil(count / 2),
              concurrency,
              order(`${workerCount}-${concurrency}-${block}`),
            );
            tally.add(result, {
              server: server.cpuSeconds() - cpuBefore.server,
              worker: workerProcesses.cpuSeconds() - cpuBefore.worker,
            });
          }
          rows.push({
            server: kind,
            workers: workerCount,
            provider: FLEXYBOX.provider,
            concurrency,
            orders: orders.count,
            floorPerSecond: floor.perSecond(),
            giftflowPerSecond: orders.perSecond(),
            throughputRatio: orders.perSecond() / floor.perSecond(),
            floorP50Ms: percentile(floor.latencies, 50),
            p50Ms: percentile(orders.latencies, 50),
            p95Ms: percentile(orders.latencies, 95),
            p99Ms: percentile(orders.latencies, 99),
            directP50Ms: percentile(ctx.direct, 50),
            latencyOverDirectMs: percentile(orders.latencies, 50) - percentile(ctx.direct, 50),
            floorServerCpuMs: floor.cpuMsPerOrder('server'),
            serverCpuMs: orders.cpuMsPerOrder('server'),
            floorWorkerCpuMs: floor.cpuMsPerOrder('worker'),
            workerCpuMs: orders.cpuMsPerOrder('worker'),
            workerCpuPercent: orders.cpuPercent('worker'),
            // The largest of the giftflow worker processes.
            workerPeakRssMb: Math.max(...workers.map((worker) => worker.peakRssMb())),
            ...pathColumns(orders, todayOrders, newFloor, percentile),
            ...(await workflowTaskColumns(client, { giftflow: orders.workflowIds, today: todayOrders.workflowIds })),
          });
          log(`${kind}, ${workerCount} worker(s), concurrency ${concurrency}: ${count} orders of each done`);
        }
        // The in-flight figure is about one worker's memory: measured with a single worker only.
        if (workerCount === 1) {
          const measured = await measureInFlight(giftflow, ctx.sandboxUrl, workers[0], run);
          if (measured) held.push({ server: kind, ...measured });
        }
      } finally {
        await Promise.all(workers.map((worker) => worker.stop()));
      }
    }
  } finally {
    await connection?.close();
    await floorWorker?.stop();
    await server.stop();
  }
  return { rows, held };
}

/** One kind of order (floor or giftflow) over several blocks: orders, time, latencies and CPU seconds by process. */
class Tally {
  count = 0;
  seconds = 0;
  latencies: number[] = [];
  /** The giftflow orders' workflow IDs (the floors' workflows return nothing). */
  workflowIds: string[] = [];
  private readonly cpu = { server: 0, worker: 0 };

  add(
    result: { latencies: number[]; seconds: number; values: unknown[] },
    cpu: { server: number; worker: number },
  ): void {
    this.count += result.latencies.length;
    this.workflowIds.push(...result.values.filter((value): value is string => typeof value === 'string'));
    this.seconds += result.seconds;
    this.latencies.push(...result.latencies);
    this.cpu.server += cpu.server;
    this.cpu.worker += cpu.worker;
  }

  perSecond(): number {
    return this.count / this.seconds;
  }

  cpuMsPerOrder(part: 'server' | 'worker'): number {
    return (this.cpu[part] * 1000) / this.count;
  }

  /** 100 = one core busy throughout these blocks. */
  cpuPercent(part: 'server' | 'worker'): number {
    return (this.cpu[part] / this.seconds) * 100;
  }
}

function workerHeapOption(): NodeJS.ProcessEnv {
  if (workerHeapMb === undefined) return {};
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${workerHeapMb}`.trim() };
}

/** The same HTTP calls as the workflow, in sequence, through the same HTTP layer, without Temporal. */
async function measureDirect(count: number, config: ReturnType<typeof loadConfig>): Promise<number[]> {
  const flexybox = createFlexyboxActivities(config);
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const input = FLEXYBOX.input();
    const lines = input.certificates.map((line) => ({ ...line, quantity: line.quantity ?? 1 }));
    const [types] = await Promise.all([
      flexybox.resolveFlexyboxCertificateTypes(lines),
      flexybox.checkFlexyboxDepartment(input.departmentId),
    ]);
    const [customerId, salesOrderId] = [randomUUID(), randomUUID()];
    await flexybox.upsertFlexyboxCustomer({ customerId, customer: { ...input.customer, countryCode: 'DK' } });
    const order = await flexybox.createFlexyboxSalesOrder({
      salesOrderId,
      customerId,
      departmentId: input.departmentId,
      lines: types.lines,
      currency: 'DKK',
      debitMethod: 'OnlinePayment',
    });
    await flexybox.commitFlexyboxSalesOrder({
      salesOrderId,
      payment: { id: randomUUID(), type: 'Mastercard', amount: order.total },
    });
    latencies.push(performance.now() - started);
  }
  return latencies;
}

/** Worker RSS with `inFlight` orders open at once: the sandbox holds every commit until all are in. */
async function measureInFlight(giftflow: GiftflowClient, sandboxUrl: string, worker: BenchProcess, run: string) {
  if (!inFlight) return undefined;
  const fault = { method: 'POST', path: '/commit$', kind: 'delay', delayMs: 20_000, times: 0 };
  await request(`${sandboxUrl}/__sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  worker.resetPeakRss();
  const handles = await runConcurrently(inFlight, 50, (i) =>
    giftflow.startGiftOrder({
      provider: FLEXYBOX.provider,
      orderRef: `bench-held-${run}-${i}`,
      input: FLEXYBOX.input(),
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const peakRssMb = worker.peakRssMb();
  await request(`${sandboxUrl}/__sandbox/faults`, { method: 'DELETE' });
  // How long the held orders take to finish once released: a small workflow cache replays evicted orders.
  const released = performance.now();
  await Promise.all(handles.values.map((handle) => handle.result()));
  const drainSeconds = (performance.now() - released) / 1000;
  log(
    `in flight: ${inFlight} orders held at once, worker peak RSS ${peakRssMb.toFixed(0)} MB, drained in ${drainSeconds.toFixed(0)} s`,
  );
  return { orders: inFlight, workerPeakRssMb: peakRssMb, drainSeconds };
}

function report(rows: Record<string, unknown>[], held: InFlight[]): void {
  const fmt = (value: unknown) =>
    typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toFixed(2)) : String(value);
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]).length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i])).join('  ');
  process.stdout.write(`\n${line(columns)}\n${rows.map((r) => line(columns.map((c) => fmt(r[c])))).join('\n')}\n`);
  const heap = workerHeapMb === undefined ? 'default heap' : `--max-old-space-size=${workerHeapMb}`;
  const cache = process.env.GIFTFLOW_MAX_CACHED_WORKFLOWS
    ? `, GIFTFLOW_MAX_CACHED_WORKFLOWS=${process.env.GIFTFLOW_MAX_CACHED_WORKFLOWS}`
    : '';
  for (const measured of held) {
    process.stdout.write(
      `\n${measured.server}: worker peak RSS with ${measured.orders} orders in flight (${heap}${cache}): ${measured.workerPeakRssMb.toFixed(0)} MB (target ≤ 300 MB); ` +
        `they finished ${measured.drainSeconds.toFixed(0)} s after release\n`,
    );
  }
  process.stdout.write(
    'targets: latencyOverDirectMs ≤ 60 at concurrency 1; at concurrency 100 speedupOverToday ≥ 3 and ratioToNewFloor ≥ 0.8 ' +
      "(giftflow* = the fast path, today* = every provider call a regular activity, newFloor* = the fast path's shape with empty activities)\n",
  );
  const outDir = path.join(ROOT, '.artifacts', 'bench');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ sqlite: args.sqlite, workerHeapMb, maxCachedWorkflows: process.env.GIFTFLOW_MAX_CACHED_WORKFLOWS, cpus: os.cpus().length, servers, rows, inFlight: held.find((m) => m.server === 'dev'), inFlightByServer: held }, null, 2)}\n`,
  );
  process.stdout.write(`figures written to ${path.relative(process.cwd(), file)}\n`);
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
