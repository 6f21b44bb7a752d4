import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import {
  CPEXTENDER_ISSUE_WORKFLOW_TYPE,
  CPEXTENDER_POOL_WORKFLOW_TYPE,
  CPEXTENDER_REDEEM_WORKFLOW_TYPE,
} from '../contracts/cpextender';
import { FLEXYBOX_WORKFLOW_TYPE } from '../contracts/flexybox';
import { PAYWAY_WORKFLOW_TYPE } from '../contracts/payway';
import { SMARTGIFT_WORKFLOW_TYPE } from '../contracts/smartgift';
import { createDataConverter } from '../security/codec-keys';
import { bundleGiftflowWorkflows } from '../workers/giftflow-workers';
import { CURRENT_SHAPE } from '../workflows/patches';

/*
 * Histories recorded from real runs, named `<provider>-<what>.<era>.json`: the era is the patch
 * (or feature) of the code that recorded it, so a reader sees which code each one pins down.
 * Recorded by `temporal workflow show -w <workflowId> --output json > test/histories/<name>`,
 * or (under the test codec keys) by fetchHistory + historyToJSON. Every file found here must
 * have an entry below and every entry a file: adding a history means saying what it is.
 */
const HISTORIES_DIR = path.join(__dirname, 'histories');

/** The workflow a history's file name says it ran, by `<provider>-<what>`. */
const WORKFLOW_TYPES: [RegExp, string][] = [
  [/^flexybox-/, FLEXYBOX_WORKFLOW_TYPE],
  [/^smartgift-/, SMARTGIFT_WORKFLOW_TYPE],
  [/^payway-/, PAYWAY_WORKFLOW_TYPE],
  [/^cpextender-issue[.-]/, CPEXTENDER_ISSUE_WORKFLOW_TYPE],
  [/^cpextender-redeem[.-]/, CPEXTENDER_REDEEM_WORKFLOW_TYPE],
  [/^cpextender-pool[.-]/, CPEXTENDER_POOL_WORKFLOW_TYPE],
];

