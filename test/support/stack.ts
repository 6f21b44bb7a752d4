/**
 * Real parts for tests: a sandbox HTTP server on a free port, a client and in-process
 * workers on the jest run's Temporal dev server, and a worker in a separate OS process
 * for crash tests (SIGKILL, then a new one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Runtime, DefaultLogger, type Worker, type WorkflowBundle } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { closeHttpPools } from '../../activities/http';
import { loadConfig, type GiftflowConfig } from '../../config';
import { sandboxUrls } from '../../config/sandbox-urls';
import { GiftflowClient } from '../../client';
import { createDataConverter } from '../../security/codec-keys';
import { createSandboxServer, type SandboxBehaviour } from '../../sandbox/server';
import { tsProcess } from '../../scripts/dev-server';
import { bundleGiftflowWorkflows, createGiftflowWorkers } from '../../workers/giftflow-workers';

const ROOT = path.resolve(__dirname, '..', '..');

export function temporalAddress(): string {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address)
    throw new Error(
      'TEMPORAL_TEST_ADDRESS is not set: run the tests with `npm test` (jest globalSetup starts a dev server)',
    );
  return address;
}

/** A giftflow client on the test server, with the same payload codec as the workers. */
export async function connectTestClient(): Promise<GiftflowClient> {
  const connection = await Connection.connect({ address: temporalAddress() });
  return new GiftflowClient(new Client({ connection, dataConverter: await createDataConverter() }));
}

/** A sandbox server on a free loopback port with helpers for its control endpoints. */
export class TestSandbox {
  private constructor(
    readonly app: FastifyInstance,
    readonly url: string,
  ) {}

  static async start(): Promise<TestSandbox> {
    const app = createSandboxServer();
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return new TestSandbox(app, url);
  }

  /** The environment a worker needs to talk to this sandbox. */
  env(): Record<string, string> {
    return sandboxUrls(this.url);
  }

  config(overrides: Record<string, string> = {}): GiftflowConfig {
    return loadConfig({ ...this.env(), ...overrides });
  }

  async ledger(): Promise<any> {
    return this.control('GET', '/ledger');
  }

  async requests(): Promise<{ method: string; path: string; status: number; fault?: string }[]> {
    return this.control('GET', '/requests');
  }

  async fault(spec: Record<string, unknown>): Promise<void> {
    await this.control('POST', '/faults', spec);
  }

  async clearFaults(): Promise<void> {
    await this.control('DELETE', '/faults');
  }

  /** Moves the sandbox's clock forward (e.g. past a reservation's expiry). */
  async advanceClock(ms: number): Promise<void> {
    await this.control('POST', '/clock', { advanceMs: ms });
  }

