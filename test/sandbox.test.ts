import { request } from 'undici';
import { CPEXTENDER_PREFIX } from '../sandbox/cpextender';
import { FLEXYBOX_PREFIXES } from '../sandbox/flexybox';
import { waitFor } from './support/stack';
import {
  commitBody,
  customerBody,
  salesOrderBody,
  SANDBOX_TEST_TOKEN as TOKEN,
  useSandboxServer,
} from './support/sandbox-server';

const { crm, pos, api } = FLEXYBOX_PREFIXES;
const { server, call, ledger, requestLog, addFault, openOrder } = useSandboxServer();

const SOCKET_ERROR = /ECONNRESET|UND_ERR_SOCKET|EPIPE/;

describe('faults', () => {
  test('status: replies the injected status with Retry-After and does not perform the operation', async () => {
    await addFault({
      method: 'PUT',
      path: '^/flexybox/crm/',
      kind: 'status',
      status: 429,
      retryAfter: 7,
      body: { Message: 'slow down' },
    });
    const reply = await call('PUT', `${crm}/customers/cust-429`, customerBody());
    expect(reply).toMatchObject({ status: 429, body: { Message: 'slow down' } });
    expect(reply.headers['retry-after']).toBe('7');
    expect((await ledger()).customers).toEqual([]);
    expect(await requestLog()).toEqual([
      { method: 'PUT', path: `${crm}/customers/cust-429`, status: 429, fault: 'status' },
    ]);
  });

  test('delay: answers after the delay and performs the operation', async () => {
    await addFault({ path: 'customers/cust-slow$', kind: 'delay', delayMs: 300 });
    const started = Date.now();
    const reply = await call('PUT', `${crm}/customers/cust-slow`, customerBody());
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(reply.status).toBe(200);
    expect((await ledger()).customers).toHaveLength(1);
  });

  // Our HTTP layer gives up on a slow request and closes the connection; a real server that
  // has received the request still performs it, and so must the sandbox.
  test('delay: performs the operation after the delay although the client gave up meanwhile', async () => {
    await addFault({ method: 'PUT', path: 'customers/cust-gone$', kind: 'delay', delayMs: 1_000 });
    const started = Date.now();
    const giveUp = new AbortController();
    const sent = request(`${server.baseUrl}${crm}/customers/cust-gone`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(customerBody()),
      signal: giveUp.signal,
    });
    await waitFor(
      'the PUT to reach the sandbox',
      async () => (await call('GET', '/__sandbox/faults')).body[0].hits === 1,
    );
    giveUp.abort();
    await expect(sent).rejects.toHaveProperty('name', 'AbortError');
    expect((await ledger()).customers).toEqual([]);

    const customers = await waitFor(
      'the held PUT to land',
      async () => {
        const landed = (await ledger()).customers;
        return landed.length > 0 && landed;
      },
      5_000,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(customers).toEqual([expect.objectContaining({ id: 'cust-gone', upserts: 1 })]);
    // Logged with the answer it gave, which went nowhere.
    expect(await requestLog()).toEqual([
      { method: 'PUT', path: `${crm}/customers/cust-gone`, status: 200, fault: 'delay' },
    ]);
  });

  test('delay: an answer given before the request reaches the hold (a 401) waits too', async () => {
    await addFault({ path: 'customers/cust-denied$', kind: 'delay', delayMs: 300 });
    const started = Date.now();
    expect((await call('PUT', `${crm}/customers/cust-denied`, customerBody(), 'wrong')).status).toBe(401);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(await requestLog()).toEqual([
      { method: 'PUT', path: `${crm}/customers/cust-denied`, status: 401, fault: 'delay' },
    ]);
  });

  test('reset: the client gets a socket error and nothing is created', async () => {
    await addFault({ path: '/salesorders$', kind: 'reset' });
    await call('PUT', `${crm}/customers/cust-reset`, customerBody());
    await expect(call('PUT', `${pos}/salesorders`, salesOrderBody('so-reset', 'cust-reset'))).rejects.toHaveProperty(
      'code',
      expect.stringMatching(SOCKET_ERROR),
    );
    expect((await ledger()).salesOrders).toEqual([]);
    expect((await requestLog()).filter((r) => r.fault)).toEqual([
      { method: 'PUT', path: `${pos}/salesorders`, status: null, fault: 'reset' },
    ]);
  });

  test('drop-response: the client gets a socket error although the commit happened', async () => {
    await openOrder('so-drop', 'cust-drop');
    await addFault({ method: 'POST', path: '/commit$', kind: 'drop-response' });
    await expect(call('POST', `${pos}/salesorders/so-drop/commit`, commitBody('pay-drop', 500))).rejects.toHaveProperty(
      'code',
      expect.stringMatching(SOCKET_ERROR),
    );
    const state = await ledger();
    expect(state.salesOrders).toEqual([expect.objectContaining({ id: 'so-drop', state: 'Committed' })]);
    expect(state.payments).toEqual([expect.objectContaining({ id: 'pay-drop' })]);

    const retry = await call('POST', `${pos}/salesorders/so-drop/commit`, commitBody('pay-drop', 500));
    expect(retry.body.State).toBe('Committed');
    expect((await ledger()).payments).toHaveLength(1);
    expect((await requestLog()).filter((r) => r.path.endsWith('/commit')).map((r) => r.fault ?? r.status)).toEqual([
      'drop-response',
      200,
    ]);
  });

  test('times: a fault applies that many times, then requests pass; 0 applies until cleared', async () => {
    await addFault({ path: '/departments$', kind: 'status', status: 503, times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('GET', `${api}/departments`)).status);
    expect(statuses).toEqual([503, 503, 200]);

    await addFault({ path: '/giftcertificatetypes$', kind: 'status', status: 502, times: 0 });
    for (let i = 0; i < 3; i++) expect((await call('GET', `${pos}/odata/giftcertificatetypes`)).status).toBe(502);
    expect((await call('GET', '/__sandbox/faults')).body).toEqual([
      expect.objectContaining({ path: '/departments$', remaining: 0, hits: 2 }),
      expect.objectContaining({ path: '/giftcertificatetypes$', remaining: null, hits: 3 }),
    ]);
    expect((await call('DELETE', '/__sandbox/faults')).body).toEqual({ cleared: 2 });
    expect((await call('GET', `${pos}/odata/giftcertificatetypes`)).status).toBe(200);
  });

  test('matches faults in registration order and only for their method', async () => {
    await addFault({ method: 'GET', path: '/customers/', kind: 'status', status: 500 });
    await addFault({ path: '/customers/', kind: 'status', status: 503 });
    expect((await call('PUT', `${crm}/customers/cust-order`, customerBody())).status).toBe(503);
    expect((await call('PUT', `${crm}/customers/cust-order`, customerBody())).status).toBe(200);
  });

  test.each([
    [{ kind: 'status', status: 500 }, /^path: /],
    [{ path: '(', kind: 'reset' }, /^path: must be a valid regular expression/],
    [{ path: 'x', kind: 'explode' }, /^kind: /],
    [{ path: 'x', kind: 'status' }, /^status: /],
    [{ path: 'x', kind: 'delay' }, /^delayMs: /],
    [{ path: 'x', kind: 'reset', times: -1 }, /^times: /],
    [{ path: 'x', kind: 'delay', delay_ms: 5 }, /delay_ms/],
  ])('refuses fault %j with 400 naming the field', async (spec, message) => {
    const reply = await call('POST', '/__sandbox/faults', spec);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatch(message);
  });
});

