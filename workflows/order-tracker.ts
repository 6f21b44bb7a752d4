/**
 * Workflow-side bookkeeping shared by every provider workflow: the `status` query, the
 * `GiftOrderState` search attribute, attempts per step and the last error, and the point of no
 * return: past it a failing step parks the order in `needs-attention` until the `retry` Update
 * (docs/design.md, "Operators act too"). It also makes the order read as an order wherever it
 * was started from: its own search attributes, a summary on each activity naming the provider
 * step, and the step in progress as the workflow's current details (docs/web-ui.md).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { GiftflowActivities } from '../activities';
import {
  checkRetryRequest,
  FAILURE_TYPES,
  retryUpdate,
  SEARCH_ATTRIBUTES,
  statusQuery,
  type OrderState,
  type OrderStatus,
  type Provider,
  type RetryRequest,
} from '../contracts/shared';
import { INPUT_VALIDATION, PROVIDER_CALL_LOCAL_FIRST } from './activity-options';
import { localFirstActivities } from './local-first';
import { hasPatch, INPUT_VALIDATED_BY_ACTIVITY } from './patches';
import { labelledActivities, setOwnSearchAttributes, showOrderDetails, stepLabel, type Activities } from './order-view';
import { recordOrderStarted, recordOrderState } from './order-metrics';

/**
 * Said of an order cancelled while its input was checked: nothing was sent, unless a workflow
 * task that ran local provider calls was lost before it (a workflow that has them says so).
 */
const CANCELLED_IN_VALIDATION =
  'Order cancelled while its input was being validated; nothing was sent to the provider.';

/** Patch ID of parking instead of failing (before it, every final step failure failed the order). */
const PARKS_FOR_OPERATOR = 'parks-for-operator';

export interface OrderTrackerOptions<Ids> {
  /**
   * What exists at the provider before the point of no return, for the message of a failed
   * or cancelled order (e.g. "CRM customer …"); empty when nothing does.
   */
  leftBehind?: (ids: Partial<Ids>) => string[];
}

export class OrderTracker<Ids extends object, Result> {
  private readonly status: OrderStatus<Ids, Result>;
  /** The workflow's root scope: a parked step waits inside non-cancellable scopes, yet must see a cancellation. */
  private readonly root = CancellationScope.current();
  private retryRequest?: RetryRequest;
  /** Steps that parked once: an earlier attempt of theirs may have landed, so even a refusal now parks. */
  private readonly parkedSteps = new Set<string>();

  constructor(
    private readonly provider: Provider,
    firstStep: string,
    private readonly options: OrderTrackerOptions<Ids> = {},
  ) {
    this.status = { step: firstStep, state: 'running', providerIds: {}, attempts: {}, lastError: null, result: null };
    setOwnSearchAttributes(provider, this.status.state);
    this.showDetails();
    recordOrderStarted(provider);
    setHandler(statusQuery, () => this.status as OrderStatus);
    setHandler(
      retryUpdate,
      (raw?: RetryRequest) => {
        this.retryRequest = checkRetryRequest(raw);
        return {
          retried: this.status.step,
          next: `step '${this.status.step}' is tried again now, with a fresh retry budget`,
        };
      },
      {
        validator: (raw?: RetryRequest) => {
          if (this.status.state !== 'needs-attention' || this.retryRequest) {
            throw new Error(
              `nothing to retry: the order is ${this.status.state} at step ${this.status.step}${this.status.state === 'needs-reconciliation' ? '; answer it with reconcile' : ''}`,
            );
          }
          checkRetryRequest(raw);
        },
      },
    );
  }

  /**
   * The provider's activities; each call carries as its summary the step it serves ("Flexybox:
   * commit sales order"), or `step` when given. Summaries are metadata of the command, so
   * adding them changes no history (test/replay.test.ts).
   */
  activities(options: ActivityOptions, step?: string): Activities {
    return this.labelled((summary) => proxyActivities<GiftflowActivities>({ ...options, summary }), step);
  }

  /** As {@link activities}, for local activities. */
  localActivities(options: LocalActivityOptions, step?: string): Activities {
    return this.labelled((summary) => proxyLocalActivities<GiftflowActivities>({ ...options, summary }), step);
  }

