/**
 * Runs the Temporal CLI's dev server (SQLite + Web UI) as a child process in its own process
 * group, with giftflow's search attributes registered.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_NAMES } from '../contracts/shared';

export interface DevServerOptions {
  cli: string;
  /** undefined = in-memory */
  dbFile?: string;
  /** With a dbFile: WAL journal and normal sync (default true); false keeps SQLite's defaults. */
  sqliteWal?: boolean;
  /** default 7233; 0 = pick a free port */
  port?: number;
  /** default port + 1000; 0, or undefined with port 0, = pick a free port */
  uiPort?: number;
  namespace?: string;
  logFile?: string;
  uiCodecEndpoint?: string;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
  /** Leader of the server's process group. */
  pid: number;
  /** Resolves with how the server process ended, e.g. "exited (1)". */
  exited: Promise<string>;
}

const HOST = '127.0.0.1';

/**
 * How giftflow's own processes (worker, sandbox, codec server) run: Node with tsx's CommonJS
 * hook only. `tsx script.ts` also installs the ES-module loader, which runs in a thread of its
 * own and costs every process ~30 MB of RSS; giftflow is CommonJS throughout. NODE_FLAGS also
 * apply to the Dockerfile and docker-compose worker.
 */
export function tsProcess(script: string, ...args: string[]): [string, string[]] {
  return [process.execPath, [...NODE_FLAGS, '--require', 'tsx/cjs', script, ...args]];
}

/**
 * V8's young generation (where short-lived objects start) may grow to 3 × 16 MB per isolate by
 * default, and the worker has two (main thread, workflow thread). At 2 MB semi-spaces the
 * worker's RSS under load is ~60 MB lower (bench: 1,000 orders in flight 407 -> ~300 MB)
 * at no measurable CPU cost per order.
 */
export const NODE_FLAGS = ['--max-semi-space-size=2'];

/**
 * History's task queues (transfer: every activity and workflow task handed to matching;
 * timer: retries and timeouts; visibility: search attributes) read new tasks at most 20
 * times a second by default. One order at a time then waits ~45 ms per step for its
 * task to be read; at 1,000/s the read is immediate (bench: p50 of the 5-activity floor
 * 550 -> 144 ms). Under load a read takes a whole batch, so the limit only bites when quiet.
 */
const QUEUE_POLL_RATES = ['transfer', 'timer', 'visibility'].map((queue) => `history.${queue}ProcessorMaxPollRPS=1000`);
const START_TIMEOUT_MS = 60_000;
// A child in its own process group is out of reach of a terminal's Ctrl-C, so it would outlive
// a parent that dies without stopping it (jest interrupted, a crash, SIGKILL). This shell
// stops it once its stdin pipe closes (the parent is gone), ignores the group's SIGTERM
// itself and exits only when the child has, with the child's status. (Background jobs get
// /dev/null as stdin, hence the copy on fd 3.)
const WATCHDOG = `exec 3<&0; "$@" & pid=$!; trap '' TERM; (cat <&3 >/dev/null; kill -TERM $pid 2>/dev/null) & wait $pid`;