  /**
   * Sets the sandbox's behaviour switches (PUT /__sandbox/behaviour): those named here take
   * the given value, every other one returns to its default (off). Returns the behaviour now in force.
   */
  async setBehaviour(switches: Partial<SandboxBehaviour>): Promise<SandboxBehaviour> {
    return this.control('PUT', '/behaviour', switches);
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  private async control(method: 'GET' | 'POST' | 'PUT' | 'DELETE', route: string, body?: unknown): Promise<any> {
    const response = await request(`${this.url}/__sandbox${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.body.json();
    if (response.statusCode >= 400)
      throw new Error(`sandbox ${method} ${route}: ${response.statusCode} ${JSON.stringify(json)}`);
    return json;
  }
}

let runtimeInstalled = false;

/** Workers on every task queue inside the test process, plus a client; stop() in afterAll. */
export class InProcessStack {
  private running?: Promise<unknown>;

  private constructor(
    readonly giftflow: GiftflowClient,
    readonly temporal: Client,
    private readonly workers: Worker[],
    private readonly connection: NativeConnection,
  ) {}

  static async start(sandbox: TestSandbox, workflowBundle?: WorkflowBundle): Promise<InProcessStack> {
    if (!runtimeInstalled) {
      // ERROR: the activity failures that tests provoke on purpose are logged as warnings.
      Runtime.install({ logger: new DefaultLogger('ERROR') });
      runtimeInstalled = true;
    }
    const connection = await NativeConnection.connect({ address: temporalAddress() });
    const dataConverter = await createDataConverter();
    const workers = await createGiftflowWorkers({
      connection,
      namespace: 'default',
      config: sandbox.config(),
      workflowBundle: workflowBundle ?? (await bundleGiftflowWorkflows()),
      dataConverter,
    });
    const temporal = new Client({
      connection: await Connection.connect({ address: temporalAddress() }),
      dataConverter,
    });
    const stack = new InProcessStack(new GiftflowClient(temporal), temporal, workers, connection);
    stack.running = Promise.all(workers.map((worker) => worker.run()));
    return stack;
  }

  async stop(): Promise<void> {
    for (const worker of this.workers) worker.shutdown();
    await this.running;
    await this.temporal.connection.close();
    await this.connection.close();
    await closeHttpPools();
  }
}

/**
 * Registers jest hooks that give the calling test file its own sandbox and in-process
 * workers; the returned object is filled in by `beforeAll` and torn down by `afterAll`.
 */
export function useInProcessStack(): { sandbox: TestSandbox; stack: InProcessStack } {
  const env = {} as { sandbox: TestSandbox; stack: InProcessStack };
  beforeAll(async () => {
    env.sandbox = await TestSandbox.start();
    env.stack = await InProcessStack.start(env.sandbox);
  });
  afterAll(async () => {
    await env.stack?.stop();
    await env.sandbox?.close();
  });
  return env;
}

interface CrashStack {
  sandbox: TestSandbox;
  giftflow: GiftflowClient;
  /** `env` adds to (or overrides) the worker's environment, e.g. another secret. */
  startWorker(env?: Record<string, string>): Promise<WorkerProcess>;
  /** The worker processes started so far in this test. */
  workers(): WorkerProcess[];
}

/**
 * Registers jest hooks for a crash test: a sandbox, a client, and `startWorker()` for worker
 * processes on `taskQueue` that are SIGKILLed after each test if still alive.
 */
export function useCrashStack(taskQueue: string): CrashStack {
  const workers: WorkerProcess[] = [];
  const env = {
    startWorker: async (extraEnv: Record<string, string> = {}) => {
      const worker = await WorkerProcess.start({ ...env.sandbox.env(), GIFTFLOW_TASK_QUEUES: taskQueue, ...extraEnv });
      workers.push(worker);
      return worker;
    },
    workers: () => [...workers],
  } as CrashStack;
  beforeAll(async () => {
    env.sandbox = await TestSandbox.start();
    env.giftflow = await connectTestClient();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.kill()));
    await env.sandbox.clearFaults();
  });
  afterAll(async () => {
    await env.giftflow?.close();
    await env.sandbox?.close();
  });
  return env;
}

/** The ApplicationFailure a direct activity call throws (fails the test if it resolves). */
export async function failureOf(call: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

/** A giftflow worker in its own OS process (`workers/main.ts`), ready when it says so. */
export class WorkerProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly output: () => string,
  ) {}

  static async start(env: Record<string, string>): Promise<WorkerProcess> {
    const child = spawn(...tsProcess(path.join(ROOT, 'workers', 'main.ts')), {
      cwd: ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress(), GIFTFLOW_LOG_LEVEL: 'WARN', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const worker = new WorkerProcess(child, () => output);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker not ready after 60 s:\n${output}`)), 60_000);
      child.stdout!.on('data', () => {
        if (output.includes('worker ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker exited with ${code} before it was ready:\n${output}`));
      });
    });
    return worker;
  }

  /** Kills the process with SIGKILL: no shutdown, no drain, as a crash would. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A unique order reference per test, so no two tests share a workflow ID. */
export function uniqueRef(label: string): string {
  return `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
