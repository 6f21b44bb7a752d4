/**
 * Workflow-side bookkeeping shared by every provider workflow: the `status` query, the
 * `GiftOrderState` search attribute, attempts per step and the last error.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  isCancellation,
  log,
  patched,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { GiftflowActivities } from '../activities';
import { SEARCH_ATTRIBUTES, statusQuery, type OrderState, type OrderStatus } from '../contracts/shared';
import { INPUT_VALIDATION } from './activity-options';

const { validateWorkflowInput } = proxyLocalActivities<GiftflowActivities>(INPUT_VALIDATION);

/** Patch ID of the input validation by local activity (before it, workflow code parsed with zod). */
const INPUT_VALIDATED_BY_ACTIVITY = 'input-validated-by-activity';

export class OrderTracker<Ids extends object, Result> {
  private readonly status: OrderStatus<Ids, Result>;

  constructor(firstStep: string) {
    this.status = { step: firstStep, state: 'running', providerIds: {}, attempts: {}, lastError: null, result: null };
    setHandler(statusQuery, () => this.status as OrderStatus);
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

  /** Runs one step: records it as current, its attempt count on success, its error on failure. */
  async step<T extends { attempt: number }>(name: string, run: () => Promise<T>): Promise<T> {
    this.status.step = name;
    try {
      const outcome = await run();
      this.status.attempts[name] = outcome.attempt;
      return outcome;
    } catch (error) {
      if (!isCancellation(error)) this.status.lastError = describeFailure(error);
      throw error;
    }
  }

  /**
   * Parks the order for an operator: the current step's outcome is unknown. `what` says
   * what is known and what to check; it is shown as `lastError` until the answer comes.
   */
  needsReconciliation(what: string): void {
    this.status.lastError = what;
    this.setState('needs-reconciliation');
    log.warn('order needs reconciliation', { step: this.status.step, providerIds: this.status.providerIds });
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
  async validInput<T>(input: unknown): Promise<T> {
    // Orders started before validation moved to an activity have no marker for it in their
    // history; their input came from the client, which sends it parsed.
    if (!patched(INPUT_VALIDATED_BY_ACTIVITY)) return input as T;
    try {
      return (await validateWorkflowInput(input)) as T;
    } catch (error) {
      throw isCancellation(error) ? this.cancelled('Order cancelled while its input was being validated; nothing was sent to the provider.') : this.failed(error);
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
    this.status.lastError = message;
    this.setState('cancelled');
    log.info('order cancelled', { step: this.status.step, providerIds: this.status.providerIds });
    return new CancelledFailure(message);
  }

  /** Ends the order as failed with an ApplicationFailure that keeps the cause's type and message. */
  failed(error: unknown): ApplicationFailure {
    this.setState('failed');
    const cause = error instanceof ActivityFailure && error.cause ? error.cause : error;
    const type = (cause instanceof ApplicationFailure && cause.type) || 'OrderFailed';
    return ApplicationFailure.create({
      type,
      message: describeFailure(error),
      nonRetryable: true,
      cause: cause instanceof Error ? cause : undefined,
      details: [{ step: this.status.step, providerIds: this.status.providerIds }],
    });
  }

  private setState(state: OrderState): void {
    this.status.state = state;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.state, value: state }]);
  }
}

/** The most specific message of a failure chain (an activity failure's own message only says "activity failed"). */
function describeFailure(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}
