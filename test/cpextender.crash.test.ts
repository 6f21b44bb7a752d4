import { GiftflowClient } from '../client';
import { cardsForSale, cpExtenderIdsFor, cpExtenderIssue } from './support/cpextender';
import { connectTestClient, TestSandbox, uniqueRef, waitFor, WorkerProcess } from './support/stack';

let sandbox: TestSandbox;
let giftflow: GiftflowClient;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  sandbox = await TestSandbox.start();
  giftflow = await connectTestClient();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.kill()));
  await sandbox.clearFaults();
});

afterAll(async () => {
  await giftflow?.close();
  await sandbox?.close();
});

async function startWorker(): Promise<WorkerProcess> {
  const worker = await WorkerProcess.start({ ...sandbox.env(), GIFTFLOW_TASK_QUEUES: 'giftflow-cpextender' });
  workers.push(worker);
  return worker;
}

describe('CP Extender gift card survives a worker crash', () => {
  it('finishes with one card after the worker is SIGKILLed between Create and Certificate', async () => {
    const orderRef = uniqueRef('cpx-crash');
    const { saleId } = cpExtenderIdsFor(orderRef);
    // The sandbox holds the first Certificate request: the worker dies while it waits.
    await sandbox.fault({ method: 'GET', path: '/Giftcard/.*/Certificate$', kind: 'delay', delayMs: 4_000 });
    const first = await startWorker();
    const handle = await giftflow.startGiftOrder({ provider: 'cpextender', orderRef, input: cpExtenderIssue() });
    await waitFor('the card to exist', async () => (await cardsForSale(sandbox, saleId)).length === 1);
    await waitFor('the certificate to be in flight', async () => (await giftflow.getOrderStatus(handle.workflowId)).step === 'storeCertificate');
    await first.kill();

    await startWorker();
    const result = await handle.result();

    expect(await cardsForSale(sandbox, saleId)).toEqual([expect.objectContaining({ id: result.giftCardId, balance: 100 })]);
    expect(result.certificate).toMatchObject({ contentType: 'image/jpeg', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const creates = (await sandbox.requests()).filter((r) => r.path.endsWith('/Giftcard/Create'));
    expect(creates).toHaveLength(1);
  }, 120_000);
});
