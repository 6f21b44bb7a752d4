import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { FLEXYBOX_TASK_QUEUE, FLEXYBOX_WORKFLOW_TYPE, type FlexyboxOrderResult } from '../contracts/flexybox';
import { CPEXTENDER_POOL_WORKFLOW_TYPE, CPEXTENDER_TASK_QUEUE, poolWorkflowId } from '../contracts/cpextender';
import { PAYWAY_TASK_QUEUE, PAYWAY_WORKFLOW_TYPE } from '../contracts/payway';
import { orderRefFromWorkflowId, orderWorkflowId, SEARCH_ATTRIBUTES } from '../contracts/shared';
import { createDataConverter } from '../security/codec-keys';
import { ENCRYPTED_ENCODING } from '../security/payload-codec';
import { flexyboxOrder } from './support/flexybox';
import { paywayOrder } from './support/payway';
import {
  activitySummaries,
  currentDetails,
  patchesIn,
  startTestCodecServer,
  staticSummary,
} from './support/order-metadata';
import { temporalAddress, uniqueRef, useInProcessStack, waitFor } from './support/stack';

const TEMPORAL = process.env.TEMPORAL_CLI ?? path.resolve(__dirname, '..', '.tools', 'bin', 'temporal');
const GIFTFLOW = path.resolve(__dirname, '..', 'bin', 'giftflow.js');
const run = promisify(execFile);
const env = useInProcessStack();

let codecServer: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  codecServer = await startTestCodecServer();
});
afterAll(() => codecServer?.close());

/** The workflow IDs a visibility query finds, once the order is visible (visibility lags the start). */
async function found(query: string, workflowId: string): Promise<string[]> {
  return waitFor(`${workflowId} in "${query}"`, async () => {
    const ids: string[] = [];
    for await (const info of env.stack.temporal.workflow.list({ query })) ids.push(info.workflowId);
    return ids.includes(workflowId) && ids;
  });
}

