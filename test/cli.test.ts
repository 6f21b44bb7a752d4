import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ORDER_TYPES } from '../client/orders';
import { flexyboxIdsFor, flexyboxLedgerFor, flexyboxOrder } from './support/flexybox';
import { temporalAddress, uniqueRef, useInProcessStack, waitFor } from './support/stack';

const CLI = path.resolve(__dirname, '..', 'bin', 'giftflow.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'giftflow-cli-'));
const env = useInProcessStack();

function giftflow(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress(), ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function inputFile(name: string, content: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

async function orderExists(orderRef: string): Promise<boolean> {
  return env.stack.temporal.workflow
    .getHandle(flexyboxIdsFor(orderRef).workflowId)
    .describe()
    .then(
      () => true,
      () => false,
    );
}

describe('giftflow CLI', () => {
  it('places an order with --wait and prints the workflow ID and result as JSON', async () => {
    const orderRef = uniqueRef('cli');
    const { code, stdout, stderr } = await giftflow([
      'order',
      'flexybox',
      '--input',
      inputFile('order.json', flexyboxOrder()),
      '--ref',
      orderRef,
      '--wait',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const printed = JSON.parse(stdout);
    expect(printed).toMatchObject({
      workflowId: flexyboxIdsFor(orderRef).workflowId,
      orderRef,
      result: { total: 500 },
    });
    expect((await flexyboxLedgerFor(env.sandbox, orderRef)).payments).toHaveLength(1);

    const status = await giftflow(['status', printed.workflowId, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({
      state: 'completed',
      providerIds: { salesOrderId: printed.result.salesOrderId },
    });
    const readable = (await giftflow(['status', printed.workflowId])).stdout;
    expect(readable).toContain(`${printed.workflowId}: completed (Temporal: COMPLETED)`);
    expect(readable).toMatch(/^commitSalesOrder\s+done\s+1$/m);
    expect(readable).toContain(`salesOrderId: ${printed.result.salesOrderId}`);
  });

  it('derives the reference from the input when --ref is missing, so a repeated command orders once', async () => {
    const input = inputFile(
      'same.json',
      flexyboxOrder({ customer: { fullName: 'Repeat Customer', email: `${uniqueRef('r')}@example.com` } }),
    );
    const first = JSON.parse((await giftflow(['order', 'flexybox', '--input', input, '--wait'])).stdout);
    const second = JSON.parse((await giftflow(['order', 'flexybox', '--input', input, '--wait'])).stdout);
    expect(second.workflowId).toBe(first.workflowId);
    expect((await flexyboxLedgerFor(env.sandbox, first.orderRef)).payments).toHaveLength(1);
  });

  it('cancels an order', async () => {
    const orderRef = uniqueRef('cli-cancel');
    await env.sandbox.fault({
      method: 'PUT',
      path: '/flexybox/pos/api/v1/salesorders$',
      kind: 'status',
      status: 503,
      times: 0,
    });
    const started = JSON.parse(
      (await giftflow(['order', 'flexybox', '--input', inputFile('c.json', flexyboxOrder()), '--ref', orderRef]))
        .stdout,
    );
    await waitFor(
      'the sales order to be retried',
      async () => (await env.stack.giftflow.getOrderStatus(started.workflowId)).retrying,
    );
    const cancelled = await giftflow(['cancel', started.workflowId]);
    expect(JSON.parse(cancelled.stdout)).toEqual({ workflowId: started.workflowId, cancelRequested: true });
    await waitFor(
      'the order to be cancelled',
      async () => (await env.stack.giftflow.getOrderStatus(started.workflowId)).state === 'cancelled',
    );
    await env.sandbox.clearFaults();
  });

  it('ends an order cancelled with `temporal workflow cancel` exactly as one cancelled with `giftflow cancel`', async () => {
    await env.sandbox.fault({
      method: 'PUT',
      path: '/flexybox/pos/api/v1/salesorders$',
      kind: 'status',
      status: 503,
      times: 0,
    });
    const cancelledBy = async (cancel: (workflowId: string) => Promise<unknown>) => {
      const started = JSON.parse(
        (
          await giftflow([
            'order',
            'flexybox',
            '--input',
            inputFile('x.json', flexyboxOrder()),
            '--ref',
            uniqueRef('cancel-by'),
          ])
        ).stdout,
      );
      await waitFor(
        'the sales order to be retried',
        async () => (await env.stack.giftflow.getOrderStatus(started.workflowId)).retrying,
      );
      await cancel(started.workflowId);
      return waitFor('the order to be cancelled', async () => {
        const status = await env.stack.giftflow.getOrderStatus(started.workflowId);
        return (
          status.workflowStatus === 'CANCELLED' && {
            ...status,
            lastError: status.lastError?.replace(/[0-9a-f-]{36}/g, '<id>'),
          }
        );
      });
    };
    const temporalCli = process.env.TEMPORAL_CLI ?? path.resolve(__dirname, '..', '.tools', 'bin', 'temporal');
    const viaGiftflow = await cancelledBy((workflowId) => giftflow(['cancel', workflowId]));
    const viaTemporal = await cancelledBy(
      (workflowId) =>
        new Promise((resolve, reject) =>
          execFile(
            temporalCli,
            ['workflow', 'cancel', '--workflow-id', workflowId, '--address', temporalAddress()],
            (e) => (e ? reject(e) : resolve(undefined)),
          ),
        ),
    );
    await env.sandbox.clearFaults();
    for (const status of [viaGiftflow, viaTemporal])
      expect(status).toMatchObject({ state: 'cancelled', workflowStatus: 'CANCELLED', step: 'createSalesOrder' });
    expect(viaTemporal.lastError).toBe(viaGiftflow.lastError);
  });

  it.each([
    [
      'bad JSON',
      (ref) => ['order', 'flexybox', '--ref', ref, '--input', inputFile('bad.json', '{ "customer": ')],
      2,
      /^giftflow: --input file .*bad\.json is not valid JSON: /,
    ],
    [
      'a missing file',
      (ref) => ['order', 'flexybox', '--ref', ref, '--input', path.join(dir, 'nope.json')],
      2,
      /^giftflow: cannot read --input file .*nope\.json: ENOENT$/,
    ],
    [
      'an unknown provider',
      (ref) => ['order', 'giftbox', '--ref', ref, '--input', inputFile('o.json', flexyboxOrder())],
      1,
      new RegExp(`^giftflow: unknown provider 'giftbox'; known providers: ${Object.keys(ORDER_TYPES).join(', ')}$`),
    ],
    [
      'a missing field',
      (ref) => [
        'order',
        'flexybox',
        '--ref',
        ref,
        '--input',
        inputFile('m.json', { ...flexyboxOrder(), customer: { fullName: 'No Mail' } }),
      ],
      1,
      /^giftflow: invalid flexybox order: input\.customer\.email: email must be an e-mail address$/,
    ],
    ['an unknown command', () => ['refund', 'x'], 2, /^giftflow: unknown command 'refund'; run 'giftflow --help'$/],
    ['a missing workflow ID', () => ['status'], 2, /^giftflow: missing <workflowId>/],
    [
      'a hexadecimal --limit',
      () => ['list', '--limit', '0x10'],
      2,
      /^giftflow: --limit must be a whole number above 0$/,
    ],
  ] as [string, (ref: string) => string[], number, RegExp][])(
    'answers %s with one line on stderr and starts nothing',
    async (_, args, exitCode, line) => {
      const ref = uniqueRef('cli-bad');
      const { code, stdout, stderr } = await giftflow(args(ref));
      expect(code).toBe(exitCode);
      expect(stdout).toBe('');
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(stderr.trimEnd()).toMatch(line);
      expect(await orderExists(ref)).toBe(false);
    },
  );

  it('says which address it could not reach when Temporal is down', async () => {
    const { code, stderr } = await giftflow(['status', 'giftorder-flexybox-x'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(code).toBe(1);
    expect(stderr.trimEnd()).toMatch(
      /^giftflow: cannot reach Temporal at 127\.0\.0\.1:1 \(TEMPORAL_ADDRESS\): .+; start that server or correct TEMPORAL_ADDRESS$/,
    );
  });

  it('reports an order that does not exist', async () => {
    const { code, stderr } = await giftflow(['status', 'giftorder-flexybox-never-placed']);
    expect(code).toBe(1);
    expect(stderr.trimEnd()).toMatch(/^giftflow: no such order: giftorder-flexybox-never-placed$/);
  });
});
