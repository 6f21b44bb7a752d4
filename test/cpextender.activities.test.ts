import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decode } from 'jpeg-js';
import { request } from 'undici';
import { LocalDirectoryArtifactStore } from '../activities/artifact-store';
import { createCpExtenderActivities } from '../activities/cpextender';
import { closeHttpPools } from '../activities/http';
import { cpExtenderSeed } from '../sandbox/cpextender';
import { cardById, cpExtenderLedger, issueTestCard } from './support/cpextender';
import { failureOf, TestSandbox } from './support/stack';

let sandbox: TestSandbox;
let store: LocalDirectoryArtifactStore;
let cpextender: ReturnType<typeof createCpExtenderActivities>;
const customerNumber = '2059378440';
let sequence = 0;
const newSaleId = () => `act-sale-${Date.now()}-${++sequence}`;

beforeAll(async () => {
  sandbox = await TestSandbox.start();
  store = new LocalDirectoryArtifactStore(mkdtempSync(path.join(os.tmpdir(), 'giftflow-artifacts-')));
  cpextender = createCpExtenderActivities(sandbox.config(), store);
});
afterEach(() => sandbox.clearFaults());
afterAll(async () => {
  await closeHttpPools();
  await sandbox?.close();
});

async function reserveOne(): Promise<string> {
  return (await cpextender.reserveCpExtenderIds({ step: 'reserveId', requestType: 'single', agency: 'Website' }))
    .giftCardIds[0];
}