describe('sandbox control', () => {
  test('the request log counts every attempt with its outcome', async () => {
    await call('PUT', `${crm}/customers/cust-log`, customerBody({ EmailAddress: '' }));
    await call('GET', `${api}/departments?x=1`, undefined, 'wrong');
    expect(await requestLog()).toEqual([
      { method: 'PUT', path: `${crm}/customers/cust-log`, status: 400 },
      { method: 'GET', path: `${api}/departments`, status: 401 },
    ]);
  });

  test('reset empties state, faults and the request log but keeps the seed catalog', async () => {
    await openOrder('so-before-reset', 'cust-before-reset');
    await addFault({ path: '/never$', kind: 'reset', times: 0 });
    expect((await call('POST', '/__sandbox/reset')).status).toBe(200);

    expect(await ledger()).toEqual({ customers: [], salesOrders: [], payments: [], giftCertificates: [] });
    expect((await call('GET', '/__sandbox/faults')).body).toEqual([]);
    expect(await requestLog()).toEqual([]);
    expect((await call('GET', `${api}/departments`)).body).toHaveLength(2);
  });
});

describe('behaviour switches', () => {
  const defaults = {
    cpextenderHistoryDocumentNull: false,
    cpextenderNotReservedFirst: false,
    flexyboxCommitNoContent: false,
  };
  const behaviour = async () => (await call('GET', '/__sandbox/behaviour')).body;

  /** Reserves a single GiftCardId and creates a card of 100 on it for `SaleId`; returns the create body to repeat. */
  async function issueCard(SaleId: string) {
    const reserved = await call('POST', `${CPEXTENDER_PREFIX}/Giftcard/ReserveIds`, {
      RequestType: 'single',
      Agency: 'Website',
    });
    const [GiftCardId] = reserved.body.GiftCards as string[];
    const create = { CustomerNumber: '2059378440', GiftCardId, GiftCardCode: 'GC', GiftCardValue: 100, SaleId };
    expect(await call('POST', `${CPEXTENDER_PREFIX}/Giftcard/Create`, create)).toMatchObject({
      status: 200,
      body: { GiftCard: { Id: GiftCardId } },
    });
    return create;
  }

  const cardsOf = async (saleId: string) =>
    ((await call('GET', '/__sandbox/ledger')).body.cpextender.giftCards as { saleId: string | null }[]).filter(
      (card) => card.saleId === saleId,
    );

  test('all are off by default; PUT sets the named ones and returns the rest to default; reset turns them off', async () => {
    expect(await behaviour()).toEqual(defaults);
    const set = await call('PUT', '/__sandbox/behaviour', {
      flexyboxCommitNoContent: true,
      cpextenderNotReservedFirst: true,
    });
    expect(set).toMatchObject({
      status: 200,
      body: { ...defaults, flexyboxCommitNoContent: true, cpextenderNotReservedFirst: true },
    });

    // A PUT replaces: what an earlier PUT set does not linger.
    expect((await call('PUT', '/__sandbox/behaviour', { cpextenderHistoryDocumentNull: true })).body).toEqual({
      ...defaults,
      cpextenderHistoryDocumentNull: true,
    });
    expect(await behaviour()).toEqual({ ...defaults, cpextenderHistoryDocumentNull: true });

    await call('POST', '/__sandbox/reset');
    expect(await behaviour()).toEqual(defaults);
  });

  test.each([
    [
      { flexyboxCommitNoBody: true },
      /^flexyboxCommitNoBody: not a behaviour switch \(switches: cpextenderHistoryDocumentNull, /,
    ],
    [{ flexyboxCommitNoContent: 'yes' }, /^flexyboxCommitNoContent: must be true or false$/],
    [{ cpextenderNotReservedFirst: null }, /^cpextenderNotReservedFirst: must be true or false$/],
    [[true], /^body: must be a JSON object$/],
  ])('refuses behaviour %j with 400 naming the field, and changes nothing', async (body, message) => {
    await call('PUT', '/__sandbox/behaviour', { flexyboxCommitNoContent: true });
    const reply = await call('PUT', '/__sandbox/behaviour', body);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatch(message);
    expect(await behaviour()).toEqual({ ...defaults, flexyboxCommitNoContent: true });
  });

  test('cpextenderHistoryDocumentNull: BalanceCheck shows every History Document as null, as the documented example does', async () => {
    const { GiftCardId } = await issueCard('sale-document');
    const hold = await call('POST', `${CPEXTENDER_PREFIX}/Giftcard/Authorize`, {
      Type: 'giftcard',
      Ref: GiftCardId,
      SaleId: 'sale-hold',
      RequestedAmount: 10,
    });
    expect(hold.status).toBe(200);
    const history = async () =>
      (await call('GET', `${CPEXTENDER_PREFIX}/Giftcard/${GiftCardId}/BalanceCheck`)).body.GiftCard.History;
    expect((await history()).map((entry: { Document: string | null }) => entry.Document)).toEqual([
      'sale-document',
      'sale-hold',
    ]);

    await call('PUT', '/__sandbox/behaviour', { cpextenderHistoryDocumentNull: true });
    expect(await history()).toEqual([
      expect.objectContaining({ Activity: 'Issued', Amount: 100, Document: null }),
      expect.objectContaining({ Activity: 'Authorized', Amount: 10, Document: null }),
    ]);
    // Only the answer changes: the card still belongs to its sale.
    expect(await cardsOf('sale-document')).toHaveLength(1);
  });

  test('cpextenderNotReservedFirst: a repeat of a Create that landed answers Not Reserved instead of Already Exists', async () => {
    const create = await issueCard('sale-repeat');
    const repeat = () => call('POST', `${CPEXTENDER_PREFIX}/Giftcard/Create`, create);
    expect(await repeat()).toMatchObject({ status: 400, body: { Message: 'GiftcardId Already Exists' } });

    await call('PUT', '/__sandbox/behaviour', { cpextenderNotReservedFirst: true });
    expect(await repeat()).toMatchObject({ status: 400, body: { Message: 'GiftcardId Not Reserved' } });
    // A seeded card never had a reservation: Not Reserved too.
    const seeded = await call('POST', `${CPEXTENDER_PREFIX}/Giftcard/Create`, {
      ...create,
      GiftCardId: 'WEB-0000000000000003',
    });
    expect(seeded).toMatchObject({ status: 400, body: { Message: 'GiftcardId Not Reserved' } });
    expect(await cardsOf('sale-repeat')).toHaveLength(1);

    // The switch reorders refusals only: a Create on a freshly reserved ID still issues its card.
    await issueCard('sale-fresh');
    expect(await cardsOf('sale-fresh')).toHaveLength(1);
  });

  test('flexyboxCommitNoContent: the first commit and a repeat answer 204 without a body; refusals keep theirs', async () => {
    await call('PUT', '/__sandbox/behaviour', { flexyboxCommitNoContent: true });
    await openOrder('so-204', 'cust-204');
    const short = await call('POST', `${pos}/salesorders/so-204/commit`, commitBody('pay-short', 499));
    expect(short).toMatchObject({
      status: 400,
      body: { Message: 'Payment amount 499 does not match order total 500' },
    });

    const first = await call('POST', `${pos}/salesorders/so-204/commit`, commitBody('pay-204', 500));
    expect(first).toMatchObject({ status: 204, body: undefined });
    expect(first.headers['content-length']).toBeUndefined();
    const repeat = await call('POST', `${pos}/salesorders/so-204/commit`, commitBody('pay-204', 500));
    expect(repeat).toMatchObject({ status: 204, body: undefined });
    const other = await call('POST', `${pos}/salesorders/so-204/commit`, commitBody('pay-other', 500));
    expect(other).toMatchObject({ status: 409, body: { Message: "Sales order 'so-204' is already committed" } });

    // Committed once, certificates issued: only the answer lacks them.
    const state = await ledger();
    expect(state.salesOrders).toEqual([expect.objectContaining({ id: 'so-204', state: 'Committed' })]);
    expect(state.payments).toEqual([{ id: 'pay-204', salesOrderId: 'so-204', type: 'Mastercard', amount: 500 }]);
    expect(state.giftCertificates).toHaveLength(2);
  });
});