/** Each history: what it recorded, and the patch markers its era wrote (exactly these). */
const EXPECTED: Record<string, { recorded: string; patches: string[] }> = {
  // Era before-patches: the first code of each workflow, before any patch().
  'flexybox-order.before-patches.json': { recorded: 'one lost commit response', patches: [] },
  'flexybox-order-encrypted.before-patches.json': { recorded: 'an order under the test codec keys', patches: [] },
  'smartgift-order.before-patches.json': {
    recorded: 'one lost POST /pos-sale answer, recovered from the voucher codes',
    patches: [],
  },
  'payway-order.before-patches.json': { recorded: 'a plain order', patches: [] },
  'payway-order-reconciled.before-patches.json': {
    recorded: 'a lost create answer, reconciled by an operator with `temporal workflow update execute`',
    patches: [],
  },
  'cpextender-issue.before-patches.json': { recorded: 'a card whose Create answer was lost', patches: [] },
  'cpextender-redeem.before-patches.json': {
    recorded: 'a redemption whose Authorize answer was lost, reconciled, then confirmed',
    patches: [],
  },
  'cpextender-pool.before-patches.json': { recorded: 'a pool of 12 IDs under a batch cap of 5', patches: [] },
  // Input validated by a local activity (patch 'input-validated-by-activity').
  'flexybox-order.input-validated-by-activity.json': {
    recorded: 'a plain order, under the test codec keys',
    patches: ['input-validated-by-activity'],
  },
  // Redemptions that resend an Authorize once it can no longer land (patch 'cpextender-authorize-resent-once-unlandable').
  'cpextender-redeem-late-authorize.authorize-resent-once-unlandable.json': {
    recorded: 'an Authorize whose answer was lost and that landed late',
    patches: ['input-validated-by-activity', 'cpextender-authorize-resent-once-unlandable'],
  },
  // Voucher codes derived once by a local activity (patch 'smartgift-voucher-codes-in-history').
  'smartgift-order.voucher-codes-in-history.json': {
    recorded: 'a lost POST /pos-sale answer',
    patches: ['input-validated-by-activity', 'smartgift-voucher-codes-in-history'],
  },
  // Parked for an operator (patches 'cancel-checked-before-commit' and 'parks-for-operator').
  'flexybox-order-parked-retried.parks-for-operator.json': {
    recorded: 'a commit refused with 401, parked in needs-attention and completed after the `retry` Update',
    patches: ['input-validated-by-activity', 'parks-for-operator'],
  },
  // Started by a bare @temporalio/client under a free-form ID (patch 'sets-own-search-attributes'); a summary on every activity.
  'flexybox-order-any-client.sets-own-search-attributes.json': {
    recorded: 'an order started without giftflow’s client',
    patches: ['sets-own-search-attributes', 'input-validated-by-activity'],
  },
  // Activity summaries: metadata only, no patch (giftflow's client).
  'smartgift-order.activity-summaries.json': {
    recorded: 'an order with a summary on every activity',
    patches: ['input-validated-by-activity', 'smartgift-voucher-codes-in-history'],
  },
  // Provider calls as local activities first (patch 'provider-calls-local-first').
  'flexybox-order.local-first.json': {
    recorded: 'a customer upsert that failed past the local budget and went on as a regular activity',
    patches: ['provider-calls-local-first', 'input-validated-by-activity'],
  },
  'flexybox-order-parked-retried.local-first.json': {
    recorded: 'local catalogue calls refused (401), parked and retried',
    patches: ['provider-calls-local-first', 'input-validated-by-activity', 'parks-for-operator'],
  },
  'cpextender-issue.local-first.json': {
    recorded: 'BalanceCheck and Certificate as local activities',
    patches: ['provider-calls-local-first', 'input-validated-by-activity'],
  },
  'flexybox-order-regular-by-memo.local-first.json': {
    recorded: "an order started with memo giftflowProviderCalls: 'regular'",
    patches: ['sets-own-search-attributes', 'input-validated-by-activity'],
  },
  // The sales order's create local first too (patch 'flexybox-create-local-first'), the commit a
  // regular activity, scheduled before it is sent (patch 'flexybox-commit-scheduled-before-sent').
  'flexybox-order.commit-scheduled-before-sent.json': {
    recorded: 'a plain order: one workflow task of local calls, then the commit',
    patches: [
      'provider-calls-local-first',
      'flexybox-create-local-first',
      'input-validated-by-activity',
      'flexybox-commit-scheduled-before-sent',
    ],
  },
  'flexybox-order-cancelled-in-first-task.commit-scheduled-before-sent.json': {
    recorded: 'a cancellation that arrived while the local create ran; the commit went out, the order completed paid',
    patches: [
      'provider-calls-local-first',
      'flexybox-create-local-first',
      'input-validated-by-activity',
      'flexybox-commit-scheduled-before-sent',
    ],
  },
  // One marker for the patches a new order takes together (workflows/patches.ts).
  'flexybox-order.order-shape-2026-11-29.json': {
    recorded: 'a plain order under the one marker',
    patches: ['order-shape-2026-11-29'],
  },
};

const FILES = readdirSync(HISTORIES_DIR)
  .filter((name) => name.endsWith('.json'))
  .sort();
const histories = FILES.map((name) => ({
  name,
  history: JSON.parse(readFileSync(path.join(HISTORIES_DIR, name), 'utf8')),
}));

interface HistoryEvent {
  workflowExecutionStartedEventAttributes?: { workflowId?: string; workflowType?: { name?: string } };
  markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: { data?: string }[] }> };
}

