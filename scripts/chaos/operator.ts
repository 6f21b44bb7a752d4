/**
 * The operator of a chaos run: finds orders parked in `needs-reconciliation` the way a
 * person would (the GiftOrderState search attribute), looks the order up in the sandbox
 * ledger by the IDs its status names, and answers the `reconcile` Update.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { GiftflowClient } from '../../client';
import { statusQuery, type ReconcileAnswer } from '../../contracts/shared';
import { isConnectionError, sleep } from './retry';
import type { ChaosStack } from './stack';

export class Operator {
  /** Accepted answers per workflow ID. */
  readonly answers = new Map<string, ReconcileAnswer['outcome'][]>();

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

  /** One look at the parked orders. The ledger is read after the status says parked, so it holds whatever the lost call did. */
  async pass(): Promise<void> {
    const parked = await this.giftflow.listOrders({ state: 'needs-reconciliation', limit: 1000 });
    const waiting: { workflowId: string; providerIds: Partial<Record<string, string>> }[] = [];
    for (const { workflowId } of parked) {
      const status = await this.giftflow.temporal.workflow.getHandle(workflowId).query(statusQuery);
      if (status.state === 'needs-reconciliation') waiting.push({ workflowId, providerIds: status.providerIds });
    }
    if (waiting.length === 0) return;
    const ledger = await this.stack.control('GET', '/ledger');
    for (const { workflowId, providerIds } of waiting) {
      const answer = answerFromLedger(workflowId, providerIds, ledger);
      try {
        await this.giftflow.reconcileOrder(workflowId, answer);
        this.answers.set(workflowId, [...(this.answers.get(workflowId) ?? []), answer.outcome]);
      } catch (error) {
        // The validator refuses an order that no longer waits for an answer; nothing changed.
        if (!(error instanceof WorkflowUpdateFailedError)) throw error;
      }
    }
  }
}

function answerFromLedger(workflowId: string, ids: Partial<Record<string, string>>, ledger: any): ReconcileAnswer {
  if (workflowId.startsWith('giftorder-payway-')) {
    const order = ledger.payway.orders.find((o: any) => o.merchant_reference === ids.merchantReference);
    return order ? { outcome: 'created', orderId: order.order_id, paymentId: order.payment_id } : { outcome: 'not-created' };
  }
  if (workflowId.startsWith('giftredeem-cpextender-')) {
    const hold = ledger.cpextender.authorizations.find((a: any) => a.saleId === ids.saleId && a.state === 'open');
    return hold ? { outcome: 'created', authCode: hold.authCode } : { outcome: 'not-created' };
  }
  throw new Error(`operator: no ledger rule for parked order ${workflowId}`);
}
