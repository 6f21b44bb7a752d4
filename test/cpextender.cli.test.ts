import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decode } from 'jpeg-js';
import { createCpExtenderActivities } from '../activities/cpextender';
import { cardById, cpExtenderIssue, issueTestCard } from './support/cpextender';
import { temporalAddress, uniqueRef, useInProcessStack, waitFor } from './support/stack';

const CLI = path.resolve(__dirname, '..', 'bin', 'giftflow.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'giftflow-cpx-cli-'));
const env = useInProcessStack();

function giftflow(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress() } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('giftflow CLI for CP Extender', () => {
  it('issues a card with `order cpextender` and writes its certificate with `certificate --out`', async () => {
    const input = path.join(dir, 'card.json');
    writeFileSync(input, JSON.stringify(cpExtenderIssue({ giftCardValue: 35 })));
    const ordered = await giftflow(['order', 'cpextender', '--input', input, '--ref', uniqueRef('cli-cpx'), '--wait']);
    expect(ordered.stderr).toBe('');
    const { workflowId, result } = JSON.parse(ordered.stdout);
    expect(result).toMatchObject({ balance: 35, certificate: { contentType: 'image/jpeg' } });

    const out = path.join(dir, 'card.jpg');
    const written = await giftflow(['certificate', workflowId, '--out', out]);
    expect(written.stderr).toBe('');
    expect(JSON.parse(written.stdout)).toEqual({
      workflowId,
      out,
      contentType: 'image/jpeg',
      bytes: result.certificate.bytes,
      sha256: result.certificate.sha256,
    });
    const bytes = readFileSync(out);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(result.certificate.sha256);
    expect(decode(bytes).width).toBe(560);
  });

  it('holds with `redeem cpextender`, confirms with `confirm`, and one-shots with --auto-confirm', async () => {
    const giftCardId = await issueTestCard(createCpExtenderActivities(env.sandbox.config()), 100);
    const started = await giftflow([
      'redeem',
      'cpextender',
      '--card',
      giftCardId,
      '--amount',
      '40',
      '--ref',
      uniqueRef('cli-hold'),
    ]);
    expect(started.stderr).toBe('');
    const { workflowId } = JSON.parse(started.stdout);
    await waitFor(
      'the hold',
      async () => (await env.stack.giftflow.getOrderStatus(workflowId)).step === 'awaitingDecision',
    );

    const confirmed = await giftflow(['confirm', workflowId]);
    expect(JSON.parse(confirmed.stdout)).toMatchObject({ workflowId, result: { outcome: 'confirmed', balance: 60 } });
    const again = await giftflow(['release', workflowId]);
    expect(again.code).toBe(1);
    expect(again.stderr.trimEnd().split('\n')).toHaveLength(1);

    const oneShot = await giftflow([
      'redeem',
      'cpextender',
      '--card',
      giftCardId,
      '--amount',
      '10',
      '--ref',
      uniqueRef('cli-shot'),
      '--auto-confirm',
    ]);
    expect(JSON.parse(oneShot.stdout).result).toMatchObject({ outcome: 'confirmed', balance: 50 });
    expect(await cardById(env.sandbox, giftCardId)).toMatchObject({ balance: 50 });
  });

  it('fails `confirm` with one line and exit code 1 when the hold expired and is being released', async () => {
    const giftCardId = await issueTestCard(createCpExtenderActivities(env.sandbox.config()), 100);
    // A slow release, so the confirm (a CLI process that takes a moment to start) comes while it runs.
    await env.sandbox.fault({ method: 'POST', path: '/cpextender/Authorize/Cancel$', kind: 'delay', delayMs: 8_000 });
    const started = await giftflow([
      'redeem',
      'cpextender',
      '--card',
      giftCardId,
      '--amount',
      '40',
      '--ref',
      uniqueRef('cli-late'),
      '--hold-timeout',
      '1',
    ]);
    const { workflowId } = JSON.parse(started.stdout);
    await waitFor(
      'the expired hold to be released',
      async () => (await env.stack.giftflow.getOrderStatus(workflowId)).step === 'cancel',
    );

    const late = await giftflow(['confirm', workflowId]);
    expect(late.code).toBe(1);
    expect(late.stdout).toBe('');
    expect(late.stderr.trimEnd()).toMatch(
      /^giftflow: confirm refused by giftredeem-cpextender-cli-late-\S+: the hold GDA\w+ expired after 1 s without confirm or release and was released; nothing to confirm$/,
    );
    await waitFor(
      'the redemption to end',
      async () => (await env.stack.giftflow.getOrderStatus(workflowId)).state === 'completed',
    );
    expect(await cardById(env.sandbox, giftCardId)).toMatchObject({
      balance: 100,
      openAuthorizations: 0,
      availableBalance: 100,
    });
  });

  it('reserves a pool with `reserve-pool cpextender`', async () => {
    const { stdout, stderr } = await giftflow([
      'reserve-pool',
      'cpextender',
      '--count',
      '3',
      '--agency',
      'Campaign',
      '--ref',
      uniqueRef('cli-pool'),
    ]);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout).result.giftCardIds).toHaveLength(3);
  });

  it.each([
    [
      'redeem without an amount',
      ['redeem', 'cpextender', '--card', 'x', '--ref', 'r-1'],
      2,
      /^giftflow: give exactly one of --amount <n> or --points <n>$/,
    ],
    [
      'a non-numeric amount',
      ['redeem', 'cpextender', '--card', 'x', '--amount', 'ten', '--ref', 'r-1'],
      2,
      /^giftflow: --amount must be a number, got 'ten'$/,
    ],
    [
      'a hexadecimal amount',
      ['redeem', 'cpextender', '--card', 'x', '--amount', '0x10', '--ref', 'r-1'],
      2,
      /^giftflow: --amount must be a number, got '0x10'$/,
    ],
    ['certificate without --out', ['certificate', 'giftorder-cpextender-x'], 2, /^giftflow: missing --out <file.jpg>$/],
    [
      'a certificate of an order that has none',
      ['certificate', 'giftorder-cpextender-never', '--out', '/tmp/x.jpg'],
      1,
      /^giftflow: no such order: giftorder-cpextender-never$/,
    ],
  ] as [string, string[], number, RegExp][])('answers %s with one line on stderr', async (_, args, exitCode, line) => {
    const { code, stdout, stderr } = await giftflow(args);
    expect(code).toBe(exitCode);
    expect(stdout).toBe('');
    expect(stderr.trimEnd()).toMatch(line);
  });
});