/** Spawns `command` as the head of a new process group that dies with this process; stop it with stopGroup. */
export function spawnGroup(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; output: 'pipe' | 'ignore' | number },
): ChildProcess {
  const { cwd, env, output } = options;
  return spawn('/bin/sh', ['-c', WATCHDOG, command, command, ...args], {
    cwd,
    env,
    detached: true,
    stdio: ['pipe', output, output],
  });
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const port = opts.port === 0 ? await freePort() : (opts.port ?? 7233);
  const uiPort =
    opts.uiPort === 0 || (opts.uiPort === undefined && opts.port === 0)
      ? await freePort()
      : (opts.uiPort ?? port + 1000);
  const namespace = opts.namespace ?? 'default';
  const address = `${HOST}:${port}`;

  const args = ['server', 'start-dev', '--ip', HOST, '--port', `${port}`, '--ui-port', `${uiPort}`];
  if (opts.dbFile) {
    args.push('--db-filename', opts.dbFile);
    // WAL with normal sync: SQLite's defaults fsync every commit, which dominates a busy dev server (see docs/benchmark.md).
    if (opts.sqliteWal !== false)
      args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  for (const name of SEARCH_ATTRIBUTE_NAMES) args.push('--search-attribute', `${name}=Keyword`);
  for (const setting of QUEUE_POLL_RATES) args.push('--dynamic-config-value', setting);
  args.push('--log-level', 'warn', '--namespace', namespace);
  if (opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);

  const logFd = opts.logFile ? fs.openSync(opts.logFile, 'a') : undefined;
  const child = spawnGroup(opts.cli, args, { output: logFd ?? 'ignore' });
  if (logFd !== undefined) fs.closeSync(logFd);
  let died: string | undefined;
  const exited = processEnd(child).then((how) => (died = how));

  const stop = () => stopGroup(child);
  const fail = async (why: string): Promise<never> => {
    await stop();
    throw new Error(`Temporal dev server (${opts.cli} ${args.join(' ')}) ${why}${logTail(opts.logFile)}`);
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  let connection: Connection | undefined;
  while (!connection) {
    if (died) return fail(`${died} before answering on ${address}`);
    if (Date.now() > deadline) return fail(`did not answer on ${address} within ${START_TIMEOUT_MS / 1000} s`);
    connection = await tryConnect(address);
    if (!connection) await sleep(250);
  }
  try {
    await ensureSearchAttributes(connection, opts.cli, address, namespace, deadline);
  } catch (err) {
    return fail(`is missing search attributes: ${(err as Error).message}`);
  } finally {
    await connection.close();
  }
  return { address, uiUrl: `http://${HOST}:${uiPort}`, stop, pid: child.pid!, exited };
}

/** True once a Temporal frontend answers on `address`, false if none does within `timeoutMs`. */
export async function temporalAnswers(address: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const connection = await tryConnect(address, Math.min(2000, Math.max(100, deadline - Date.now())));
    if (connection) {
      await connection.close();
      return true;
    }
    if (Date.now() >= deadline) return false;
    await sleep(250);
  }
}

async function tryConnect(address: string, connectTimeout = 2000): Promise<Connection | undefined> {
  try {
    return await Connection.connect({ address, connectTimeout });
  } catch {
    return undefined;
  }
}

/**
 * `--search-attribute` covers a fresh server; this catches a reused DB file created without
 * them, and the namespace not being ready the moment the frontend first answers.
 */
async function ensureSearchAttributes(
  connection: Connection,
  cli: string,
  address: string,
  namespace: string,
  deadline: number,
) {
  let created = false;
  for (;;) {
    let missing: string[];
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      missing = SEARCH_ATTRIBUTE_NAMES.filter((name) => !customAttributes?.[name]);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(250);
      continue;
    }
    if (missing.length === 0) return;
    if (created) throw new Error(`still missing after creating them: ${missing.join(', ')}`);
    for (const name of missing) {
      await promisify(execFile)(cli, [
        'operator',
        'search-attribute',
        'create',
        '--name',
        name,
        '--type',
        'Keyword',
        '--address',
        address,
        '--namespace',
        namespace,
      ]);
    }
    created = true;
  }
}

/** Resolves with how `child` ended: "exited (code)", "exited (SIGNAL)" or "could not be started: ...". */
export function processEnd(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(`exited (${signal ?? code})`));
    child.once('error', (err) => {
      if (child.pid === undefined) resolve(`could not be started: ${err.message}`);
    });
  });
}

/** SIGTERM to the process group `child` leads (spawned with `detached: true`), SIGKILL after 5 s. */
export async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = processEnd(child);
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // The group is already gone.
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function logTail(logFile: string | undefined): string {
  if (!logFile) return '';
  try {
    const lines = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-20);
    return `\nLast lines of ${logFile}:\n${lines.join('\n')}`;
  } catch {
    return '';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
