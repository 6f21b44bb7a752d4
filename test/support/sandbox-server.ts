/**
 * A sandbox server in the test's own process (no Temporal), with the helpers its HTTP tests
 * share: the control endpoints and the documented Flexybox bodies (test/sandbox.test.ts for the
 * server's faults and switches, test/flexybox.sandbox.test.ts for Flexybox's contract).
 */
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { FLEXYBOX_PREFIXES, flexyboxSeed } from '../../sandbox/flexybox';
import { createSandboxServer } from '../../sandbox/server';
import { sendJson, type Reply } from './http';

export const SANDBOX_TEST_TOKEN = 'sandbox-test-token';

/** Starts a sandbox for the test file, resets it before each test; `server.baseUrl` once started. */
export function useSandboxServer() {
  const server = { baseUrl: '', app: undefined as FastifyInstance | undefined };
  const call = (
    method: Dispatcher.HttpMethod,
    path: string,
    body?: unknown,
    token: string | null = SANDBOX_TEST_TOKEN,
  ): Promise<Reply> =>
    sendJson(`${server.baseUrl}${path}`, method, body, token === null ? {} : { authorization: `Bearer ${token}` });

  beforeAll(async () => {
    server.app = createSandboxServer({ tokens: { flexybox: SANDBOX_TEST_TOKEN, cpextender: SANDBOX_TEST_TOKEN } });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    server.baseUrl = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  });
  beforeEach(() => call('POST', '/__sandbox/reset'));
  afterAll(() => server.app?.close());

  return {
    server,
    call,
    ledger: async () => (await call('GET', '/__sandbox/ledger')).body.flexybox,
    requestLog: async () =>
      (await call('GET', '/__sandbox/requests')).body as { path: string; status: number | null; fault?: string }[],
    async addFault(spec: Record<string, unknown>): Promise<string> {
      const reply = await call('POST', '/__sandbox/faults', spec);
      expect(reply.status).toBe(201);
      return reply.body.id;
    },
    /** A CRM customer and an open sales order of two Gavekort at 250. */
    async openOrder(orderId: string, customerId: string): Promise<void> {
      expect((await call('PUT', `${FLEXYBOX_PREFIXES.crm}/customers/${customerId}`, customerBody())).status).toBe(200);
      expect(
        (await call('PUT', `${FLEXYBOX_PREFIXES.pos}/salesorders`, salesOrderBody(orderId, customerId))).status,
      ).toBe(200);
    },
  };
}

/** The documented CRM body. */
export function customerBody(overrides: Record<string, unknown> = {}) {
  return {
    FullName: 'Karen Blixen',
    BirthDate: null,
    Gender: null,
    DepartmentId: null,
    EmailAddress: 'karen@example.dk',
    PhoneNumber: null,
    StreetAddress: null,
    PostalDistrict: null,
    PostalCode: null,
    CountryCode: 'DK',
    ...overrides,
  };
}

/** The documented sales-order body: two Gavekort at 250. */
export function salesOrderBody(Id: string, CustomerId: string, overrides: Record<string, unknown> = {}) {
  const line = {
    GiftCertificateTypeId: flexyboxSeed.giftCertificateTypes.gavekort.Id,
    Quantity: 2,
    Price: 250,
    Checksum: null,
  };
  return {
    GiftDetails: null,
    Id,
    GiftCertificates: { GiftCertificates: [line] },
    CustomerId,
    DepartmentId: flexyboxSeed.departments.hotelNordlys.Id,
    AcceptUri: null,
    CancelUri: null,
    RequireSubscription: false,
    Currency: 'DKK',
    DebitMethod: 'OnlinePayment',
    ...overrides,
  };
}

/** The documented commit body. */
export function commitBody(paymentId: string, amount: number) {
  return {
    Payments: [
      {
        AccountFlowId: null,
        OnlinePaymentKey: null,
        ExternalPayment: { Id: paymentId, Type: 'Mastercard', Amount: amount },
      },
    ],
  };
}
