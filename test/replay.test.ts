import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { createDataConverter } from '../security/codec-keys';
import { bundleGiftflowWorkflows } from '../workers/giftflow-workers';

// Recorded from real runs (Flexybox: one lost commit response; Smart Gift: one lost POST /pos-sale
// response, recovered from the voucher codes; Payway: a plain order, and one whose create response
// was lost and that an operator reconciled with `temporal workflow update execute`; CP Extender:
// a card whose Create response was lost, a redemption whose Authorize response was lost, reconciled
// and then confirmed, and a pool of 12 IDs under a batch cap of 5) by
// `temporal workflow show -w <workflowId> --output json > test/histories/<name>.json`.
const histories = ['flexybox-order.json', 'flexybox-order-encrypted.json', 'smartgift-order.json', 'payway-plain.json', 'payway-reconciled.json', 'cpextender-issue.json', 'cpextender-redeem.json', 'cpextender-pool.json'].map((name) => ({
  name,
  history: JSON.parse(readFileSync(path.join(__dirname, 'histories', name), 'utf8')),
}));

describe('workflow determinism', () => {
  it.each(histories)('replays the recorded history $name with the current workflow code', async ({ history }) => {
    // Encrypted histories (recorded with the test codec keys) decode with the same converter as production.
    const options = { workflowBundle: await bundleGiftflowWorkflows(), dataConverter: await createDataConverter() };
    // Provider-facing IDs are derived from the workflow ID and steer branches, so replay under the recorded one.
    const workflowId: string | undefined = history.events[0].workflowExecutionStartedEventAttributes?.workflowId;
    await expect(Worker.runReplayHistory(options, history, workflowId)).resolves.toBeUndefined();
  });

  it('detects a reordered step as non-deterministic', async () => {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./fixtures/reordered-flexybox-workflow'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
    await expect(Worker.runReplayHistory({ workflowBundle }, histories[0].history)).rejects.toThrow(DeterminismViolationError);
  });
});
