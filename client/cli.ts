/**
 * `giftflow`: the operator's command line. Every user mistake ends in one line on stderr
 * and a non-zero exit; JSON goes to stdout so it can be piped.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ConfigError } from '../config';
import { startCodecServerFromEnv } from '../security/codec-server';
import {
  CpExtenderOperationError,
  GiftflowClient,
  RetryRefusedError,
  GiftOrderConflictError,
  GiftOrderInputError,
  inputFingerprint,
  TemporalUnreachableError,
  UnknownProviderError,
  validateGiftOrder,
} from '.';
import { CPEXTENDER_COMMANDS, CPEXTENDER_HELP, CPEXTENDER_OPTIONS } from './cli-cpextender';
import { listOrders, orderStatus, reconcileOrder, requireWorkflowId, UsageError } from './cli-operations';
import { isOrderProvider, ORDER_TYPES } from './orders';

const HELP = `giftflow: place and operate gift-card orders run as Temporal workflows

Usage:
  giftflow order <provider> --input <file.json> [--ref <orderRef>] [--wait]
      Start an order (providers: ${Object.keys(ORDER_TYPES).join(', ')}). Prints JSON with the
      workflow ID; with --wait also the result. Without --ref the reference is derived from
      the input, so running the same command twice attaches to the same order.
  giftflow status <workflowId> [--json]
      The order's steps with their attempts, provider IDs, last error and result (the status
      query; raw JSON with --json).
  giftflow cancel <workflowId>     Request cancellation of the order.
  giftflow list [--state <state>] [--provider <provider>] [--limit <n>] [--json]
      The newest orders as a table (or JSON): state, provider, orderRef, age, workflow ID,
      and for orders in needs-attention or needs-reconciliation what to check.
  giftflow reconcile <workflowId> --created --order-id <id> [--payment-id <id>]
  giftflow reconcile <workflowId> --created --auth-code <code>      (a CP Extender redemption)
  giftflow reconcile <workflowId> --not-created
      Answer an order in needs-reconciliation with what the provider shows: the order
      exists (it completes with that ID), or it does not (the step is sent again).
  giftflow retry <workflowId> [--reason <text>] [--input <fixed.json>]
      Retry a stuck order: a parked one (needs-attention) tries its step again now; a step
      waiting out a retry backoff runs now; a failed, terminated or timed-out order runs
      again with the same provider IDs (--input: a corrected input, only before its point
      of no return). Completed and cancelled orders are refused.
${CPEXTENDER_HELP}  giftflow codec-server            Serve /encode and /decode (payload encryption) for the Web UI
                                   and \`temporal --codec-endpoint\` on GIFTFLOW_CODEC_SERVER_PORT (4020).
  giftflow --help                  This text.

Temporal is reached through TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, ...
or a profile (TEMPORAL_PROFILE in TEMPORAL_CONFIG_FILE); default 127.0.0.1:7233, namespace
default. Arguments and order input are checked before connecting (docs/first-run.md).
`;

/** Every command's options; parseArgs refuses any other. */
const OPTIONS = {
  input: { type: 'string', short: 'i' },
  ref: { type: 'string', short: 'r' },
  wait: { type: 'boolean', short: 'w' },
  state: { type: 'string' },
  provider: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  created: { type: 'boolean' },
  'not-created': { type: 'boolean' },
  'order-id': { type: 'string' },
  'payment-id': { type: 'string' },
  'auth-code': { type: 'string' },
  reason: { type: 'string' },
  ...CPEXTENDER_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const;

/** The parsed options every command reads from. */
type Values = ReturnType<
  typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>
>['values'];

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  const [command, target] = positionals;
  if (values.help || !command) {
    process.stdout.write(HELP);
    return;
  }
  if (command === 'order') return placeOrder(target, values);
  if (command === 'codec-server') return serveCodec();
  // The arguments are checked before connecting, so a mistake is reported as itself even while Temporal is down.
  const run = operation(command, target, values);
  return withClient(async (giftflow) => {
    const output = await run(giftflow);
    if (typeof output === 'string') process.stdout.write(output);
    else print(output);
  });
}

