/**
 * The operator commands of the `giftflow` CLI that find, inspect and unstick orders: `list`,
 * `status` and `reconcile`. cli.ts parses the arguments and dispatches here.
 */
import {
  PROVIDERS,
  type OrderState,
  type Provider,
  type ReconcileAnswer,
  type ReconcileReply,
} from '../contracts/shared';
import { ORDER_STATES, type GiftflowClient, type OrderSummary } from '.';

/** A mistake in how the command was called: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** The command's <workflowId> argument, or a UsageError saying where to find one. */
export function requireWorkflowId(workflowId: string | undefined): string {
  if (!workflowId) throw new UsageError('missing <workflowId>; find it with the Web UI or `temporal workflow list`');
  return workflowId;
}

/**
 * `giftflow list [--state S] [--provider P] [--limit N] [--json]`: an aligned table, or JSON.
 * Checks the options now and returns what runs once connected, as every command here does,
 * so a mistake is reported as itself even while Temporal is down.
 */
export function listOrders(options: {
  state?: string;
  provider?: string;
  limit?: string;
  json?: boolean;
}): (giftflow: GiftflowClient) => Promise<string> {
  if (options.state !== undefined && !(ORDER_STATES as string[]).includes(options.state)) {
    throw new UsageError(`unknown --state '${options.state}'; states: ${ORDER_STATES.join(', ')}`);
  }
  if (options.provider !== undefined && !(PROVIDERS as string[]).includes(options.provider)) {
    throw new UsageError(`unknown --provider '${options.provider}'; providers: ${PROVIDERS.join(', ')}`);
  }
  if (options.limit !== undefined && !/^[1-9]\d*$/.test(options.limit))
    throw new UsageError('--limit must be a whole number above 0');
  const limit = options.limit === undefined ? undefined : Number(options.limit);
  return async (giftflow) =>
    ordersTable(
      await giftflow.listOrders({ state: options.state as OrderState, provider: options.provider as Provider, limit }),
      options,
      new Date(),
    );
}

/** The rows of `giftflow list` as an aligned table, or JSON with --json. */
function ordersTable(orders: OrderSummary[], options: { json?: boolean }, now: Date): string {
  if (options.json) return `${JSON.stringify(orders, null, 2)}\n`;
  if (orders.length === 0) return 'no orders match\n';
  return table(
    ['STATE', 'PROVIDER', 'ORDER REF', 'AGE', 'WORKFLOW ID', 'LAST ERROR'],
    orders.map((order) => [
      order.state ?? '-',
      order.provider ?? '-',
      order.orderRef ?? '-',
      age(order, now),
      order.workflowId,
      order.lastError ?? '',
    ]),
  );
}

/** `giftflow status <workflowId> [--json]`: the order's steps, IDs, errors and result, readably (or the raw JSON). */
export async function orderStatus(
  giftflow: GiftflowClient,
  workflowId: string,
  options: { json?: boolean },
): Promise<string> {
  const status = await giftflow.getOrderStatus(workflowId);
  if (options.json) return `${JSON.stringify(status, null, 2)}\n`;
  const steps = Object.entries(status.attempts).map(([step, attempts]) => [step, 'done', String(attempts)]);
  if (status.state !== 'completed')
    steps.push([status.step, status.state, status.retrying ? String(status.retrying.attempt) : '']);
  const ids = Object.entries(status.providerIds).map(([name, id]) => `  ${name}: ${id}`);
  return [
    `${workflowId}: ${status.state} (Temporal: ${status.workflowStatus})`,
    '',
    table(['STEP', 'STATE', 'ATTEMPTS'], steps).trimEnd(),
    '',
    ids.length ? `provider IDs:\n${ids.join('\n')}` : 'provider IDs: none yet',
    ...(status.pointOfNoReturn && status.state !== 'completed'
      ? [
          `point of no return passed at '${status.pointOfNoReturn.step}': ${status.pointOfNoReturn.mayExist} may exist at the provider`,
        ]
      : []),
    ...(status.retrying
      ? [`retrying ${status.retrying.step}, attempt ${status.retrying.attempt}: ${status.retrying.lastFailure ?? ''}`]
      : []),
    ...(status.lastError ? [`last error: ${status.lastError}`] : []),
    ...(status.result ? [`result:\n${JSON.stringify(status.result, null, 2)}`] : []),
    '',
  ].join('\n');
}

/**
 * `giftflow reconcile <workflowId> --created --order-id X [--payment-id Y]` (a Payway order),
 * `--created --auth-code X` (a CP Extender redemption) or `--not-created`.
 */
export function reconcileOrder(
  workflowId: string,
  options: {
    created?: boolean;
    'not-created'?: boolean;
    'order-id'?: string;
    'payment-id'?: string;
    'auth-code'?: string;
  },
): (giftflow: GiftflowClient) => Promise<{ workflowId: string } & ReconcileReply> {
  if (options.created === options['not-created']) {
    throw new UsageError(
      'say what the provider shows: --created --order-id <id> [--payment-id <id>] (or --auth-code <code> for a redemption), or --not-created',
    );
  }
  let answer: ReconcileAnswer;
  if (options.created) {
    if (Boolean(options['order-id']) === Boolean(options['auth-code'])) {
      throw new UsageError(
        '--created needs --order-id <the order ID the provider shows>, or for a CP Extender redemption --auth-code <the AuthCode of its hold>',
      );
    }
    answer = options['auth-code']
      ? { outcome: 'created', authCode: options['auth-code'] }
      : {
          outcome: 'created',
          orderId: options['order-id'],
          ...(options['payment-id'] && { paymentId: options['payment-id'] }),
        };
  } else {
    if (options['order-id'] || options['payment-id'] || options['auth-code'])
      throw new UsageError('--not-created takes no --order-id, --payment-id or --auth-code');
    answer = { outcome: 'not-created' };
  }
  return async (giftflow) => ({ workflowId, ...(await giftflow.reconcileOrder(workflowId, answer)) });
}

function age(order: OrderSummary, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - order.startTime.getTime()) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)}m`;
  if (seconds < 2 * 86400) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86400)}d`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  // The last column (the error text) is not padded, so a long message does not widen every line.
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}