  /**
   * As {@link activities}, for calls the provider deduplicates, and reads: each call runs as a
   * local activity first, then as a regular one with `options` (workflows/local-first.ts).
   */
  localFirst(options: ActivityOptions): Activities {
    return localFirstActivities(this.localActivities(PROVIDER_CALL_LOCAL_FIRST), this.activities(options), options);
  }

  private labelled(proxy: (summary: string) => Activities, step: string | undefined): Activities {
    return labelledActivities(proxy, () => stepLabel(this.provider, step ?? this.status.step));
  }

  private showDetails(): void {
    showOrderDetails(this.provider, this.status);
  }

  get providerIds(): Partial<Ids> {
    return this.status.providerIds;
  }

  get currentStep(): string {
    return this.status.step;
  }

  get state(): OrderState {
    return this.status.state;
  }

  /**
   * Marks the point of no return, just before `step` is first sent: from here on something
   * irreversible may exist at the provider (`mayExist` says what), so a failing step parks the
   * order instead of failing it. Only a definitive refusal of `step` itself (the provider said
   * no, so nothing was created) still fails the order.
   */
  enterPointOfNoReturn(step: string, mayExist: string): void {
    this.status.pointOfNoReturn = { step, mayExist };
  }

  /**
   * Runs one step: records it as current, its attempt count on success, its error on failure.
   * A failure that must not end the order (see {@link parksOn}) parks it until `retry`, then
   * runs the step again, as a fresh activity with a fresh retry budget. `park: false` leaves
   * every failure to the caller (a step whose workflow decides itself, as Payway's create).
   */
  async step<T extends { attempt: number }>(
    name: string,
    run: () => Promise<T>,
    options: { park?: boolean } = {},
  ): Promise<T> {
    const attempt = async (): Promise<T> => {
      this.status.step = name;
      this.showDetails();
      try {
        const outcome = await run();
        this.status.attempts[name] = outcome.attempt;
        return outcome;
      } catch (error) {
        if (!isCancellation(error)) this.status.lastError = describeFailure(error);
        throw error;
      }
    };
    return options.park === false ? attempt() : this.untilSettled(name, attempt);
  }

