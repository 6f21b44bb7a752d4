import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { createDataConverter } from '../security/codec-keys';
import { bundleGiftflowWorkflows } from '../workers/giftflow-workers';

// Recorded from real runs (Flexybox: one lost commit response; Smart Gift: one lost POST /pos-sale
// response, recovered from the voucher codes; Payway: a plain order, and one whose create response
// was lost and that an operator reconciled with `temporal workflow update execute`; CP Extender:
// a card whose Create response was lost, a redemption whose Authorize response was lost, reconciled
// and then confirmed, and a pool of 12 IDs under a batch cap of 5) by
// `temporal workflow show -w <workflowId> --output json > test/histories/<name>.json`.
// All but two predate input validation by local activity (patch 'input-validated-by-activity');
// flexybox-order-validated.json is a plain order recorded with it, under the test codec keys.
// smartgift-order-codes-recorded.json (test codec keys, fetchHistory + historyToJSON): a lost POST /pos-sale
// answer, with the voucher codes derived once by a local activity (patch 'smartgift-voucher-codes-in-history').
// flexybox-order-parked-retried.json (same way): a commit refused with 401, parked in needs-attention and
// completed after the `retry` Update (patches 'cancel-checked-before-commit' and 'parks-for-operator').
// flexybox-order-any-client.json (same way): started by a bare @temporalio/client under a free-form ID, so the
// workflow set its own search attributes (patch 'sets-own-search-attributes'); it and smartgift-order-summaries.json
// (giftflow's client: no such patch) carry a summary on every activity (metadata only: no patch).
// Local first (patch 'provider-calls-local-first', same way): flexybox-order-local-first.json, whose customer upsert
// failed past the local budget and went on as a regular activity; flexybox-order-local-first-parked-retried.json, whose
// local catalogue calls were refused (401), parked and retried; cpextender-issue-local-first.json (BalanceCheck and
// Certificate local); flexybox-order-regular-by-memo.json, started with memo giftflowProviderCalls: 'regular'.
const histories = ['flexybox-order.json', 'flexybox-order-encrypted.json', 'flexybox-order-validated.json', 'flexybox-order-parked-retried.json', 'flexybox-order-any-client.json', 'smartgift-order.json', 'smartgift-order-codes-recorded.json', 'smartgift-order-summaries.json', 'payway-plain.json', 'payway-reconciled.json', 'cpextender-issue.json', 'cpextender-redeem.json', 'cpextender-redeem-late-authorize.json', 'cpextender-pool.json', 'flexybox-order-local-first.json', 'flexybox-order-local-first-parked-retried.json', 'cpextender-issue-local-first.json', 'flexybox-order-regular-by-memo.json'].map((name) => ({
  name,
  history: JSON.parse(readFileSync(path.join(__dirname, 'histories', name), 'utf8')),
}));

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
    await expect(Worker.runReplayHistory({ workflowBundle: reorderedBundle }, histories[0].history)).rejects.toThrow(DeterminismViolationError);
  });
});
