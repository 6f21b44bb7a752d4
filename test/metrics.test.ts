/**
 * Issue 15, item 4: the worker serves Prometheus metrics, the SDK's and giftflow's own. One
 * worker process on every task queue with its metrics endpoint on a free port runs one order
 * per provider, a parked CP Extender redemption (401 at Confirm, then `retry`) and a failed
 * order; its /metrics must then count each of them, time each provider call by provider, step,
 * status and outcome, show the parked order in the waiting gauge while it waits, and serve the
 * metrics that ops/prometheus-alerts.yml and ops/grafana-dashboard.json query. promtool checks
 * the alert rules and runs their unit tests.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { CpExtenderIssueResult } from '../contracts/cpextender';
import { loadConfig } from '../config';
import { ORDER_METRICS, ORDERS_WAITING, PROVIDER_CALL_LATENCY, WAITING_STATES } from '../contracts/metrics';
import { PROVIDERS, TASK_QUEUES } from '../contracts/shared';
import { freePort } from '../scripts/dev-server';
import { cpExtenderIssue, startRedemptionParkedAtConfirm } from './support/cpextender';
import { flexyboxOrder } from './support/flexybox';
import { paywayOrder } from './support/payway';
import { groupingLabels, has, metricNames, scrape, total, type Sample } from './support/prometheus';
import { smartGiftOrder } from './support/smartgift';
import { uniqueRef, useCrashStack, waitFor } from './support/stack';

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const ALERTS = path.join(ROOT, 'ops', 'prometheus-alerts.yml');
const ALERT_TESTS = path.join(ROOT, 'ops', 'prometheus-alerts.test.yml');
const DASHBOARD = path.join(ROOT, 'ops', 'grafana-dashboard.json');

const env = useCrashStack(Object.values(TASK_QUEUES).join(','));

/** Runs promtool; a missing binary fails with what to install, never a silent skip. */
async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync('promtool', args, { cwd: ROOT });
    return stdout + stderr;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT')
      throw new Error(
        "promtool not found: install Debian's prometheus package (apt-get install -y prometheus), which ships it",
      );
    throw new Error(`promtool ${args.join(' ')} failed:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`);
  }
}

/** Every PromQL expression of the alert rules and of the dashboard's panels. */
function shippedQueries(): { where: string; expr: string }[] {
  const rules = (
    parseYaml(fs.readFileSync(ALERTS, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }
  ).groups.flatMap((group) => group.rules);
  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  return [
    ...rules.map((rule) => ({ where: `alert ${rule.alert}`, expr: String(rule.expr) })),
    ...dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({ where: `panel '${panel.title}'`, expr: target.expr })),
    ),
  ];
}