/** A raw request to the sandbox, for bodies the activities never send. */
async function raw(route: string, body: unknown) {
  const response = await request(`${sandbox.url}/cpextender${route}`, {
    method: 'POST',
    headers: { authorization: 'Bearer cpextender-dev-token', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, body: await response.body.text() };
}

describe('CP Extender activities against the sandbox', () => {
  it('accepts the documented ReserveIds example and caps a pool at the batch maximum', async () => {
    const example = await raw('/Giftcard/ReserveIds', {
      RequestName: 'Web001',
      RequestType: 'pool',
      PoolCount: 10,
      Agency: 'Website',
    });
    expect(example.status).toBe(200);
    expect(JSON.parse(example.body).GiftCards).toHaveLength(10);

    const single = await cpextender.reserveCpExtenderIds({
      step: 'reserveId',
      requestType: 'single',
      agency: 'Website',
      requestName: 'web-1',
    });
    expect(single.giftCardIds).toEqual([expect.stringMatching(/^99-\d{17}$/)]);
    const capped = await cpextender.reserveCpExtenderIds({
      step: 'reserveIds',
      requestType: 'pool',
      count: 700,
      agency: 'Campaign',
    });
    expect(new Set(capped.giftCardIds).size).toBe(500);

    const { reservations } = await cpExtenderLedger(sandbox);
    expect(reservations.find((r) => r.id === single.giftCardIds[0])).toMatchObject({
      requestName: 'web-1',
      requestType: 'single',
      used: false,
    });
  });

  it('rejects a reservation without Agency as a Bad Request', async () => {
    const failure = await failureOf(
      cpextender.reserveCpExtenderIds({ step: 'reserveId', requestType: 'single', agency: ' ' }),
    );
    expect(failure).toMatchObject({ type: 'ProviderRejected', nonRetryable: true });
    expect(failure.message).toBe(
      "cpextender step 'reserveId' (POST /Giftcard/ReserveIds) rejected the request (HTTP 400): Bad Request",
    );
  });

  it('creates a card under the reserved ID for a sale or for points, and answers a repeat with already-exists', async () => {
    const giftCardId = await reserveOne();
    const card = { giftCardId, customerNumber, giftCardCode: 'GC', giftCardValue: 100, saleId: '123456789' };
    expect(await cpextender.createCpExtenderGiftCard(card)).toEqual({ outcome: 'created', attempt: 1 });
    expect(await cpextender.createCpExtenderGiftCard(card)).toEqual({ outcome: 'already-exists', attempt: 1 });

    const pointsCardId = await reserveOne();
    await cpextender.createCpExtenderGiftCard({
      giftCardId: pointsCardId,
      customerNumber,
      giftCardCode: 'GC',
      giftCardValue: 50,
      pointsToRedeem: 5000,
    });
    const { card: checked } = await cpextender.checkCpExtenderBalance({ step: 'verifyBalance', giftCardId });
    expect(checked).toMatchObject({
      id: giftCardId,
      status: 'active',
      balance: 100,
      openAuthorizations: 0,
      availableBalance: 100,
    });
    expect(checked.history).toEqual([
      expect.objectContaining({ activity: 'Issued', amount: 100, document: '123456789' }),
    ]);
    expect(await cardById(sandbox, pointsCardId)).toMatchObject({ balance: 50, saleId: null });
  });

  it('auto-assigns a WEB- number when Create carries no GiftCardId (never used by the workflows)', async () => {
    const created = await raw('/Giftcard/Create', {
      CustomerNumber: customerNumber,
      GiftCardCode: 'GC',
      GiftCardValue: 100,
      SaleId: newSaleId(),
    });
    expect(JSON.parse(created.body)).toEqual({ GiftCard: { Id: expect.stringMatching(/^WEB-\d{16}$/) } });
  });

  it.each([
    ['Bad Request', 400, { customerNumber: '' }],
    ['SaleId is Required', 400, { saleId: undefined }],
    ['Gift Card Code Not Found', 404, { giftCardCode: 'NOPE' }],
    ['Gift Card Value must be greater than 0', 400, { giftCardValue: 0 }],
    ['GiftCardCode specified does not allow value change', 400, { giftCardCode: 'GC50', giftCardValue: 60 }],
    ['Customer Not Found', 404, { customerNumber: '0000000000' }],
    ['GiftcardId Not Reserved', 400, { giftCardId: '99-00000000000000000' }],
  ] as [string, number, Record<string, unknown>][])(
    'classifies Create answering %s as a rejection',
    async (reason, status, change) => {
      const args = {
        giftCardId: await reserveOne(),
        customerNumber,
        giftCardCode: 'GC',
        giftCardValue: 100,
        saleId: newSaleId(),
        ...change,
      };
      const failure = await failureOf(cpextender.createCpExtenderGiftCard(args as never));
      expect(failure).toMatchObject({ type: 'ProviderRejected', nonRetryable: true });
      expect(failure.message).toBe(
        `cpextender step 'createGiftCard' (POST /Giftcard/Create) rejected the request (HTTP ${status}): ${reason}`,
      );
    },
  );

  it('classifies a 500 as ambiguous: retried for Create and BalanceCheck, not for Authorize', async () => {
    const giftCardId = await issueTestCard(cpextender);
    const body = { Message: 'Internal Server Error' };
    await sandbox.fault({
      path: '/Giftcard/(Create|Authorize|.*/BalanceCheck)$',
      kind: 'status',
      status: 500,
      body,
      times: 3,
    });
    const create = await failureOf(
      cpextender.createCpExtenderGiftCard({
        giftCardId: await reserveOne(),
        customerNumber,
        giftCardCode: 'GC',
        giftCardValue: 1,
        saleId: newSaleId(),
      }),
    );
    expect(create).toMatchObject({ type: 'AmbiguousOutcome', nonRetryable: false });
    expect(create.message).toContain('answered HTTP 500: Internal Server Error; the request may have landed');
    expect(await failureOf(cpextender.checkCpExtenderBalance({ step: 'verifyBalance', giftCardId }))).toMatchObject({
      type: 'AmbiguousOutcome',
      nonRetryable: false,
    });
    expect(
      await failureOf(cpextender.authorizeCpExtender({ giftCardId, saleId: newSaleId(), amount: 1 })),
    ).toMatchObject({ type: 'AmbiguousOutcome', nonRetryable: true });
  });

  it('answers BalanceCheck and Certificate of an unknown card with 404 Id not found', async () => {
    for (const call of [
      cpextender.checkCpExtenderBalance({ step: 'verifyBalance', giftCardId: 'WEB-9999999999999999' }),
      cpextender.storeCpExtenderCertificate({ giftCardId: 'WEB-9999999999999999' }),
    ]) {
      const failure = await failureOf(call);
      expect(failure).toMatchObject({ type: 'ProviderRejected', nonRetryable: true });
      expect(failure.message).toMatch(/rejected the request \(HTTP 404\): Id not found$/);
    }
  });

  it('stores the certificate as a decodable JPEG and returns its reference and SHA-256', async () => {
    const giftCardId = await issueTestCard(cpextender, 75);
    const { certificate } = await cpextender.storeCpExtenderCertificate({ giftCardId });
    const stored = await store.get(certificate.ref);
    expect(certificate).toEqual({
      ref: `local:cpextender/${giftCardId}.jpg`,
      contentType: 'image/jpeg',
      bytes: stored.bytes.length,
      sha256: createHash('sha256').update(stored.bytes).digest('hex'),
    });
    expect(decode(stored.bytes)).toMatchObject({ width: 560, height: 240 });
  });

  it('authorizes, confirms and cancels holds as documented, closing each AuthCode once', async () => {
    const giftCardId = await issueTestCard(cpextender, 100);
    const example = await raw('/Giftcard/Authorize', {
      Type: 'giftcard',
      Ref: giftCardId,
      SaleId: 'WB-100-10259',
      RequestedAmount: 40.0,
    });
    const held = JSON.parse(example.body);
    expect(held).toEqual({
      RequestId: expect.any(String),
      Type: 'giftcard',
      AuthorizedAmount: 40,
      AuthCode: expect.stringMatching(/^GDA[0-9A-F]{32}$/),
    });
    expect(await cardById(sandbox, giftCardId)).toMatchObject({
      balance: 100,
      openAuthorizations: 40,
      availableBalance: 60,
    });

    await cpextender.confirmCpExtenderAuthorization({ giftCardId, authCode: held.AuthCode });
    await cpextender.confirmCpExtenderAuthorization({ giftCardId, authCode: held.AuthCode });
    expect(await cardById(sandbox, giftCardId)).toMatchObject({
      balance: 60,
      openAuthorizations: 0,
      availableBalance: 60,
    });
    const late = await failureOf(cpextender.cancelCpExtenderAuthorization({ giftCardId, authCode: held.AuthCode }));
    expect(late.message).toMatch(/\(HTTP 400\): Authorization already confirmed$/);

    const points = await cpextender.authorizeCpExtender({ giftCardId, saleId: newSaleId(), points: 2500 });
    expect(points.authorizedAmount).toBe(25);
    await cpextender.cancelCpExtenderAuthorization({ giftCardId, authCode: points.authCode });
    const partial = await cpextender.authorizeCpExtender({ giftCardId, saleId: newSaleId(), amount: 80 });
    expect(partial.authorizedAmount).toBe(60);
    const { card } = await cpextender.checkCpExtenderBalance({ step: 'checkAuthorization', giftCardId });
    expect(card).toMatchObject({ balance: 60, openAuthorizations: 60, availableBalance: 0 });
    expect(card.history.map((entry) => entry.activity)).toEqual([
      'Issued',
      'Authorized',
      'Redeemed',
      'Authorized',
      'Authorization Cancelled',
      'Authorized',
    ]);
  });

  it.each([
    ['GiftCard has been voided', { giftCardId: cpExtenderSeed.cards.voided.Id, amount: 10 }],
    ['GiftCard has expired', { giftCardId: cpExtenderSeed.cards.expired.Id, amount: 10 }],
    ['No Balance Remaining', { giftCardId: cpExtenderSeed.cards.empty.Id, amount: 10 }],
    ['Required: Type, Ref, SaleId, and (RequestedAmount or RequestedPoints)', { giftCardId: '', amount: 10 }],
    ['Id not found', { giftCardId: 'WEB-9999999999999999', amount: 10 }],
  ] as [string, { giftCardId: string; amount: number }][])(
    'classifies Authorize answering %s as a rejection',
    async (reason, args) => {
      const failure = await failureOf(cpextender.authorizeCpExtender({ ...args, saleId: newSaleId() }));
      expect(failure).toMatchObject({ type: 'ProviderRejected', nonRetryable: true });
      expect(failure.message).toMatch(
        new RegExp(
          `^cpextender step 'authorize' \\(POST /Giftcard/Authorize\\) rejected the request \\(HTTP 40[04]\\): ${reason.replace(/[()]/g, '\\$&')}$`,
        ),
      );
    },
  );

  it('answers an Authorize without Type with "Type is required"', async () => {
    const answer = await raw('/Giftcard/Authorize', {
      Ref: cpExtenderSeed.cards.empty.Id,
      SaleId: newSaleId(),
      RequestedAmount: 1,
    });
    expect(answer).toEqual({ status: 400, body: JSON.stringify({ Message: 'Type is required' }) });
  });

  it('names CPEXTENDER_TOKEN when the token is refused', async () => {
    const wrong = createCpExtenderActivities(sandbox.config({ CPEXTENDER_TOKEN: 'wrong' }), store);
    const failure = await failureOf(
      wrong.reserveCpExtenderIds({ step: 'reserveId', requestType: 'single', agency: 'Website' }),
    );
    expect(failure).toMatchObject({ type: 'ProviderCredentialsRefused', nonRetryable: true });
    expect(failure.message).toContain('refused our credentials (HTTP 401); check CPEXTENDER_TOKEN');
  });
});
