/**
 * The input fingerprint an order records (client/index.ts orderFingerprint): the caller's input
 * as given, normalised (strings trimmed and NFC, keys sorted), not the schema's defaults. Older
 * orders recorded older forms and still attach; references the CLI derives stay as they were.
 * Through the real client and a real Temporal server (no worker: the orders only need to exist).
 */
import { Client, Connection } from '@temporalio/client';
import { GiftflowClient, GiftOrderConflictError, inputFingerprint, orderFingerprint } from '../client';
import { FLEXYBOX_TASK_QUEUE, FLEXYBOX_WORKFLOW_TYPE, flexyboxOrderInputSchema } from '../contracts/flexybox';
import { INPUT_FINGERPRINT_MEMO, orderWorkflowId } from '../contracts/shared';
import { flexyboxOrder } from './support/flexybox';
import { temporalAddress, uniqueRef } from './support/stack';

/** The same order as flexyboxOrder(), typed with spaces around its values and the name in NFD. */
const padded = () =>
  flexyboxOrder({
    customer: { fullName: '  Rene\u0301 Jensen ', email: 'rene.jensen@example.com' },
    certificates: [{ type: ' Gavekort', quantity: 2, price: 250 }],
  });
const normal = () =>
  flexyboxOrder({
    customer: { fullName: 'Ren\u00e9 Jensen', email: 'rene.jensen@example.com' },
    certificates: [{ quantity: 2, type: 'Gavekort', price: 250 }],
  });

describe('orderFingerprint', () => {
  it('is the same for values that differ only by surrounding spaces, Unicode form or key order', () => {
    expect(orderFingerprint(padded())).toBe(orderFingerprint(normal()));
    expect(inputFingerprint(padded())).not.toBe(inputFingerprint(normal()));
  });

  it('differs for a different value, and leaves the schema defaults out', () => {
    expect(orderFingerprint(flexyboxOrder({ certificates: [{ type: 'Gavekort', quantity: 2, price: 251 }] }))).not.toBe(
      orderFingerprint(flexyboxOrder()),
    );
    expect(orderFingerprint(flexyboxOrder())).not.toBe(
      orderFingerprint(flexyboxOrderInputSchema.parse(flexyboxOrder())),
    );
  });

  it('keeps the references the CLI derives without --ref as they were (cli- and the unnormalised fingerprint)', () => {
    // Frozen: the value main derived before the fingerprint was normalised. A change would make a repeated CLI call a second order.
    const input = {
      customer: { fullName: '  Karen Jensen ', email: 'karen.jensen@example.com' },
      departmentId: 'x',
      certificates: [{ type: 'Gavekort', price: 250 }],
    };
    expect(inputFingerprint(input).slice(0, 16)).toBe('2f25dc395230665b');
  });
});

describe('a repeated start', () => {
  let temporal: Client;
  let giftflow: GiftflowClient;
  const started: string[] = [];
  beforeAll(async () => {
    temporal = new Client({ connection: await Connection.connect({ address: temporalAddress() }) });
    giftflow = new GiftflowClient(temporal);
  });
  afterAll(async () => {
    await Promise.all(
      started.map((id) =>
        temporal.workflow
          .getHandle(id)
          .terminate('fingerprint test done')
          .catch(() => undefined),
      ),
    );
    await temporal?.connection.close();
  });

  const start = async (orderRef: string, input: unknown) => {
    const handle = await giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: input as never });
    started.push(handle.workflowId);
    return (await handle.describe()).runId;
  };

  it('records the normalised fingerprint, and attaches a repeat typed differently', async () => {
    const orderRef = uniqueRef('fingerprint-normalised');
    const first = await start(orderRef, padded());
    const { memo } = await temporal.workflow.getHandle(orderWorkflowId('flexybox', orderRef)).describe();
    expect(memo?.[INPUT_FINGERPRINT_MEMO]).toBe(orderFingerprint(normal()));
    expect(await start(orderRef, normal())).toBe(first);
    await expect(
      start(orderRef, flexyboxOrder({ customer: { fullName: 'René Jensen', email: 'other@example.com' } })),
    ).rejects.toThrow(GiftOrderConflictError);
  });

  it.each([
    ['the caller input unnormalised (before normalisation)', (input: unknown) => inputFingerprint(input)],
    [
      'the validated input (before the caller input)',
      (input: unknown) => inputFingerprint(flexyboxOrderInputSchema.parse(input)),
    ],
  ])('attaches to an order that recorded %s', async (_, older) => {
    const orderRef = uniqueRef('fingerprint-older');
    const workflowId = orderWorkflowId('flexybox', orderRef);
    const input = padded();
    const handle = await temporal.workflow.start(FLEXYBOX_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: FLEXYBOX_TASK_QUEUE,
      args: [flexyboxOrderInputSchema.parse(input)],
      memo: { [INPUT_FINGERPRINT_MEMO]: older(input) },
    });
    started.push(workflowId);
    expect(await start(orderRef, input)).toBe(handle.firstExecutionRunId);
  });
});
