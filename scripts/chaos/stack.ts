/**
 * The chaos run's own stack: a Temporal dev server on a SQLite file that can be stopped and
 * started again on the same file and port, the sandbox, and a pool of worker processes that
 * keeps its size when one is SIGKILLed (or dies on its own: that is counted).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { freePort, processEnd, spawnGroup, startDevServer, stopGroup, tsProcess, type DevServer } from '../dev-server';
import { sandboxUrls } from '../../config/sandbox-urls';

const ROOT = path.resolve(__dirname, '..', '..');
const READY_TIMEOUT_MS = 120_000;

/** A stack process (node + tsx) in its own process group, with its output in a log file. */
class StackProcess {
  readonly ready: Promise<void>;
  readonly exited: Promise<string>;
  isReady = false;
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
    readyWhen: string,
    logFile: string,
  ) {
    const child = spawnGroup(...tsProcess(path.join(ROOT, script)), { cwd: ROOT, env, output: 'pipe' });
    this.child = child;
    const log = fs.createWriteStream(logFile, { flags: 'a' });
    let seen = '';
    this.exited = processEnd(child);
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} not ready after ${READY_TIMEOUT_MS / 1000} s (log: ${logFile})`)),
        READY_TIMEOUT_MS,
      );
      const onData = (chunk: Buffer) => {
        log.write(chunk);
        if (this.isReady) return;
        seen = (seen + chunk.toString()).slice(-4096);
        if (seen.includes(readyWhen)) {
          this.isReady = true;
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void this.exited.then((how) => {
        clearTimeout(timer);
        log.end();
        reject(new Error(`${name} ${how} before it was ready:\n${seen.slice(-1500)}`));
      });
    });
    this.ready.catch(() => undefined);
  }

  /** SIGKILL to the whole group: no shutdown, no drain, as a crash would. */
  kill(): void {
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  stop(): Promise<void> {
    return stopGroup(this.child);
  }
}

export interface StackEvents {
  workerKills: number;
  /** Worker processes that exited without being killed by the harness (e.g. could not connect while the server was down). */
  workerExits: number;
  serverRestarts: number;
  serverDowntimeMs: number[];
}

export class ChaosStack {
  readonly events: StackEvents = { workerKills: 0, workerExits: 0, serverRestarts: 0, serverDowntimeMs: [] };
  private readonly workers = new Set<StackProcess>();
  private readonly killed = new WeakSet<StackProcess>();
  private workerCount = 0;
  private stopping = false;

  private constructor(
    private server: DevServer,
    private readonly serverOptions: Parameters<typeof startDevServer>[0],
    private readonly sandbox: StackProcess,
    readonly sandboxUrl: string,
    readonly workerEnv: NodeJS.ProcessEnv,
    readonly dir: string,
    private readonly log: (message: string) => void,
  ) {}

  static async start(options: {
    cli: string;
    dir: string;
    workers: number;
    codecKeys: string;
    log: (message: string) => void;
  }): Promise<ChaosStack> {
    const { dir } = options;
    const serverOptions = {
      cli: options.cli,
      port: await freePort(),
      uiPort: await freePort(),
      dbFile: path.join(dir, 'temporal.db'),
      logFile: path.join(dir, 'temporal.log'),
    };
    const sandboxPort = await freePort();
    const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
    const sandbox = new StackProcess(
      'sandbox',
      'sandbox/main.ts',
      { ...process.env, SANDBOX_PORT: String(sandboxPort) },
      'sandbox listening',
      path.join(dir, 'sandbox.log'),
    );
    const [server] = await Promise.all([startDevServer(serverOptions), sandbox.ready]);
    const workerEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...sandboxUrls(sandboxUrl),
      GIFTFLOW_ARTIFACTS_DIR: path.join(dir, 'artifacts'),
      TEMPORAL_ADDRESS: server.address,
      GIFTFLOW_CODEC_KEYS: options.codecKeys,
      GIFTFLOW_LOG_LEVEL: 'WARN',
      // Several workers on one host cannot share the default metrics port.
      GIFTFLOW_METRICS_ADDRESS: 'off',
    };
    const stack = new ChaosStack(server, serverOptions, sandbox, sandboxUrl, workerEnv, dir, options.log);
    void sandbox.exited.then((how) => !stack.stopping && options.log(`sandbox ${how} unexpectedly; orders will stall`));
    await Promise.all(Array.from({ length: options.workers }, () => stack.startWorker().ready));
    return stack;
  }

  get temporalAddress(): string {
    return this.server.address;
  }

  /** Starts a worker; when it exits for any reason while the run goes on, another takes its place. */
  private startWorker(): StackProcess {
    const name = `worker-${++this.workerCount}`;
    const worker = new StackProcess(
      name,
      'workers/main.ts',
      this.workerEnv,
      'giftflow worker ready',
      path.join(this.dir, `${name}.log`),
    );
    this.workers.add(worker);
    void worker.exited.then(async (how) => {
      this.workers.delete(worker);
      if (this.stopping) return;
      if (!this.killed.has(worker)) {
        this.events.workerExits += 1;
        this.log(`${name} ${how} on its own; starting another`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      if (!this.stopping) this.startWorker();
    });
    return worker;
  }

  /** SIGKILLs one ready worker picked by `pick` (a replacement starts); false when none is ready. */
  killWorker(pick: (count: number) => number): string | undefined {
    const ready = [...this.workers].filter((worker) => worker.isReady);
    if (ready.length === 0) return undefined;
    const victim = ready[pick(ready.length)];
    this.killed.add(victim);
    victim.kill();
    this.events.workerKills += 1;
    return victim.name;
  }

  /** Stops the dev server (SIGTERM) and starts it again on the same SQLite file and port; returns the downtime. */
  async restartServer(): Promise<number> {
    const began = Date.now();
    await this.server.stop();
    this.server = await startDevServer(this.serverOptions);
    const downtime = Date.now() - began;
    this.events.serverRestarts += 1;
    this.events.serverDowntimeMs.push(downtime);
    return downtime;
  }

  async control<T = any>(method: 'GET' | 'POST' | 'DELETE', route: string, body?: unknown): Promise<T> {
    const response = await request(`${this.sandboxUrl}/__sandbox${route}`, {
      method,
      ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const answer = await response.body.json();
    if (response.statusCode >= 400)
      throw new Error(`sandbox ${method} ${route} answered ${response.statusCode}: ${JSON.stringify(answer)}`);
    return answer as T;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.workers].map((worker) => worker.stop()));
    await this.sandbox.stop();
    await this.server.stop();
  }
}
