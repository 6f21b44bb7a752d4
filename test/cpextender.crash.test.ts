import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { cardsForSale, cpExtenderIdsFor, cpExtenderIssue, cpExtenderLedger } from './support/cpextender';
import { faultHit, ranAs } from './support/local-first';
import { temporalAddress, uniqueRef, useCrashStack, waitFor } from './support/stack';

const env = useCrashStack('giftflow-cpextender');

describe('CP Extender gift card survives a worker crash', () => {
  it('finishes with one card after the worker is SIGKILLed between Create and Certificate', async () => {
    const orderRef = uniqueRef('cpx-crash');
    const { saleId } = cpExtenderIdsFor(orderRef);
    // The sandbox holds the first Certificate request: the worker dies while it waits.
    const certificatePath = '/Giftcard/.*/Certificate$';
    await env.sandbox.fault({ method: 'GET', path: certificatePath, kind: 'delay', delayMs: 3_000 });
    const first = await env.startWorker();
    const handle = await env.giftflow.startGiftOrder({ provider: 'cpextender', orderRef, input: cpExtenderIssue() });
    await waitFor('the card to exist', async () => (await cardsForSale(env.sandbox, saleId)).length === 1);
    // The certificate is a local activity: the status query waits for its workflow task, so the sandbox says when it is in flight.
    await waitFor('the certificate to be in flight', () => faultHit(env.sandbox, certificatePath));
    await first.kill();

    await env.startWorker();
    const result = await handle.result();

    expect(await cardsForSale(env.sandbox, saleId)).toEqual([
      expect.objectContaining({ id: result.giftCardId, balance: 100 }),
    ]);
    expect(result.certificate).toMatchObject({
      contentType: 'image/jpeg',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const creates = (await env.sandbox.requests()).filter((r) => r.path.endsWith('/Giftcard/Create'));
    expect(creates).toHaveLength(1);
    // Create stayed a regular activity; the certificate ran (again, after the crash) as a local one.
    expect(await ranAs(handle, 'createCpExtenderGiftCard')).toEqual({ regular: 1, local: 0 });
    expect(await ranAs(handle, 'storeCpExtenderCertificate')).toEqual({ regular: 0, local: 1 });
  }, 120_000);

  it('never sends Authorize again after the worker dies with the hold placed but unanswered', async () => {
    await env.startWorker();
    const card = await (
      await env.giftflow.startGiftOrder({
        provider: 'cpextender',
        orderRef: uniqueRef('cpx-crash-card'),
        input: cpExtenderIssue(),
      })
    ).result();
    // CP Extender places the hold, then the sandbox holds the answer while the worker dies: the
    // server's heartbeat timeout, not an answer, ends that attempt. A blind resend would hold twice.
    await env.sandbox.fault({
      method: 'POST',
      path: '/Giftcard/Authorize$',
      kind: 'delay',
      delayMs: 4_000,
      delayPhase: 'after',
    });
    const handle = await env.giftflow.cpextender.redeem({
      redemptionRef: uniqueRef('cpx-crash-redeem'),
      input: { giftCardId: card.giftCardId, amount: 40, autoConfirm: true },
    });
    await waitFor(
      'Authorize to be in flight',
      async () => (await env.giftflow.getOrderStatus(handle.workflowId)).step === 'authorize',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    await Promise.all(env.workers().map((worker) => worker.kill()));

    await env.startWorker();
    await waitFor(
      'the redemption to ask for reconciliation',
      async () => (await env.giftflow.getOrderStatus(handle.workflowId)).state === 'needs-reconciliation',
      60_000,
    );
    const [hold] = (await cpExtenderLedger(env.sandbox)).authorizations.filter((a) => a.ref === card.giftCardId);
    // The operator answers with the CLI, as docs/operating.md tells them to.
    const cli = path.resolve(__dirname, '..', 'bin', 'giftflow.js');
    const answered = await promisify(execFile)(
      process.execPath,
      [cli, 'reconcile', handle.workflowId, '--created', '--auth-code', hold.authCode],
      {
        env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress() },
      },
    );
    expect(JSON.parse(answered.stdout)).toMatchObject({ workflowId: handle.workflowId, accepted: 'created' });
    const result = await handle.result();

    expect(result).toMatchObject({ outcome: 'confirmed', balance: 60 });
    const holds = (await cpExtenderLedger(env.sandbox)).authorizations.filter((a) => a.ref === card.giftCardId);
    expect(holds).toEqual([expect.objectContaining({ amount: 40, state: 'confirmed' })]);
  }, 120_000);
});
