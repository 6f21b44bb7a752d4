import { Client, Connection } from '@temporalio/client';
import { GiftflowClient } from '../client';
import { createDataConverter } from '../security/codec-keys';
import { TEST_KEY_A, TEST_KEY_B } from './support/codec-keys';
import { flexyboxLedgerFor, flexyboxOrder } from './support/flexybox';
import { temporalAddress, TestSandbox, uniqueRef, waitFor, WorkerProcess } from './support/stack';

let sandbox: TestSandbox;
let connection: Connection;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  sandbox = await TestSandbox.start();
  connection = await Connection.connect({ address: temporalAddress() });
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.kill()));
  await connection?.close();
  await sandbox?.close();
});

async function clientWithKeys(keys: string, active?: string): Promise<GiftflowClient> {
  const dataConverter = await createDataConverter({ GIFTFLOW_CODEC_KEYS: keys, GIFTFLOW_CODEC_ACTIVE_KEY: active });
  return new GiftflowClient(new Client({ connection, dataConverter }));
}

async function startWorker(keys: string, active?: string): Promise<WorkerProcess> {
  const worker = await WorkerProcess.start({
    ...sandbox.env(),
    GIFTFLOW_TASK_QUEUES: 'giftflow-flexybox',
    GIFTFLOW_CODEC_KEYS: keys,
    GIFTFLOW_CODEC_ACTIVE_KEY: active ?? '',
    GIFTFLOW_LOG_LEVEL: 'DEBUG',
  });
  workers.push(worker);
  return worker;
}

describe('codec key rotation', () => {
  it('stalls orders under a key the worker lacks, naming it, and completes them once the key is listed again', async () => {
    const orderRef = uniqueRef('rotation');
    const email = `${orderRef}@example.com`;
    const underA = await clientWithKeys(TEST_KEY_A);
    const handle = await underA.startGiftOrder({
      provider: 'flexybox',
      orderRef,
      input: flexyboxOrder({ customer: { fullName: 'Rotation Test', email } }),
    });

    const withoutA = await startWorker(TEST_KEY_B);
    const raw = new Client({ connection });
    const failure = await waitFor('a workflow task failure naming key test-a', async () => {
      const { events } = await raw.workflow.getHandle(handle.workflowId).fetchHistory();
      return events
        ?.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message)
        .find((message) => message?.includes("'test-a'"));
    });
    expect(failure).toContain(
      "payload is encrypted with codec key 'test-a', which is not configured here (known keys: test-b)",
    );
    expect((await flexyboxLedgerFor(sandbox, orderRef)).customers).toHaveLength(0);
    await withoutA.kill();

    const rotated = await startWorker(`${TEST_KEY_B},${TEST_KEY_A}`, 'test-b');
    const result = await (
      await clientWithKeys(`${TEST_KEY_A},${TEST_KEY_B}`)
    ).temporal.workflow
      .getHandle(handle.workflowId)
      .result();
    expect(result.customerId).toBeDefined();
    expect((await flexyboxLedgerFor(sandbox, orderRef)).payments).toHaveLength(1);

    // What the rotated worker wrote is under the new active key.
    const { events } = await raw.workflow.getHandle(handle.workflowId).fetchHistory();
    const completion = events!.find(
      (e) => e.workflowExecutionCompletedEventAttributes,
    )!.workflowExecutionCompletedEventAttributes!;
    expect(Buffer.from(completion.result!.payloads![0].metadata!['encryption-key-id']!).toString()).toBe('test-b');

    // Debug-level worker logs carry neither the customer's e-mail nor the provider token.
    for (const worker of [withoutA, rotated]) {
      expect(worker.output()).not.toContain(email);
      expect(worker.output()).not.toContain('flexybox-dev-token');
    }
    expect(rotated.output()).toContain('provider call');
  }, 120_000);
});