describe('worker metrics', () => {
  it('counts orders per provider, times provider calls, gauges waiting orders and serves the SDK metrics the alerts and dashboard query', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    // No workflow cache: every workflow task replays its run from the start, and each run must still count once.
    const worker = await env.startWorker({
      GIFTFLOW_METRICS_ADDRESS: address,
      GIFTFLOW_WAITING_ORDERS_INTERVAL_MS: '300',
      GIFTFLOW_MAX_CACHED_WORKFLOWS: '0',
    });
    const metricsUrl = `http://${address}/metrics`;
    expect(worker.output()).toContain(`metrics ${metricsUrl}`);
    const waiting = async (state: string) =>
      total(await scrape(metricsUrl), ORDERS_WAITING, { provider: 'cpextender', state });

    // Flexybox's catalogue answers once with a body that breaks its contract: a failed call, then a retried one.
    await env.sandbox.fault({
      method: 'GET',
      path: '/flexybox/pos/api/v1/odata/giftcertificatetypes$',
      kind: 'status',
      status: 200,
      body: { unexpected: true },
    });
    const orders = [
      await env.giftflow.startGiftOrder({
        provider: 'flexybox',
        orderRef: uniqueRef('metrics-fx'),
        input: flexyboxOrder(),
      }),
      await env.giftflow.startGiftOrder({
        provider: 'smartgift',
        orderRef: uniqueRef('metrics-sg'),
        input: smartGiftOrder(),
      }),
      await env.giftflow.startGiftOrder({
        provider: 'payway',
        orderRef: uniqueRef('metrics-pw'),
        input: paywayOrder(),
      }),
    ];
    const card = (await (
      await env.giftflow.startGiftOrder({
        provider: 'cpextender',
        orderRef: uniqueRef('metrics-cpx'),
        input: cpExtenderIssue(),
      })
    ).result()) as CpExtenderIssueResult;
    await Promise.all(orders.map((order) => order.result()));

    // A redemption parks: CP Extender refuses our token at Confirm; the gauge shows it until the retry.
    const parking = await startRedemptionParkedAtConfirm(
      env.sandbox,
      env.giftflow,
      card.giftCardId,
      uniqueRef('metrics-cpx-park'),
    );
    await waitFor('the parked redemption in the waiting gauge', async () => (await waiting('needs-attention')) === 1);
    await env.sandbox.clearFaults();
    await env.giftflow.retryOrder(parking.workflowId, { reason: 'token rotated' });
    await parking.result();
    await waitFor('the waiting gauge back at 0', async () => (await waiting('needs-attention')) === 0);

    // A failed order: CP Extender refuses the customer.
    const failing = await env.giftflow.startGiftOrder({
      provider: 'cpextender',
      orderRef: uniqueRef('metrics-cpx-fail'),
      input: cpExtenderIssue({ customerNumber: '1111111111' }),
    });
    await expect(failing.result()).rejects.toBeInstanceOf(WorkflowFailedError);

    // Workflow-side metrics reach the exporter through a sink, just after the workflow task completes.
    const samples = await waitFor('the failed order counted', async () => {
      const current = await scrape(metricsUrl);
      return total(current, ORDER_METRICS.failed, { provider: 'cpextender' }) === 1 && current;
    });

    // Order counters: one run per provider order; CP Extender ran an issue, the redemption and the failed issue.
    const count = (metric: string, provider: string, labels: Record<string, string> = {}) =>
      total(samples, metric, { provider, ...labels });
    expect(
      Object.fromEntries(
        PROVIDERS.map((provider) => [
          provider,
          [count(ORDER_METRICS.started, provider), count(ORDER_METRICS.completed, provider)],
        ]),
      ),
    ).toEqual({
      flexybox: [1, 1],
      smartgift: [1, 1],
      payway: [1, 1],
      cpextender: [3, 2],
    });
    expect(count(ORDER_METRICS.failed, 'flexybox')).toBe(0);
    expect(count(ORDER_METRICS.parked, 'cpextender', { state: 'needs-attention' })).toBe(1);
    expect(count(ORDER_METRICS.started, 'cpextender', { workflowType: 'cpExtenderRedeem' })).toBe(1);
    // ...although no task found its run in a cache (each one replayed the history).
    expect(total(samples, 'temporal_sticky_cache_hit')).toBe(0);
    // The gauge has a series per provider and waiting state, all back at 0.
    expect(
      samples
        .filter((sample) => sample.name === ORDERS_WAITING)
        .map((sample) => [sample.labels.provider, sample.labels.state, sample.value])
        .sort(),
    ).toEqual(PROVIDERS.flatMap((provider) => WAITING_STATES.map((state) => [provider, state, 0])).sort());

    // Provider calls: a histogram per provider and step, with status and outcome.
    const calls = (labels: Record<string, string>) => total(samples, `${PROVIDER_CALL_LATENCY}_count`, labels);
    expect(calls({ provider: 'flexybox', step: 'commitSalesOrder', status: '200', outcome: 'ok' })).toBe(1);
    for (const provider of PROVIDERS) expect(calls({ provider, outcome: 'ok' })).toBeGreaterThan(0);
    expect(
      calls({ provider: 'cpextender', step: 'confirm', status: '401', outcome: 'ProviderCredentialsRefused' }),
    ).toBeGreaterThanOrEqual(1);
    expect(calls({ provider: 'flexybox', step: 'resolveCatalog', status: '200', outcome: 'AmbiguousOutcome' })).toBe(1);
    expect(has(samples, `${PROVIDER_CALL_LATENCY}_bucket`, { provider: 'payway', le: '+Inf' })).toBe(true);

    // The SDK's own: task latencies, activity failures, slots.
    for (const name of [
      'temporal_workflow_task_schedule_to_start_latency_bucket',
      'temporal_activity_execution_failed',
      'temporal_worker_task_slots_available',
    ]) {
      expect(has(samples, name)).toBe(true);
    }

    // Every alert rule and dashboard query reads only metrics the worker serves.
    const served = new Set(samples.map((sample: Sample) => sample.name));
    const queries = shippedQueries();
    expect(queries.length).toBeGreaterThan(5);
    const unknown = queries.flatMap(({ where, expr }) => {
      const names = metricNames(expr);
      return names.length
        ? names.filter((name) => !served.has(name)).map((name) => `${where}: ${name}`)
        : [`${where}: names no metric`];
    });
    expect(unknown).toEqual([]);
    // ...and groups only by labels those metrics carry (Prometheus adds instance and job when it scrapes).
    const labelsOf = (names: string[]) =>
      new Set([
        'instance',
        'job',
        ...samples.filter((sample) => names.includes(sample.name)).flatMap((sample) => Object.keys(sample.labels)),
      ]);
    const unknownLabels = queries.flatMap(({ where, expr }) => {
      const carried = labelsOf(metricNames(expr));
      return groupingLabels(expr)
        .filter((label) => !carried.has(label))
        .map((label) => `${where}: ${label}`);
    });
    expect(unknownLabels).toEqual([]);

    // A second worker on the same address stops at start-up and names the variable.
    await expect(env.startWorker({ GIFTFLOW_METRICS_ADDRESS: address })).rejects.toThrow(
      new RegExp(
        `GIFTFLOW_METRICS_ADDRESS: cannot serve metrics on ${address.replaceAll('.', '\\.')} \\(Address already in use\\)`,
      ),
    );
  }, 240_000);
});

