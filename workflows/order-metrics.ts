/**
 * The order counters of contracts/metrics.ts, emitted by workflow code at the order's state
 * transitions (workflows/order-tracker.ts). The SDK's workflow metricMeter drops values while
 * the run replays, so these count what happened, not how often a worker replayed it; they
 * send no command, so histories replay unchanged.
 */
import { metricMeter } from '@temporalio/workflow';
import { ORDER_METRICS } from '../contracts/metrics';
import type { OrderState, Provider } from '../contracts/shared';

/** Counts a run that starts (a re-run of a failed order counts again). */
export function recordOrderStarted(provider: Provider): void {
  metricMeter.createCounter(ORDER_METRICS.started, 'orders', 'order runs started').add(1, { provider });
}

/** Counts the transition into `state`; `running` (the start, or resuming after an operator's answer) is not counted here. */
export function recordOrderState(provider: Provider, state: OrderState): void {
  const tags = { provider };
  switch (state) {
    case 'completed':
    case 'failed':
    case 'cancelled':
      metricMeter.createCounter(ORDER_METRICS[state], 'orders', `order runs ${state}`).add(1, tags);
      return;
    case 'needs-attention':
    case 'needs-reconciliation':
      metricMeter
        .createCounter(ORDER_METRICS.parked, 'orders', 'times an order parked for an operator')
        .add(1, { ...tags, state });
      return;
    case 'running':
      return;
  }
}
