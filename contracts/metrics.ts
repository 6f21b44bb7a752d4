/**
 * giftflow's own Prometheus metrics: every name and label exists here once, for the code that
 * emits them (workflows/order-metrics.ts, activities/http.ts, observability/metrics.ts), the
 * alert rules and dashboard under ops/, and the tests. Workflow code imports this module, so it
 * stays free of Node APIs and zod. The worker serves these next to the SDK's own `temporal_*`
 * metrics on GIFTFLOW_METRICS_ADDRESS (docs/metrics.md).
 */

/**
 * Counters of order runs per provider (label `provider`; the SDK adds `workflow_type`,
 * `task_queue` and `namespace`). Emitted by workflow code, which the SDK skips on replay,
 * so a run counts once however often a worker replays it.
 */
export const ORDER_METRICS = {
  started: 'giftflow_orders_started',
  completed: 'giftflow_orders_completed',
  failed: 'giftflow_orders_failed',
  cancelled: 'giftflow_orders_cancelled',
  /** Each time an order parks for an operator; label `state` is needs-attention or needs-reconciliation. */
  parked: 'giftflow_orders_parked',
} as const;

/**
 * Histogram of provider HTTP calls in milliseconds, labels `provider`, `step`, `status` (the
 * HTTP status, or `no-response`) and `outcome` (`ok`, or the failure type of docs/design.md).
 */
export const PROVIDER_CALL_LATENCY = 'giftflow_provider_call_latency';

/**
 * Gauge of running orders that wait for an operator, labels `provider` and `state`, from a
 * visibility count each worker runs every GIFTFLOW_WAITING_ORDERS_INTERVAL_MS for the providers
 * whose task queues it polls (every such worker reports the same count: aggregate with max).
 */
export const ORDERS_WAITING = 'giftflow_orders_waiting_for_operator';

/** The order states that wait for an operator: `retry` answers the first, `reconcile` the second. */
export const WAITING_STATES = ['needs-attention', 'needs-reconciliation'] as const;

/** Bucket bounds (ms) of the provider call histogram: sandbox calls take milliseconds, a slow provider tens of seconds. */
export const PROVIDER_CALL_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000];

/** Where a worker serves its metrics, as its ready line and `npm start` print it. */
export const metricsUrl = (address: string | undefined): string =>
  address ? `http://${address}/metrics` : 'off (GIFTFLOW_METRICS_ADDRESS=off)';
