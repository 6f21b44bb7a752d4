import { createFlexyboxActivities } from '../activities/flexybox';
import { closeHttpPools } from '../activities/http';
import { flexyboxSeed } from '../sandbox/flexybox';
import { failureOf, TestSandbox } from './support/stack';

let sandbox: TestSandbox;
let flexybox: ReturnType<typeof createFlexyboxActivities>;
const hotel = flexyboxSeed.departments.hotelNordlys;
const gavekort = flexyboxSeed.giftCertificateTypes.gavekort;
let sequence = 0;
const newId = () => `00000000-0000-4000-8000-${String(++sequence).padStart(12, '0')}`;
const customer = { fullName: 'Karen Jensen', email: 'karen.jensen@example.com', countryCode: 'DK' };

beforeAll(async () => {
  sandbox = await TestSandbox.start();
  flexybox = createFlexyboxActivities(sandbox.config());
});
afterEach(async () => {
  await sandbox.clearFaults();
  await sandbox.setBehaviour({});
});
afterAll(async () => {
  await closeHttpPools();
  await sandbox?.close();
});

/** The ApplicationFailure an activity call throws (fails the test if it resolves). */
async function openSalesOrder(total = 500) {
  const customerId = newId();
  const salesOrderId = newId();
  await flexybox.upsertFlexyboxCustomer({ customerId, customer });
  const lines = [{ typeId: gavekort.Id, typeName: gavekort.Name, quantity: 1, price: total }];
  await flexybox.createFlexyboxSalesOrder({
    salesOrderId,
    customerId,
    departmentId: hotel.Id,
    lines,
    currency: 'DKK',
    debitMethod: 'OnlinePayment',
  });
  return { customerId, salesOrderId };
}

