/**
 * The operator of a chaos run: finds orders parked in `needs-reconciliation` the way a
 * person would (the GiftOrderState search attribute), looks the order up in the sandbox
 * ledger by the IDs its status names, and answers the `reconcile` Update. That includes a
 * run after a reset that parks because an earlier run of the order sent the create and its
 * outcome is unknown: the ledger answers it the same way. Orders parked in `needs-attention`
 * (a step failed past the point of no return) are retried (`giftflow retry`).
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { RetryRefusedError, type GiftflowClient } from '../../client';
import { statusQuery, type ReconcileAnswer } from '../../contracts/shared';
import { MAX_DELAY_MS } from './faults';
import { isConnectionError, sleep } from './retry';
import type { ChaosStack } from './stack';

export class Operator {
  /** Accepted answers per workflow ID. */
  readonly answers = new Map<string, ReconcileAnswer['outcome'][]>();
  /** Answers to a park caused by an earlier run of the order (after a reset), per workflow ID. */
  readonly earlierRunAnswers = new Map<string, number>();
  /** Accepted retries of orders parked in `needs-attention`, per workflow ID. */
  readonly retries = new Map<string, number>();
  /** When the ledger was first seen without a parked order's entry, per workflow ID. */
  private readonly absentSince = new Map<string, number>();

  constructor(
    private readonly giftflow: GiftflowClient,
    private readonly stack: ChaosStack,
    private readonly log: (message: string) => void,
  ) {}

  async run(done: () => boolean): Promise<void> {
    while (!done()) {
      await this.pass().catch((error: unknown) => {
        if (!isConnectionError(error)) this.log(`operator: ${(error as Error).message}`);
      });
      await sleep(1_000);
    }
  }

  /** One look at the parked orders. */
  async pass(): Promise<void> {
    await this.retryParked();
    await this.reconcileParked();
  }

  /**
   * Orders in `needs-attention`: the operator fixed the cause (here: the faults pass) and
   * retries. Only once the order's current run says it is parked: the list also holds runs a
   * reset ended while parked (their search attribute stays), and `retry` of an order whose
   * current run is in backoff or failed would hurry or re-run it instead.
   */
  private async retryParked(): Promise<void> {
    for (const workflowId of await this.parkedOrders('needs-attention')) {
      await this.ignoringMovedOn(async () => {
        const status = await this.giftflow.temporal.workflow.getHandle(workflowId).query(statusQuery);
        if (status.state !== 'needs-attention') return;
        const outcome = await this.giftflow.retryOrder(workflowId, {
          reason: 'chaos operator: provider faults are transient',
        });
        this.retries.set(workflowId, (this.retries.get(workflowId) ?? 0) + 1);
        this.log(`operator: retried ${workflowId} (${outcome.action}): ${outcome.message}`);
      });
    }
  }

  /**
   * The ledger is read after the status says parked. It holds whatever the lost call did once
   * that call can no longer land: a send held by a latency spike (the sender gave up, or its
   * run was reset while it was in flight) lands up to MAX_DELAY_MS later. So `not-created` is
   * answered only once the entry has stayed absent for longer than that, as a careful operator
   * would check the provider again before saying an order does not exist.
   */
  private async reconcileParked(): Promise<void> {
    const waiting: { workflowId: string; providerIds: Partial<Record<string, string>>; earlierRun: boolean }[] = [];
    for (const workflowId of await this.parkedOrders('needs-reconciliation')) {
      const status = await this.giftflow.temporal.workflow.getHandle(workflowId).query(statusQuery);
      if (status.state === 'needs-reconciliation') {
        waiting.push({
          workflowId,
          providerIds: status.providerIds,
          earlierRun: /an earlier run of this order/.test(status.lastError ?? ''),
        });
      }
    }
    if (waiting.length === 0) return;
    const ledger = await this.stack.control('GET', '/ledger');
    for (const { workflowId, providerIds, earlierRun } of waiting) {
      const answer = answerFromLedger(workflowId, providerIds, ledger);
      if (answer.outcome === 'not-created') {
        const since = this.absentSince.get(workflowId) ?? Date.now();
        this.absentSince.set(workflowId, since);
        if (Date.now() - since <= MAX_DELAY_MS + 1_000) continue;
      }
      this.absentSince.delete(workflowId);
      await this.ignoringMovedOn(async () => {
        await this.giftflow.reconcileOrder(workflowId, answer);
        this.answers.set(workflowId, [...(this.answers.get(workflowId) ?? []), answer.outcome]);
        if (earlierRun) this.earlierRunAnswers.set(workflowId, (this.earlierRunAnswers.get(workflowId) ?? 0) + 1);
        this.log(
          `operator: answered ${answer.outcome} for ${workflowId}${earlierRun ? ' (parked by an earlier run)' : ''}`,
        );
      });
    }
  }

  /** Workflow IDs with a run in `state`, each once (a reset leaves the ended run in the list too). */
  private async parkedOrders(state: 'needs-attention' | 'needs-reconciliation'): Promise<string[]> {
    return [...new Set((await this.giftflow.listOrders({ state, limit: 1000 })).map((order) => order.workflowId))];
  }

  /**
   * Runs one action on one order. An order that moved on since it was seen parked (answered
   * or retried already, completed, reset) refuses it; nothing changed, and the other orders
   * of the pass still get their turn.
   */
  private async ignoringMovedOn(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (isConnectionError(error)) throw error;
      if (error instanceof WorkflowUpdateFailedError || error instanceof RetryRefusedError) return;
      // An Update sent as the run ends: "workflow execution already completed".
      if (error instanceof WorkflowNotFoundError || /already completed/.test((error as Error).message)) return;
      this.log(`operator: ${(error as Error).message}`);
    }
  }
}

function answerFromLedger(workflowId: string, ids: Partial<Record<string, string>>, ledger: any): ReconcileAnswer {
  if (workflowId.startsWith('giftorder-payway-')) {
    const order = ledger.payway.orders.find((o: any) => o.merchant_reference === ids.merchantReference);
    return order
      ? { outcome: 'created', orderId: order.order_id, paymentId: order.payment_id }
      : { outcome: 'not-created' };
  }
  if (workflowId.startsWith('giftredeem-cpextender-')) {
    const hold = ledger.cpextender.authorizations.find((a: any) => a.saleId === ids.saleId && a.state === 'open');
    return hold ? { outcome: 'created', authCode: hold.authCode } : { outcome: 'not-created' };
  }
  throw new Error(`operator: no ledger rule for parked order ${workflowId}`);
}