/** The patch IDs a history's markers record, in order (their payloads are plain JSON, never encrypted). */
function patchesOf(events: HistoryEvent[]): string[] {
  return events.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return [];
    const data = Object.values(marker.details ?? {})[0]?.payloads?.[0]?.data;
    return data ? [JSON.parse(Buffer.from(data, 'base64').toString('utf8')).id as string] : [];
  });
}

describe('recorded histories', () => {
  it('are all named `<provider>-<what>.<era>.json` and described here, and every description has its file', () => {
    expect(FILES.filter((name) => !/^[a-z]+(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*\.json$/.test(name))).toEqual([]);
    expect(FILES.filter((name) => !(name in EXPECTED))).toEqual([]);
    expect(Object.keys(EXPECTED).filter((name) => !FILES.includes(name))).toEqual([]);
  });

  it.each(histories)('$name ran the workflow its name says and holds its era’s patch markers', ({ name, history }) => {
    const events: HistoryEvent[] = history.events;
    const workflowType = WORKFLOW_TYPES.find(([pattern]) => pattern.test(name))?.[1];
    expect(workflowType).toBeDefined();
    expect(events[0].workflowExecutionStartedEventAttributes?.workflowType?.name).toBe(workflowType);
    expect(patchesOf(events)).toEqual(EXPECTED[name]?.patches);
  });
});

describe('workflow determinism', () => {
  let workflowBundle: WorkflowBundle;
  beforeAll(async () => {
    workflowBundle = await bundleGiftflowWorkflows();
  });

  it.each(histories)('replays the recorded history $name with the current workflow code', async ({ history }) => {
    // Encrypted histories (recorded with the test codec keys) decode with the same converter as production.
    const options = { workflowBundle, dataConverter: await createDataConverter() };
    // Provider-facing IDs are derived from the workflow ID and steer branches, so replay under the recorded one.
    const workflowId: string | undefined = history.events[0].workflowExecutionStartedEventAttributes?.workflowId;
    await expect(Worker.runReplayHistory(options, history, workflowId)).resolves.toBeUndefined();
  });

  it('replays every history on one worker, the one-marker shape first: no order takes another order’s patch answers', async () => {
    // workflows/patches.ts remembers CURRENT_SHAPE in module state, which the SDK keeps per workflow.
    const oneMarkerFirst = [...histories].sort(
      (a, b) =>
        Number(EXPECTED[b.name].patches.includes(CURRENT_SHAPE)) -
        Number(EXPECTED[a.name].patches.includes(CURRENT_SHAPE)),
    );
    expect(EXPECTED[oneMarkerFirst[0].name].patches).toContain(CURRENT_SHAPE);
    const results = Worker.runReplayHistories(
      { workflowBundle, dataConverter: await createDataConverter() },
      oneMarkerFirst.map(({ history }) => ({
        workflowId: history.events[0].workflowExecutionStartedEventAttributes?.workflowId,
        history,
      })),
    );
    const failed: string[] = [];
    for await (const result of results) if (result.error) failed.push(`${result.workflowId}: ${result.error}`);
    expect(failed).toEqual([]);
  });

  it('leaves zod out of the workflow bundle (each workflow evaluates the bundle; schemas are built in the worker)', () => {
    const sourceMap = workflowBundle.code.slice(workflowBundle.code.lastIndexOf('base64,') + 'base64,'.length);
    const sources: string[] = JSON.parse(Buffer.from(sourceMap, 'base64').toString()).sources;
    expect(sources).toContainEqual(expect.stringContaining('workflows/flexybox.ts'));
    expect(sources.filter((source) => source.includes('node_modules/zod/'))).toEqual([]);
  });

  it('detects a reordered step as non-deterministic', async () => {
    const reorderedBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./fixtures/reordered-flexybox-workflow'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
    const plain = histories.find(({ name }) => name === 'flexybox-order.before-patches.json')!;
    await expect(Worker.runReplayHistory({ workflowBundle: reorderedBundle }, plain.history)).rejects.toThrow(
      DeterminismViolationError,
    );
  });
});
