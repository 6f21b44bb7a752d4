import { cardsForSale, cpExtenderIdsFor, cpExtenderIssue } from './support/cpextender';
import { uniqueRef, useCrashStack, waitFor } from './support/stack';

const env = useCrashStack('giftflow-cpextender');

describe('CP Extender gift card survives a worker crash', () => {
  it('finishes with one card after the worker is SIGKILLed between Create and Certificate', async () => {
    const orderRef = uniqueRef('cpx-crash');
    const { saleId } = cpExtenderIdsFor(orderRef);
    // The sandbox holds the first Certificate request: the worker dies while it waits.
    await env.sandbox.fault({ method: 'GET', path: '/Giftcard/.*/Certificate$', kind: 'delay', delayMs: 4_000 });
    const first = await env.startWorker();
    const handle = await env.giftflow.startGiftOrder({ provider: 'cpextender', orderRef, input: cpExtenderIssue() });
    await waitFor('the card to exist', async () => (await cardsForSale(env.sandbox, saleId)).length === 1);
    await waitFor('the certificate to be in flight', async () => (await env.giftflow.getOrderStatus(handle.workflowId)).step === 'storeCertificate');
    await first.kill();

    await env.startWorker();
    const result = await handle.result();

    expect(await cardsForSale(env.sandbox, saleId)).toEqual([expect.objectContaining({ id: result.giftCardId, balance: 100 })]);
    expect(result.certificate).toMatchObject({ contentType: 'image/jpeg', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const creates = (await env.sandbox.requests()).filter((r) => r.path.endsWith('/Giftcard/Create'));
    expect(creates).toHaveLength(1);
  }, 120_000);
});