/** The operator commands: each checks its arguments and returns what runs once connected. */
function operation(
  command: string,
  target: string | undefined,
  values: Values,
): (giftflow: GiftflowClient) => Promise<unknown> {
  if (command === 'status') {
    const workflowId = requireWorkflowId(target);
    return (giftflow) => orderStatus(giftflow, workflowId, values);
  }
  if (command === 'list') return listOrders(values);
  if (command === 'retry') {
    const workflowId = requireWorkflowId(target);
    const input = values.input === undefined ? undefined : readJsonFile(values.input);
    return (giftflow) => giftflow.retryOrder(workflowId, { reason: values.reason, input });
  }
  if (command === 'reconcile') return reconcileOrder(requireWorkflowId(target), values);
  if (Object.hasOwn(CPEXTENDER_COMMANDS, command)) return CPEXTENDER_COMMANDS[command](target, values);
  if (command === 'cancel') {
    const workflowId = requireWorkflowId(target);
    return async (giftflow) => {
      await giftflow.cancelOrder(workflowId);
      return { workflowId, cancelRequested: true };
    };
  }
  throw new UsageError(`unknown command '${command}'; run 'giftflow --help'`);
}

async function placeOrder(
  provider: string | undefined,
  options: { input?: string; ref?: string; wait?: boolean },
): Promise<void> {
  if (!provider)
    throw new UsageError(
      `missing provider: giftflow order <${Object.keys(ORDER_TYPES).join('|')}> --input <file.json>`,
    );
  if (!isOrderProvider(provider)) {
    throw new UnknownProviderError(provider, Object.keys(ORDER_TYPES));
  }
  if (!options.input) throw new UsageError('missing --input <file.json> with the order input');
  const input = readJsonFile(options.input);
  const orderRef = options.ref ?? `cli-${inputFingerprint(input).slice(0, 16)}`;
  // Bad input is the caller's to fix whether or not Temporal is up: report it before connecting.
  validateGiftOrder({ provider, orderRef, input });
  await withClient(async (giftflow) => {
    const handle = await giftflow.startGiftOrder({ provider, orderRef, input: input as never });
    const started = { workflowId: handle.workflowId, orderRef, provider };
    if (!options.wait) return print(started);
    print({ ...started, result: await handle.result() });
  });
}

/** Serves Temporal's /encode and /decode for the Web UI and the temporal CLI until SIGINT/SIGTERM. */
async function serveCodec(): Promise<void> {
  const server = await startCodecServerFromEnv();
  process.stdout.write(`giftflow codec server listening on ${server.url}\n`);
  await new Promise((stop) => ['SIGINT', 'SIGTERM'].forEach((signal) => process.once(signal, stop)));
  await server.close();
}

function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read --input file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--input file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

async function withClient(run: (giftflow: GiftflowClient) => Promise<void>): Promise<void> {
  const giftflow = await GiftflowClient.connect();
  try {
    await run(giftflow);
  } finally {
    await giftflow.close();
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One line for every failure an operator can act on; a stack trace only for real bugs. */
function describe(error: unknown): { line: string; code: number } {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    return { line: (error as Error).message, code: 2 };
  }
  if (error instanceof WorkflowFailedError) {
    const cause = error.cause;
    return { line: `order failed: ${cause?.message ?? error.message}`, code: 1 };
  }
  if (error instanceof WorkflowNotFoundError) return { line: `no such order: ${error.workflowId}`, code: 1 };
  if (error instanceof WorkflowUpdateFailedError)
    return { line: `refused: ${error.cause?.message ?? error.message}`, code: 1 };
  const known = [
    RetryRefusedError,
    CpExtenderOperationError,
    GiftOrderInputError,
    GiftOrderConflictError,
    UnknownProviderError,
    TemporalUnreachableError,
    ConfigError,
  ];
  if (known.some((type) => error instanceof type)) return { line: (error as Error).message, code: 1 };
  return { line: `unexpected error: ${(error as Error).stack ?? String(error)}`, code: 1 };
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const { line, code } = describe(error);
  process.stderr.write(`giftflow: ${line}\n`);
  process.exitCode = code;
});