describe('Flexybox activities against the sandbox', () => {
  it('upserts one customer however often the same ID is sent', async () => {
    const customerId = newId();
    expect(await flexybox.upsertFlexyboxCustomer({ customerId, customer })).toEqual({ attempt: 1 });
    await flexybox.upsertFlexyboxCustomer({ customerId, customer: { ...customer, fullName: 'Karen B. Jensen' } });
    const { flexybox: ledger } = await sandbox.ledger();
    expect(ledger.customers.filter((c: { id: string }) => c.id === customerId)).toEqual([
      expect.objectContaining({ fullName: 'Karen B. Jensen', upserts: 2 }),
    ]);
  });

  it('resolves certificate types by name and by ID, and checks the department', async () => {
    const resolved = await flexybox.resolveFlexyboxCertificateTypes([
      { type: 'gavekort', quantity: 1, price: 100 },
      { type: flexyboxSeed.giftCertificateTypes.julegavekortSpa.Id, quantity: 2, price: 50 },
    ]);
    expect(resolved.lines.map((line) => line.typeId)).toEqual([
      gavekort.Id,
      flexyboxSeed.giftCertificateTypes.julegavekortSpa.Id,
    ]);
    expect(await flexybox.checkFlexyboxDepartment(hotel.Id)).toEqual({ departmentName: hotel.Name, attempt: 1 });
  });

  it('names the choices for an unknown certificate type', async () => {
    const failure = await failureOf(
      flexybox.resolveFlexyboxCertificateTypes([{ type: 'Gavekurv', quantity: 1, price: 1 }]),
    );
    expect(failure).toMatchObject({ type: 'ProviderRejected', nonRetryable: true });
    expect(failure.message).toContain(
      "certificate type 'Gavekurv' is not a gift-certificate type. Choices: Gavekort (",
    );
  });

  it('creates the sales order once per Id and commits it once per payment Id', async () => {
    const { salesOrderId } = await openSalesOrder(500);
    const payment = { id: newId(), type: 'Mastercard', amount: 500 };
    const first = await flexybox.commitFlexyboxSalesOrder({ salesOrderId, payment });
    const repeat = await flexybox.commitFlexyboxSalesOrder({ salesOrderId, payment });
    expect(repeat.issuedCertificates).toEqual(first.issuedCertificates);
    const { flexybox: ledger } = await sandbox.ledger();
    expect(ledger.payments.filter((p: { salesOrderId: string }) => p.salesOrderId === salesOrderId)).toHaveLength(1);
  });

  it('takes a commit answered 204 without a body as committed, with the issued certificates unknown (null)', async () => {
    // The Flexybox guide shows no response bodies; the pessimistic sandbox answers the commit without one.
    await sandbox.setBehaviour({ flexyboxCommitNoContent: true });
    const { salesOrderId } = await openSalesOrder(500);
    const payment = { id: newId(), type: 'Mastercard', amount: 500 };
    expect(await flexybox.commitFlexyboxSalesOrder({ salesOrderId, payment })).toEqual({
      issuedCertificates: null,
      attempt: 1,
    });
    // A retry of a commit that landed is answered the same way, and pays nothing twice.
    expect(await flexybox.commitFlexyboxSalesOrder({ salesOrderId, payment })).toEqual({
      issuedCertificates: null,
      attempt: 1,
    });
    const { flexybox: ledger } = await sandbox.ledger();
    expect(ledger.salesOrders.find((o: { id: string }) => o.id === salesOrderId)).toMatchObject({ state: 'Committed' });
    expect(ledger.payments.filter((p: { salesOrderId: string }) => p.salesOrderId === salesOrderId)).toHaveLength(1);
    expect(
      ledger.giftCertificates.filter((c: { salesOrderId: string }) => c.salesOrderId === salesOrderId),
    ).toHaveLength(1);
  });

  it('still checks a commit answer that has a body: one that is not a committed order is an AmbiguousOutcome', async () => {
    const { salesOrderId } = await openSalesOrder(500);
    await sandbox.fault({ path: '/commit$', kind: 'status', status: 200, body: { Id: salesOrderId, State: 'Open' } });
    const failure = await failureOf(
      flexybox.commitFlexyboxSalesOrder({ salesOrderId, payment: { id: newId(), type: 'Mastercard', amount: 500 } }),
    );
    // Retryable: the commit is deduplicated by its payment Id.
    expect(failure).toMatchObject({ type: 'AmbiguousOutcome', nonRetryable: false });
    expect(failure.message).toContain('answered with a body that does not match the contract (State: ');
  });

  it.each([
    [
      'missing FullName',
      () => flexybox.upsertFlexyboxCustomer({ customerId: newId(), customer: { ...customer, fullName: '' } }),
      'The FullName field is required.',
    ],
    [
      'invalid EmailAddress',
      () => flexybox.upsertFlexyboxCustomer({ customerId: newId(), customer: { ...customer, email: 'karen' } }),
      'The EmailAddress field is not a valid e-mail address.',
    ],
    [
      'unknown department',
      async () => {
        const customerId = newId();
        await flexybox.upsertFlexyboxCustomer({ customerId, customer });
        const lines = [{ typeId: gavekort.Id, typeName: gavekort.Name, quantity: 1, price: 1 }];
        return flexybox.createFlexyboxSalesOrder({
          salesOrderId: newId(),
          customerId,
          departmentId: 'nope',
          lines,
          currency: 'DKK',
          debitMethod: 'OnlinePayment',
        });
      },
      "Unknown DepartmentId 'nope'",
    ],
    [
      'unknown sales order on commit',
      () =>
        flexybox.commitFlexyboxSalesOrder({
          salesOrderId: newId(),
          payment: { id: newId(), type: 'Mastercard', amount: 1 },
        }),
      'not found',
    ],
  ] as [string, () => Promise<unknown>, string][])(
    'maps %s to a non-retryable ProviderRejected with the provider reason',
    async (_, call, reason) => {
      const failure = await failureOf(call());
      expect(failure).toMatchObject({ type: 'ProviderRejected', nonRetryable: true });
      expect(failure.message).toMatch(
        /^flexybox step '\w+' \((PUT|POST) \/[\w/{}]+\) rejected the request \(HTTP 4\d\d\): /,
      );
      expect(failure.message).toContain(reason);
    },
  );

  it('maps a payment amount that differs from the total to ProviderRejected', async () => {
    const { salesOrderId } = await openSalesOrder(500);
    const failure = await failureOf(
      flexybox.commitFlexyboxSalesOrder({ salesOrderId, payment: { id: newId(), type: 'Mastercard', amount: 400 } }),
    );
    expect(failure).toMatchObject({ type: 'ProviderRejected', nonRetryable: true });
    expect(failure.message).toContain('does not match order total');
  });

  it('maps a 429 to ProviderRateLimited with the Retry-After delay', async () => {
    await sandbox.fault({ path: '/departments$', kind: 'status', status: 429, retryAfter: 7 });
    const failure = await failureOf(flexybox.checkFlexyboxDepartment(hotel.Id));
    expect(failure).toMatchObject({ type: 'ProviderRateLimited', nonRetryable: false, nextRetryDelay: 7000 });
  });

  it('maps a 5xx and a lost response to a retryable AmbiguousOutcome for these idempotent calls', async () => {
    await sandbox.fault({ path: '/customers/', kind: 'status', status: 502 });
    expect(await failureOf(flexybox.upsertFlexyboxCustomer({ customerId: newId(), customer }))).toMatchObject({
      type: 'AmbiguousOutcome',
      nonRetryable: false,
    });
    await sandbox.fault({ path: '/customers/', kind: 'drop-response' });
    const dropped = await failureOf(flexybox.upsertFlexyboxCustomer({ customerId: newId(), customer }));
    expect(dropped).toMatchObject({ type: 'AmbiguousOutcome', nonRetryable: false });
    expect(dropped.message).toMatch(/lost the connection .*the request may have landed/);
  });

  it('maps an unreachable provider to ProviderUnavailable', async () => {
    const offline = createFlexyboxActivities(sandbox.config({ FLEXYBOX_API_URL: 'http://127.0.0.1:1/api/v2' }));
    const failure = await failureOf(offline.checkFlexyboxDepartment(hotel.Id));
    expect(failure).toMatchObject({ type: 'ProviderUnavailable', nonRetryable: false });
    expect(failure.message).toContain('ECONNREFUSED');
  });

  it('refuses a wrong token without echoing it, naming the variable to fix', async () => {
    const wrongToken = 'wrong-token-that-must-not-leak';
    const unauthorised = createFlexyboxActivities(sandbox.config({ FLEXYBOX_TOKEN: wrongToken }));
    const failure = await failureOf(unauthorised.checkFlexyboxDepartment(hotel.Id));
    expect(failure).toMatchObject({ type: 'ProviderCredentialsRefused', nonRetryable: true });
    expect(failure.message).toContain('refused our credentials (HTTP 401); check FLEXYBOX_TOKEN');
    expect(JSON.stringify({ message: failure.message, stack: failure.stack, details: failure.details })).not.toContain(
      wrongToken,
    );
  });
});