  /**
   * Runs `run` (one step, or a workflow's own loop around one) until it succeeds or fails in
   * a way that ends the order; a failure that parks (see {@link parksOn}) waits for `retry`,
   * then runs it again.
   */
  async untilSettled<T>(step: string, run: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await run();
      } catch (error) {
        if (isCancellation(error) || !this.parksOn(step, error)) throw error;
        await this.parkUntilRetried(step, error);
      }
    }
  }

  /**
   * Parks the order in `needs-attention` until an operator's `retry` (or a cancellation, which
   * ends the order as cancelled and says what may exist at the provider). Costs nothing while it waits.
   */
  private async parkUntilRetried(step: string, error: unknown): Promise<void> {
    const { workflowId } = workflowInfo();
    const exists = this.status.pointOfNoReturn
      ? ` What may exist at the provider: ${this.status.pointOfNoReturn.mayExist}.`
      : '';
    const budgetSpent =
      error instanceof ActivityFailure && error.retryState === 'TIMEOUT' ? ' after its retry budget ran out' : '';
    this.status.lastError = `step '${this.status.step}' stopped${budgetSpent}: ${describeFailure(error).replace(/\.$/, '')}.${exists} Fix the cause, then: giftflow retry ${workflowId}`;
    this.parkedSteps.add(step);
    this.setState('needs-attention');
    // Names of the recorded IDs only: their values (a GiftCardId, an AuthCode) redeem money and
    // are in the status query for operators; the worker's log (meta has workflowId) is not the place.
    log.warn('order needs attention', { step: this.status.step, recordedIds: Object.keys(this.status.providerIds) });
    await condition(() => this.retryRequest !== undefined || this.root.consideredCancelled);
    if (!this.retryRequest) throw new CancelledFailure('cancelled while parked');
    log.info('order retried by an operator', { step: this.status.step, reason: this.retryRequest.reason ?? null });
    this.retryRequest = undefined;
    this.resume();
  }

  /**
   * Whether a step's final failure parks the order: a refusal of our credentials always does
   * (a token rotation must not fail orders); past the point of no return everything does,
   * except a definitive refusal of the point-of-no-return step itself.
   */
  private parksOn(step: string, error: unknown): boolean {
    const type = failureType(error);
    const parks =
      type === FAILURE_TYPES.credentialsRefused ||
      (this.status.pointOfNoReturn !== undefined &&
        !(step === this.status.pointOfNoReturn.step && type === FAILURE_TYPES.rejected && !this.parkedSteps.has(step)));
    // Orders that ran before parking existed failed here; their histories must replay as they ran.
    return parks && patched(PARKS_FOR_OPERATOR);
  }

  /**
   * Parks the order for an operator: the current step's outcome is unknown. `what` says
   * what is known and what to check; it is shown as `lastError` until the answer comes.
   */
  needsReconciliation(what: string): void {
    this.status.lastError = what;
    this.setState('needs-reconciliation');
    log.warn('order needs reconciliation', {
      step: this.status.step,
      recordedIds: Object.keys(this.status.providerIds),
    });
  }

  /**
   * The operator answered: the question in `lastError` is gone and the order runs on (to
   * completion, or to send the step again).
   */
  resume(): void {
    this.status.lastError = null;
    this.setState('running');
  }

  /**
   * The input, validated again (the client did before start) by a local activity, so zod's
   * schemas stay out of workflow code. Bad input fails the order with `InvalidInput`, before
   * any provider call, and never the workflow task, which would be retried forever.
   */
  async validInput<T>(input: unknown, cancelledMessage = CANCELLED_IN_VALIDATION): Promise<T> {
    // Orders started before validation moved to an activity have no marker for it in their
    // history; their input came from the client, which sends it parsed.
    if (!hasPatch(INPUT_VALIDATED_BY_ACTIVITY)) return input as T;
    try {
      return (await this.localActivities(INPUT_VALIDATION, 'checkInput').validateWorkflowInput(input)) as T;
    } catch (error) {
      throw isCancellation(error) ? this.cancelled(cancelledMessage) : this.failed(error);
    }
  }

  recordIds(ids: Partial<Ids>): void {
    Object.assign(this.status.providerIds, ids);
  }

  complete(result: Result): Result {
    this.status.result = result;
    this.status.step = 'completed';
    this.setState('completed');
    return result;
  }

  /**
   * Ends the order as cancelled. Temporal records a cancelled workflow without message or
   * details, so the explanation of what exists at the provider lives in the status query.
   */
  cancelled(message: string): CancelledFailure {
    if (this.status.state === 'needs-attention' && this.status.pointOfNoReturn) {
      message = `Order cancelled while it waited for an operator at step '${this.status.step}', past its point of no return: ${this.status.pointOfNoReturn.mayExist}. Check the provider.`;
    }
    this.status.lastError = message;
    this.setState('cancelled');
    log.info('order cancelled', { step: this.status.step, recordedIds: Object.keys(this.status.providerIds) });
    return new CancelledFailure(message);
  }

  /**
   * Ends the order as failed with an ApplicationFailure that keeps the cause's type and
   * message, and says what exists at the provider (nothing paid or issued: an order past its
   * point of no return parks instead, apart from a definitive refusal of that very step).
   */
  failed(error: unknown): ApplicationFailure {
    this.setState('failed');
    const cause = error instanceof ActivityFailure && error.cause ? error.cause : error;
    const type = (cause instanceof ApplicationFailure && cause.type) || 'OrderFailed';
    const left = this.options.leftBehind?.(this.status.providerIds) ?? [];
    const atProvider = this.options.leftBehind
      ? ` Nothing was paid or issued; ${left.length ? `left at the provider: ${left.join(', ')}` : 'nothing was created at the provider'}.`
      : '';
    return ApplicationFailure.create({
      type,
      message: atProvider ? `${describeFailure(error).replace(/\.?$/, '.')}${atProvider}` : describeFailure(error),
      nonRetryable: true,
      cause: cause instanceof Error ? cause : undefined,
      details: [{ step: this.status.step, providerIds: this.status.providerIds }],
    });
  }

  private setState(state: OrderState): void {
    this.status.state = state;
    recordOrderState(this.provider, state);
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.state, value: state }]);
    this.showDetails();
  }
}

function failureType(error: unknown): string | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** The most specific message of a failure chain (an activity failure's own message only says "activity failed"). */
function describeFailure(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}