describe('metrics configuration', () => {
  it('serves on 127.0.0.1:9464 by default, takes IP:port, and off or empty turns metrics off', () => {
    const address = (value?: string) =>
      loadConfig(value === undefined ? {} : { GIFTFLOW_METRICS_ADDRESS: value }).metrics.address;
    expect([address(), address('0.0.0.0:9100'), address('[::1]:9464'), address('off'), address('')]).toEqual([
      '127.0.0.1:9464',
      '0.0.0.0:9100',
      '[::1]:9464',
      undefined,
      undefined,
    ]);
    expect(loadConfig({}).metrics.waitingOrdersIntervalMs).toBe(30_000);
  });

  it('refuses a host name or a bad port, naming the variable', () => {
    for (const value of ['localhost:9464', '127.0.0.1:70000', '127.0.0.1', ':9464']) {
      expect(() => loadConfig({ GIFTFLOW_METRICS_ADDRESS: value })).toThrow(
        /GIFTFLOW_METRICS_ADDRESS: must be IP:port/,
      );
    }
  });
});

describe('alert rules', () => {
  it('pass promtool check rules', async () => {
    expect(await promtool('check', 'rules', ALERTS)).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('fire as their unit tests expect (promtool test rules)', async () => {
    expect(await promtool('test', 'rules', ALERT_TESTS)).toContain('SUCCESS');
  });

  it("and the dashboard's queries are valid PromQL (checked by promtool as recording rules)", async () => {
    const dashboard = shippedQueries().filter(({ where }) => where.startsWith('panel'));
    // Grafana's $__rate_interval is no PromQL; any range stands in for it.
    const rules = dashboard.map(({ expr }, index) => ({
      record: `giftflow:dashboard_query_${index}`,
      expr: expr.replaceAll('$__rate_interval', '5m'),
    }));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'giftflow-dashboard-')), 'queries.yml');
    fs.writeFileSync(file, stringifyYaml({ groups: [{ name: 'dashboard', rules }] }));
    expect(await promtool('check', 'rules', file)).toContain(`SUCCESS: ${dashboard.length} rules found`);
  });
});
