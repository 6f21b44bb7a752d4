/**
 * The worker's Prometheus endpoint: the SDK's Runtime serves its own `temporal_*` metrics and
 * giftflow's (contracts/metrics.ts) on one address, and a timer keeps the gauge of orders that
 * wait for an operator current. What is served, the alerts and the dashboard: docs/metrics.md.
 */
import { Client } from '@temporalio/client';
import { Runtime, type NativeConnection, type RuntimeOptions } from '@temporalio/worker';
import { ConfigError, type GiftflowConfig } from '../config';
import { ORDERS_WAITING, PROVIDER_CALL_BUCKETS_MS, PROVIDER_CALL_LATENCY, WAITING_STATES } from '../contracts/metrics';
import { SEARCH_ATTRIBUTES, TASK_QUEUES, type Provider } from '../contracts/shared';

/**
 * Installs the SDK Runtime with `options` plus, unless metrics are off, a Prometheus exporter on
 * GIFTFLOW_METRICS_ADDRESS; an address it cannot bind stops start-up with a ConfigError naming
 * the variable (two workers on one host need two addresses).
 */
export function installRuntime(options: RuntimeOptions, config: GiftflowConfig): Runtime {
  const bindAddress = config.metrics.address;
  if (!bindAddress) return Runtime.install(options);
  const prometheus = { bindAddress, histogramBucketOverrides: { [PROVIDER_CALL_LATENCY]: PROVIDER_CALL_BUCKETS_MS } };
  try {
    return Runtime.install({ ...options, telemetryOptions: { ...options.telemetryOptions, metrics: { prometheus } } });
  } catch (error) {
    const prefix = /^Failed to start prometheus metrics exporter: /;
    if (!prefix.test((error as Error).message)) throw error;
    const reason = (error as Error).message.replace(prefix, '').replace(/ \(os error \d+\)$/, '');
    throw ConfigError.of(
      [
        `GIFTFLOW_METRICS_ADDRESS: cannot serve metrics on ${bindAddress} (${reason}); stop what listens there (another worker?), or set another IP:port, or off`,
      ],
      'cannot start the metrics endpoint',
    );
  }
}

/** The visibility query that counts one provider's running orders in one waiting state. */
function waitingOrdersQuery(provider: Provider, state: (typeof WAITING_STATES)[number]): string {
  return `${SEARCH_ATTRIBUTES.provider.name} = '${provider}' AND ${SEARCH_ATTRIBUTES.state.name} = '${state}' AND ExecutionStatus = 'Running'`;
}

/**
 * Counts the orders waiting for an operator, per provider this worker polls and per state, now
 * and every `waitingOrdersIntervalMs`, into the gauge. A failed count keeps the last value and
 * logs one warning until a count succeeds again (the SDK's own metrics show an unreachable
 * server). Returns the function that stops the timer.
 */
export function startWaitingOrdersGauge(options: {
  connection: NativeConnection;
  namespace: string;
  config: GiftflowConfig;
}): () => void {
  const { config, namespace } = options;
  if (!config.metrics.address) return () => undefined;
  const client = new Client({ connection: options.connection, namespace });
  const runtime = Runtime.instance();
  const gauge = runtime.metricMeter.createGauge(
    ORDERS_WAITING,
    'int',
    'orders',
    'running orders waiting for an operator (retry or reconcile)',
  );
  const providers = (Object.keys(TASK_QUEUES) as Provider[]).filter((provider) =>
    config.taskQueues.includes(TASK_QUEUES[provider]),
  );
  let warned = false;
  let counting = false;

  const countAll = async () => {
    if (counting) return;
    counting = true;
    try {
      const counts = await Promise.all(
        providers.flatMap((provider) =>
          WAITING_STATES.map(async (state) => ({
            provider,
            state,
            count: (await client.workflow.count(waitingOrdersQuery(provider, state))).count,
          })),
        ),
      );
      for (const { provider, state, count } of counts) gauge.set(count, { provider, state, namespace });
      warned = false;
    } catch (error) {
      if (!warned)
        runtime.logger.warn(`cannot count the orders waiting for an operator; ${ORDERS_WAITING} keeps its last value`, {
          error: (error as Error).message,
        });
      warned = true;
    } finally {
      counting = false;
    }
  };

  void countAll();
  const timer = setInterval(() => void countAll(), config.metrics.waitingOrdersIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