describe('orders started by any Temporal client', () => {
  it.each([
    ['giftorder-flexybox-order-1042', 'order-1042'],
    ['giftorder-flexybox-a-b-c', 'a-b-c'],
    ['giftorder-payway-order-1042', 'giftorder-payway-order-1042'],
    ['giftorder-flexybox-', 'giftorder-flexybox-'],
    ['GIFTORDER-flexybox-x', 'GIFTORDER-flexybox-x'],
    ['backend-7f3a', 'backend-7f3a'],
  ])('takes the reference of a Flexybox workflow %s as %s', (workflowId, ref) => {
    expect(orderRefFromWorkflowId('flexybox', workflowId)).toBe(ref);
  });

  it('finds an order started with `temporal workflow start` through the codec server by provider and reference, and lists it', async () => {
    const orderRef = uniqueRef('cli-start');
    const workflowId = orderWorkflowId('flexybox', orderRef);
    await run(TEMPORAL, [
      'workflow',
      'start',
      '--address',
      temporalAddress(),
      '--codec-endpoint',
      codecServer.url,
      '--type',
      FLEXYBOX_WORKFLOW_TYPE,
      '--task-queue',
      FLEXYBOX_TASK_QUEUE,
      '--workflow-id',
      workflowId,
      '--input',
      JSON.stringify(flexyboxOrder()),
    ]);
    const handle = env.stack.temporal.workflow.getHandle<(input: unknown) => Promise<FlexyboxOrderResult>>(workflowId);
    expect((await handle.result()).issuedCertificates).toHaveLength(2);

    // The CLI sent the input through the codec server: the history holds ciphertext only.
    const started = (await handle.fetchHistory()).events![0].workflowExecutionStartedEventAttributes!;
    expect(Buffer.from(started.input!.payloads![0].metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);

    expect(await found(`GiftProvider='flexybox' AND GiftOrderRef='${orderRef}'`, workflowId)).toEqual([workflowId]);
    const listed = await waitFor('the order in listOrders as completed', async () =>
      (await env.stack.giftflow.listOrders({ provider: 'flexybox' })).find(
        (order) => order.workflowId === workflowId && order.state === 'completed',
      ),
    );
    expect(listed).toMatchObject({ provider: 'flexybox', orderRef, state: 'completed', workflowStatus: 'COMPLETED' });
    const { stdout } = await run(process.execPath, [GIFTFLOW, 'list', '--provider', 'flexybox', '--json'], {
      env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress() },
    });
    expect(JSON.parse(stdout)).toContainEqual(expect.objectContaining({ workflowId, orderRef, state: 'completed' }));
  });

  it("accepts an order's plain JSON input, as the Web UI's Start Workflow button sends it without a codec server", async () => {
    const orderRef = uniqueRef('plain-start');
    const workflowId = orderWorkflowId('payway', orderRef);
    await run(TEMPORAL, [
      'workflow',
      'start',
      '--address',
      temporalAddress(),
      '--type',
      PAYWAY_WORKFLOW_TYPE,
      '--task-queue',
      PAYWAY_TASK_QUEUE,
      '--workflow-id',
      workflowId,
      '--input',
      JSON.stringify(paywayOrder()),
    ]);
    const handle = env.stack.temporal.workflow.getHandle(workflowId);
    expect(await handle.result()).toMatchObject({ orderId: expect.any(String), reconciled: false });
    expect(
      await found(`GiftProvider='payway' AND GiftOrderRef='${orderRef}' AND GiftOrderState='completed'`, workflowId),
    ).toEqual([workflowId]);
  });

  it('finds an order started by a bare @temporalio/client under a free-form workflow ID by that whole ID as its reference', async () => {
    const client = new Client({
      connection: await Connection.connect({ address: temporalAddress() }),
      dataConverter: await createDataConverter(),
    });
    try {
      const workflowId = uniqueRef('backend-order');
      const handle = await client.workflow.start(FLEXYBOX_WORKFLOW_TYPE, {
        taskQueue: FLEXYBOX_TASK_QUEUE,
        workflowId,
        args: [flexyboxOrder()],
      });
      await handle.result();
      expect(
        await found(
          `GiftProvider='flexybox' AND GiftOrderRef='${workflowId}' AND GiftOrderState='completed'`,
          workflowId,
        ),
      ).toEqual([workflowId]);
      expect(await patchesIn(handle)).toContain('sets-own-search-attributes');
    } finally {
      await client.connection.close();
    }
  });

  it('takes the reference of a CP Extender pool started by a bare client from its giftpool-cpextender-<ref> ID', async () => {
    const poolRef = uniqueRef('pool');
    const workflowId = poolWorkflowId(poolRef);
    const handle = await env.stack.temporal.workflow.start(CPEXTENDER_POOL_WORKFLOW_TYPE, {
      taskQueue: CPEXTENDER_TASK_QUEUE,
      workflowId,
      args: [{ count: 2, agency: 'Website' }],
    });
    await handle.result();
    const info = await waitFor('the pool with its own search attributes', async () => {
      const described = await handle.describe();
      return described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.orderRef) !== undefined ? described : undefined;
    });
    expect(info.typedSearchAttributes.get(SEARCH_ATTRIBUTES.provider)).toBe('cpextender');
    expect(info.typedSearchAttributes.get(SEARCH_ATTRIBUTES.orderRef)).toBe(poolRef);
    expect(info.typedSearchAttributes.get(SEARCH_ATTRIBUTES.state)).toBe('completed');
  });

  it("shows giftflow's orders with a summary, activity summaries naming the provider step and the state as current details", async () => {
    const orderRef = uniqueRef('summary');
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'flexybox',
      orderRef,
      input: flexyboxOrder({ certificates: [{ type: 'Gavekort', quantity: 3, price: 0.1 }] }),
    });
    await handle.result();
    expect(await staticSummary(handle)).toBe(`Flexybox order ${orderRef}: 0.30 DKK, 3 certificates`);
    const [check, ...rest] = await activitySummaries(env.stack.temporal, handle);
    // The catalogue's two look-ups run concurrently as local activities, and a local activity's
    // marker is written when it finishes: their order in history is whichever answered first.
    const catalogue = rest.splice(0, 2).sort((a, b) => a.activityType.localeCompare(b.activityType));
    expect([check, ...catalogue, ...rest]).toEqual([
      { activityType: 'validateWorkflowInput', summary: 'Flexybox: check input' },
      { activityType: 'checkFlexyboxDepartment', summary: 'Flexybox: resolve catalog' },
      { activityType: 'resolveFlexyboxCertificateTypes', summary: 'Flexybox: resolve catalog' },
      { activityType: 'upsertFlexyboxCustomer', summary: 'Flexybox: upsert customer' },
      { activityType: 'createFlexyboxSalesOrder', summary: 'Flexybox: create sales order' },
      { activityType: 'commitFlexyboxSalesOrder', summary: 'Flexybox: commit sales order' },
    ]);
    expect(await currentDetails(handle)).toBe('**Completed:** Flexybox order');
    // The client set every search attribute at start, so the workflow upserted none (no patch marker).
    expect(await patchesIn(handle)).not.toContain('sets-own-search-attributes');
  });

  it('gives a CP Extender ID pool started by giftflow its own summary line', async () => {
    const poolRef = uniqueRef('pool-summary');
    const handle = await env.stack.giftflow.cpextender.reservePool({
      poolRef,
      input: { count: 3, agency: 'Summary Agency' },
    });
    await handle.result();
    expect(await staticSummary(handle)).toBe(`CP Extender ID pool ${poolRef}: 3 GiftCardIds`);
  });
});
