/**
 * The typed giftflow client for backend services: start an order with one call, attach to
 * it again with the same order reference, read its status, cancel it.
 *
 *   const giftflow = await GiftflowClient.connect();
 *   const handle = await giftflow.startGiftOrder({ provider: 'flexybox', orderRef: 'order-1042', input });
 *   const result = await handle.result();
 */
import { createHash } from 'node:crypto';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import { Client, Connection, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { loadTemporalConfig, reachTemporal } from '../config';
import { createDataConverter } from '../security/codec-keys';
import {
  INPUT_FINGERPRINT_MEMO,
  orderWorkflowId,
  PROVIDER_NAMES,
  PROVIDERS,
  reconcileUpdate,
  SEARCH_ATTRIBUTES,
  statusQuery,
  type OrderState,
  type OrderStatus,
  type Provider,
  type ReconcileAnswer,
  type ReconcileReply,
} from '../contracts/shared';
import { CpExtenderClient } from './cpextender';
import { GiftOrderConflictError, GiftOrderInputError, UnknownProviderError } from './errors';
import { isOrderProvider, ORDER_TYPES, orderSummary, type GiftOrderTypes, type OrderProvider } from './orders';
import { retryOrder, type RetryOutcome } from './retry';
import { checkRef, type OrderStarter, type StartOnceRequest } from './starter';

export * from './errors';
export { RetryRefusedError, type RetryOutcome } from './retry';
export { CpExtenderOperationError, type CpExtenderClient } from './cpextender';
export type { GiftOrderTypes, OrderProvider } from './orders';

export interface StartGiftOrderRequest<P extends OrderProvider> {
  provider: P;
  /** The caller's own reference for this order; the same reference never orders twice. */
  orderRef: string;
  input: GiftOrderTypes[P]['input'];
}

/** A started (or re-attached) order; `result()` resolves with the provider's result. */
export type GiftOrderHandle<P extends OrderProvider> = WorkflowHandle<
  (input: GiftOrderTypes[P]['input']) => Promise<GiftOrderTypes[P]['result']>
>;

export { ORDER_REF } from './starter';

/**
 * The checks startGiftOrder makes before it contacts Temporal (provider, reference, input), so
 * a caller such as `giftflow order` reports bad input even while Temporal is down.
 * Raises UnknownProviderError or GiftOrderInputError; returns the validated input.
 */
export function validateGiftOrder(request: { provider: string; orderRef: string; input: unknown }) {
  const { provider } = request;
  if (!isOrderProvider(provider)) throw new UnknownProviderError(provider, Object.keys(ORDER_TYPES));
  const orderType = ORDER_TYPES[provider];
  checkRef(provider, 'orderRef', request.orderRef);
  const result = orderType.schema.safeParse(request.input);
  if (!result.success) throw GiftOrderInputError.fromSchemaIssues(provider, result.error.issues);
  return { provider, orderType, input: result.data };
}

/**
 * How long a worker may hold one of an order's workflow tasks. The server's default, 10 s, is
 * how long an order waited when its worker died mid-task, which with provider calls run as
 * local activities inside the task (workflows/local-first.ts) is where a kill usually lands.
 * A live worker answers in milliseconds, and a task running long local calls is extended by
 * the SDK at 80 % of it; docs/operating.md says how other clients set it.
 */
export const WORKFLOW_TASK_TIMEOUT = '2s';

export class GiftflowClient implements OrderStarter {
  /** CP Extender redemptions, ID pools and certificates. */
  readonly cpextender = new CpExtenderClient(this);

  constructor(readonly temporal: Client) {}

  /** Connects with Temporal's standard environment variables (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, ...). */
  static async connect(env: NodeJS.ProcessEnv = process.env): Promise<GiftflowClient> {
    const temporal = loadTemporalConfig(env);
    const dataConverter = await createDataConverter(env);
    const connection = await reachTemporal(temporal, () =>
      Connection.connect({ ...temporal.connectionOptions, connectTimeout: '5s' }),
    );
    return new GiftflowClient(new Client({ connection, namespace: temporal.namespace, dataConverter }));
  }

  async close(): Promise<void> {
    await this.temporal.connection.close();
  }

  /**
   * Validates the input and starts the order, or attaches to the order already started
   * with this reference and the same input. A different input under the same reference
   * raises GiftOrderConflictError; bad input raises GiftOrderInputError. Neither starts anything.
   */
  async startGiftOrder<P extends OrderProvider>(request: StartGiftOrderRequest<P>): Promise<GiftOrderHandle<P>> {
    const { provider, orderType, input } = validateGiftOrder(request);
    const workflowId = orderWorkflowId(request.provider, request.orderRef);
    const summary = orderSummary(provider, request.orderRef, input);
    const handle = await this.startOnce({
      ...orderType,
      workflowId,
      provider,
      ref: request.orderRef,
      input,
      callerInput: request.input,
      summary,
    });
    return handle as GiftOrderHandle<P>;
  }

  /**
   * Starts a workflow keyed by the caller's reference, or attaches to the one already started
   * under it with the same input; a different input raises GiftOrderConflictError. `input` is
   * the validated input the workflow gets; `callerInput` the input as the caller gave it, which
   * the fingerprint covers: defaults applied by the schema stay out of it, so changing a default
   * never turns a caller's repeat into a conflict.
   */
  async startOnce(start: StartOnceRequest): Promise<WorkflowHandle> {
    const { workflowId, provider } = start;
    const fingerprint = orderFingerprint(start.callerInput);
    const handle = this.temporal.workflow.getHandle(workflowId);
    try {
      await this.temporal.workflow.start(start.workflowType, {
        workflowId,
        taskQueue: start.taskQueue,
        args: [start.input],
        // Together they refuse a second run under this reference, open or finished, so only a
        // repeated start pays for the describe below (~15 ms of dev-server CPU, see docs/benchmark.md).
        workflowIdConflictPolicy: 'FAIL',
        workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: { [INPUT_FINGERPRINT_MEMO]: fingerprint },
        staticSummary: start.summary ?? `${PROVIDER_NAMES[provider]} ${start.ref}`,
        typedSearchAttributes: [
          { key: SEARCH_ATTRIBUTES.provider, value: provider },
          { key: SEARCH_ATTRIBUTES.orderRef, value: start.ref },
          { key: SEARCH_ATTRIBUTES.state, value: 'running' },
        ],
      });
      return handle;
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    // An order already exists under this reference: attach to it only if its input is the same.
    const description = await handle.describe();
    // Older orders carry an older form: the caller's input unnormalised, or before that the validated input's.
    const recorded = description.memo?.[INPUT_FINGERPRINT_MEMO];
    const same = [fingerprint, inputFingerprint(start.callerInput), inputFingerprint(start.input)].includes(
      recorded as string,
    );
    if (!same) throw new GiftOrderConflictError(workflowId, start.ref, description.status.name);
    return handle;
  }

  /** The order's `status` query, with the live retry state of a step that is being retried. */
  async getOrderStatus(
    workflowId: string,
  ): Promise<
    OrderStatus & { workflowStatus: string; retrying?: { step: string; attempt: number; lastFailure?: string } }
  > {
    const handle = this.temporal.workflow.getHandle(workflowId);
    const [status, description] = await Promise.all([handle.query(statusQuery), handle.describe()]);
    const pending = description.raw.pendingActivities?.find((activity) => (activity.attempt ?? 1) > 1);
    return {
      ...status,
      workflowStatus: description.status.name,
      ...(pending && {
        retrying: {
          step: status.step,
          attempt: pending.attempt ?? 1,
          // Failure texts are encrypted in history (security/failure-converter.ts): decode, or it reads "Encoded failure".
          lastFailure: (
            await decodeOptionalFailureToOptionalError(this.temporal.options.loadedDataConverter, pending.lastFailure)
          )?.message,
        },
      }),
    };
  }

  /** Requests cancellation; the workflow decides what can still be stopped and reports it. */
  async cancelOrder(workflowId: string): Promise<void> {
    await this.temporal.workflow.getHandle(workflowId).cancel();
  }

  /**
   * Answers the `reconcile` Update of an order parked in `needs-reconciliation` and returns
   * what the order does next. A wrong answer, or one for an order that waits for none, is
   * refused with WorkflowUpdateFailedError and changes nothing.
   */
  async reconcileOrder(workflowId: string, answer: ReconcileAnswer): Promise<ReconcileReply> {
    return this.temporal.workflow.getHandle(workflowId).executeUpdate(reconcileUpdate, { args: [answer] });
  }

  /**
   * Retries a stuck order, whatever its state (client/retry.ts): resumes a parked one, hurries a
   * step in retry backoff, re-runs a failed one with the same provider IDs. Raises
   * RetryRefusedError for a completed or cancelled order, with the reason.
   */
  async retryOrder(workflowId: string, options: { reason?: string; input?: unknown } = {}): Promise<RetryOutcome> {
    return retryOrder(this, workflowId, options);
  }

  /**
   * The most recent orders (newest first) by a visibility query on the search attributes.
   * Orders waiting for reconciliation also carry their `lastError`, which says what to check.
   */
  async listOrders(filter: { state?: OrderState; provider?: Provider; limit?: number } = {}): Promise<OrderSummary[]> {
    if (filter.state !== undefined && !ORDER_STATES.includes(filter.state))
      throw new RangeError(`unknown order state '${filter.state}'; states: ${ORDER_STATES.join(', ')}`);
    if (filter.provider !== undefined && !PROVIDERS.includes(filter.provider))
      throw new UnknownProviderError(filter.provider, PROVIDERS);
    const conditions = [
      `${SEARCH_ATTRIBUTES.provider.name} ${filter.provider ? `= '${filter.provider}'` : 'IS NOT NULL'}`,
      ...(filter.state ? [`${SEARCH_ATTRIBUTES.state.name} = '${filter.state}'`] : []),
    ];
    const limit = filter.limit ?? 100;
    const orders: OrderSummary[] = [];
    for await (const info of this.temporal.workflow.list({
      query: conditions.join(' AND '),
      pageSize: Math.min(limit, 1000),
    })) {
      const state = info.typedSearchAttributes.get(SEARCH_ATTRIBUTES.state) ?? null;
      orders.push({
        workflowId: info.workflowId,
        provider: info.typedSearchAttributes.get(SEARCH_ATTRIBUTES.provider) ?? null,
        orderRef: info.typedSearchAttributes.get(SEARCH_ATTRIBUTES.orderRef) ?? null,
        state,
        workflowStatus: info.status.name,
        startTime: info.startTime,
        lastError: null,
      });
      if (orders.length >= limit) break;
    }
    // Only parked orders (needs-attention, needs-reconciliation) are open and few, so their status query is cheap; it says what to check.
    await Promise.all(
      orders
        .filter((order) => order.state === 'needs-reconciliation' || order.state === 'needs-attention')
        .map(async (order) => {
          order.lastError = await this.temporal.workflow
            .getHandle(order.workflowId)
            .query(statusQuery)
            .then(
              (status) => status.lastError,
              () => null,
            );
        }),
    );
    return orders;
  }
}

/** Every order state, for checking a filter before it goes into a visibility query. */
export const ORDER_STATES = Object.keys({
  running: true,
  'needs-attention': true,
  'needs-reconciliation': true,
  completed: true,
  failed: true,
  cancelled: true,
} satisfies Record<OrderState, true>) as OrderState[];

/** One row of {@link GiftflowClient.listOrders}. */
export interface OrderSummary {
  workflowId: string;
  provider: string | null;
  orderRef: string | null;
  state: string | null;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, ... */
  workflowStatus: string;
  startTime: Date;
  lastError: string | null;
}

/**
 * The fingerprint an order records in its memo (INPUT_FINGERPRINT_MEMO), which a repeated
 * start must match to attach: SHA-256 of the caller's input as given, normalised (every string
 * trimmed and NFC, object keys sorted, undefined members dropped). Not the validated input:
 * defaults the schema adds stay out, so changing a default never turns a repeat into a conflict;
 * and a repeat that differs only by spaces around a value or by Unicode form is the same order.
 */
export function orderFingerprint(input: unknown): string {
  return createHash('sha256').update(canonicalJson(input, normalizeText)).digest('hex');
}

/**
 * SHA-256 of the canonical JSON (keys sorted) of the input exactly as given, not normalised:
 * the fingerprint orders recorded before orderFingerprint, and the seed of the references the
 * CLI derives without --ref (`cli-` + its first 16 hex digits). Frozen: a change would give a
 * repeated CLI call a new reference, so a second order.
 */
export function inputFingerprint(input: unknown): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex');
}

const normalizeText = (value: string) => value.trim().normalize('NFC');

function canonicalJson(value: unknown, text: (value: string) => string = (same) => same): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, text)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, text)}`).join(',')}}`;
  }
  return JSON.stringify(typeof value === 'string' ? text(value) : value);
}
