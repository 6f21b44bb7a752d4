import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { createDataConverter } from '../security/codec-keys';
import { bundleGiftflowWorkflows } from '../workers/giftflow-workers';

// Recorded from a real run (with one lost commit response) by
// `temporal workflow show -w <workflowId> --output json > test/histories/<name>.json`.
const histories = ['flexybox-order.json'].map((name) => ({
  name,
  history: JSON.parse(readFileSync(path.join(__dirname, 'histories', name), 'utf8')),
}));

describe('workflow determinism', () => {
  it.each(histories)('replays the recorded history $name with the current workflow code', async ({ history }) => {
    // Encrypted histories (recorded with the test codec keys) decode with the same converter as production.
    const options = { workflowBundle: await bundleGiftflowWorkflows(), dataConverter: await createDataConverter() };
    await expect(Worker.runReplayHistory(options, history)).resolves.toBeUndefined();
  });

  it('detects a reordered step as non-deterministic', async () => {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./fixtures/reordered-flexybox-workflow'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
    await expect(Worker.runReplayHistory({ workflowBundle }, histories[0].history)).rejects.toThrow(DeterminismViolationError);
  });
});
