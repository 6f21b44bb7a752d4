/**
 * A backend written in Go places a Flexybox order: examples/go-backend, built with the official
 * Temporal Go SDK, against the real dev server, sandbox, workers and codec server. Needs Go (see
 * examples/go-backend/go.mod for the version) and, on a first build, the Go module proxy.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { ORDER_TYPES, orderSummary } from '../client/orders';
import { ENCRYPTED_ENCODING } from '../security/payload-codec';
import { startCodecServerFromEnv } from '../security/codec-server';
import { flexyboxIdsFor, flexyboxLedgerFor } from './support/flexybox';
import { temporalAddress, uniqueRef, useInProcessStack } from './support/stack';

const run = promisify(execFile);
const PROGRAM_DIR = path.resolve(__dirname, '..', 'examples', 'go-backend');
const EXAMPLE_INPUT = path.resolve(__dirname, '..', 'examples', 'flexybox-order.json');

interface Summary {
  workflowId: string;
  runId: string;
  attached: boolean;
  result: { salesOrderId: string; total: number; currency: string };
  status: { step: string; state: string; providerIds: Record<string, string>; lastError: string | null };
  search: { query: string; found: string[] };
}

describe('a Go backend (examples/go-backend, official Go SDK, remote data converter)', () => {
  const env = useInProcessStack();
  const token = randomBytes(16).toString('hex');
  const codecLog: string[] = [];
  let codec: { url: string; close(): Promise<void> };
  let buildDir: string;
  let binary: string;

  beforeAll(async () => {
    buildDir = mkdtempSync(path.join(os.tmpdir(), 'giftflow-go-backend-'));
    binary = path.join(buildDir, 'go-backend');
    // The default GOMODCACHE and GOCACHE stay in use: after the first build on a machine, this takes seconds.
    await run('go', ['build', '-buildvcs=false', '-o', binary, '.'], { cwd: PROGRAM_DIR, timeout: 540_000 }).catch(
      (error: NodeJS.ErrnoException & { stderr?: string }) => {
        throw new Error(
          error.code === 'ENOENT'
            ? 'go is not on PATH: install Go (the version in examples/go-backend/go.mod) to run this test'
            : `go build in examples/go-backend failed: ${error.stderr ?? error.message}`,
        );
      },
    );
    // The codec server as `giftflow codec-server` runs it, with the workers' keys and a bearer token.
    codec = await startCodecServerFromEnv(
      {
        GIFTFLOW_CODEC_KEYS: process.env.GIFTFLOW_CODEC_KEYS,
        GIFTFLOW_CODEC_SERVER_PORT: '0',
        GIFTFLOW_CODEC_AUTH_TOKEN: token,
      },
      (line) => codecLog.push(line),
    );
  }, 600_000);

  afterAll(async () => {
    await codec?.close();
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  });

  const goBackend = (ref: string, codecToken = token) =>
    run(binary, ['-ref', ref, '-input', EXAMPLE_INPUT, '-timeout', '30s'], {
      env: {
        PATH: process.env.PATH,
        TEMPORAL_ADDRESS: temporalAddress(),
        GIFTFLOW_CODEC_ENDPOINT: codec.url,
        GIFTFLOW_CODEC_AUTH_TOKEN: codecToken,
      },
      timeout: 45_000,
    });

  it('places an order through the codec server, reads its result and status, and finds it by GiftProvider and GiftOrderRef', async () => {
    const ref = uniqueRef('go');
    const ids = flexyboxIdsFor(ref);
    const { stdout } = await goBackend(ref);
    const summary = JSON.parse(stdout) as Summary;

    expect(summary).toMatchObject({
      workflowId: `giftorder-flexybox-${ref}`,
      attached: false,
      result: { salesOrderId: ids.salesOrderId, total: 500, currency: 'DKK' },
      status: { state: 'completed', lastError: null, providerIds: { salesOrderId: ids.salesOrderId } },
      search: { query: `GiftProvider='flexybox' AND GiftOrderRef='${ref}'`, found: [ids.workflowId] },
    });
    const ledger = await flexyboxLedgerFor(env.sandbox, ref);
    expect(ledger.salesOrders).toEqual([
      expect.objectContaining({ id: ids.salesOrderId, state: 'Committed', total: 500 }),
    ]);
    expect(ledger.payments).toEqual([expect.objectContaining({ id: ids.externalPaymentId, amount: 500 })]);

    // The Go program sent the input encrypted: history holds what the codec server encoded.
    const raw = new Client({ connection: env.stack.temporal.connection });
    const { events } = await raw.workflow.getHandle(ids.workflowId).fetchHistory();
    const [input] = events![0].workflowExecutionStartedEventAttributes!.input!.payloads!;
    expect(Buffer.from(input.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(input.data!).toString('latin1')).not.toContain('Karen');

    // The Web UI's line for the order reads as it does for an order from giftflow's own client.
    const exampleInput = ORDER_TYPES.flexybox.schema.parse(JSON.parse(readFileSync(EXAMPLE_INPUT, 'utf8')));
    const description = await env.stack.temporal.workflow.getHandle(ids.workflowId).describe();
    expect(await description.staticSummary()).toBe(orderSummary('flexybox', ref, exampleInput));

    // A repeat under the same reference attaches to the order: nothing is ordered twice.
    const repeat = JSON.parse((await goBackend(ref)).stdout) as Summary;
    expect(repeat).toMatchObject({ attached: true, runId: summary.runId, result: { salesOrderId: ids.salesOrderId } });
    expect((await flexyboxLedgerFor(env.sandbox, ref)).salesOrders).toHaveLength(1);
  });

  it('starts nothing when the codec server refuses its token, and says which variable to set', async () => {
    const ref = uniqueRef('go-token');
    const failure = await goBackend(ref, 'wrong-token').then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      `codec server at ${codec.url} (GIFTFLOW_CODEC_ENDPOINT) refused or unreachable; set GIFTFLOW_CODEC_AUTH_TOKEN`,
    );
    expect(codecLog.some((line) => line.startsWith('codec POST /encode 401'))).toBe(true);
    await expect(env.stack.temporal.workflow.getHandle(flexyboxIdsFor(ref).workflowId).describe()).rejects.toThrow(
      /not found/i,
    );
  });
});
