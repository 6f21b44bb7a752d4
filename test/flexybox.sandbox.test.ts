import { FLEXYBOX_PREFIXES, flexyboxSeed } from '../sandbox/flexybox';
import { commitBody, customerBody, salesOrderBody, useSandboxServer } from './support/sandbox-server';

const { crm, pos, api } = FLEXYBOX_PREFIXES;
const { hotelNordlys } = flexyboxSeed.departments;
const { gavekort, spaOplevelse } = flexyboxSeed.giftCertificateTypes;
const { server, call, ledger, openOrder } = useSandboxServer();

describe('flexybox', () => {
  test('places an order: customer, sales order, commit, each once in the ledger', async () => {
    const customer = await call('PUT', `${crm}/customers/cust-happy`, customerBody());
    expect(customer.status).toBe(200);
    expect(customer.body).toMatchObject({
      Id: 'cust-happy',
      FullName: 'Karen Blixen',
      PhoneNumber: null,
      CountryCode: 'DK',
    });

    const order = await call('PUT', `${pos}/salesorders`, salesOrderBody('so-happy', 'cust-happy'));
    expect(order.body).toMatchObject({ Id: 'so-happy', State: 'Open', Total: 500, Currency: 'DKK' });

    const commit = await call('POST', `${pos}/salesorders/so-happy/commit`, commitBody('pay-happy', 500));
    expect(commit.status).toBe(200);
    expect(commit.body).toMatchObject({ Id: 'so-happy', State: 'Committed', Total: 500 });
    expect(commit.body.Payments).toEqual([{ Id: 'pay-happy', Type: 'Mastercard', Amount: 500 }]);
    expect(commit.body.IssuedGiftCertificates).toHaveLength(2);
    for (const certificate of commit.body.IssuedGiftCertificates) {
      expect(certificate).toEqual({
        Number: expect.stringMatching(/^\d{12}$/),
        GiftCertificateTypeId: gavekort.Id,
        Amount: 250,
      });
    }

    expect(await ledger()).toEqual({
      customers: [{ id: 'cust-happy', fullName: 'Karen Blixen', email: 'karen@example.dk', upserts: 1 }],
      salesOrders: [
        {
          id: 'so-happy',
          customerId: 'cust-happy',
          departmentId: hotelNordlys.Id,
          total: 500,
          state: 'Committed',
          puts: 1,
        },
      ],
      payments: [{ id: 'pay-happy', salesOrderId: 'so-happy', type: 'Mastercard', amount: 500 }],
      giftCertificates: commit.body.IssuedGiftCertificates.map((c: { Number: string }) => ({
        number: c.Number,
        salesOrderId: 'so-happy',
        giftCertificateTypeId: gavekort.Id,
        amount: 250,
      })),
    });
  });

  test('upserting the same customer twice keeps one customer with upserts 2', async () => {
    await call('PUT', `${crm}/customers/cust-twice`, customerBody());
    const second = await call('PUT', `${crm}/customers/cust-twice`, customerBody({ FullName: 'Karen Dinesen' }));
    expect(second.body.FullName).toBe('Karen Dinesen');
    expect((await ledger()).customers).toEqual([
      { id: 'cust-twice', fullName: 'Karen Dinesen', email: 'karen@example.dk', upserts: 2 },
    ]);
  });

  test.each([
    ['without FullName', { FullName: undefined }, 'The FullName field is required.'],
    ['with a blank FullName', { FullName: '  ' }, 'The FullName field is required.'],
    ['with a null EmailAddress', { EmailAddress: null }, 'The EmailAddress field is required.'],
    [
      'with an EmailAddress lacking @',
      { EmailAddress: 'karen.example.dk' },
      'The EmailAddress field is not a valid e-mail address.',
    ],
  ])('rejects a customer %s with 400 and the documented message', async (_name, overrides, message) => {
    const reply = await call('PUT', `${crm}/customers/cust-invalid`, customerBody(overrides));
    expect(reply).toMatchObject({ status: 400, body: { Message: message } });
    expect((await ledger()).customers).toEqual([]);
  });

  test.each([
    ['a wrong token', 'not-the-token'],
    ['no token', null],
  ])('answers 401 to %s on every API', async (_name, token) => {
    for (const [method, path] of [
      ['PUT', `${crm}/customers/cust-401`],
      ['GET', `${pos}/odata/giftcertificatetypes`],
      ['GET', `${api}/departments`],
    ] as const) {
      const reply = await call(method, path, method === 'PUT' ? customerBody() : undefined, token);
      expect(reply).toMatchObject({
        status: 401,
        body: { Message: 'Authorization has been denied for this request.' },
      });
    }
    expect((await ledger()).customers).toEqual([]);
  });

  test('serves the seed catalog, with two gift certificate types named Julegavekort', async () => {
    const types = await call('GET', `${pos}/odata/giftcertificatetypes`);
    expect(types.body['@odata.context']).toBe(`${server.baseUrl}${pos}/odata/$metadata#GiftCertificateTypes`);
    expect(types.body.value).toEqual(Object.values(flexyboxSeed.giftCertificateTypes));
    expect(types.body.value.filter((t: { Name: string }) => t.Name === 'Julegavekort')).toHaveLength(2);
    expect((await call('GET', `${api}/departments`)).body).toEqual(Object.values(flexyboxSeed.departments));
  });

  test.each([
    ['department', { DepartmentId: 'dep-nowhere' }, "Unknown DepartmentId 'dep-nowhere'"],
    ['customer', { CustomerId: 'cust-nobody' }, "Unknown CustomerId 'cust-nobody'"],
    [
      'gift certificate type',
      { GiftCertificates: { GiftCertificates: [{ GiftCertificateTypeId: 'type-none', Quantity: 1, Price: 100 }] } },
      "Unknown GiftCertificateTypeId 'type-none'",
    ],
  ])('rejects a sales order with an unknown %s', async (_name, overrides, message) => {
    await call('PUT', `${crm}/customers/cust-known`, customerBody());
    const reply = await call('PUT', `${pos}/salesorders`, salesOrderBody('so-unknown', 'cust-known', overrides));
    expect(reply).toMatchObject({ status: 400, body: { Message: message } });
    expect((await ledger()).salesOrders).toEqual([]);
  });

  test('replaces an open sales order with the same Id and refuses to change a committed one', async () => {
    await openOrder('so-replace', 'cust-replace');
    const lines = { GiftCertificates: [{ GiftCertificateTypeId: spaOplevelse.Id, Quantity: 3, Price: 100 }] };
    const replaced = await call(
      'PUT',
      `${pos}/salesorders`,
      salesOrderBody('so-replace', 'cust-replace', { GiftCertificates: lines }),
    );
    expect(replaced.body).toMatchObject({ State: 'Open', Total: 300 });
    expect((await ledger()).salesOrders).toEqual([expect.objectContaining({ id: 'so-replace', total: 300, puts: 2 })]);

    await call('POST', `${pos}/salesorders/so-replace/commit`, commitBody('pay-replace', 300));
    const late = await call('PUT', `${pos}/salesorders`, salesOrderBody('so-replace', 'cust-replace'));
    expect(late).toMatchObject({
      status: 409,
      body: { Message: "Sales order 'so-replace' is committed and cannot be changed" },
    });
    expect((await ledger()).salesOrders).toEqual([
      expect.objectContaining({ total: 300, state: 'Committed', puts: 2 }),
    ]);
  });

  test('ignores a repeated commit with the same payment Id', async () => {
    await openOrder('so-repeat', 'cust-repeat');
    const first = await call('POST', `${pos}/salesorders/so-repeat/commit`, commitBody('pay-repeat', 500));
    const second = await call('POST', `${pos}/salesorders/so-repeat/commit`, commitBody('pay-repeat', 500));
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    const { payments, giftCertificates } = await ledger();
    expect(payments).toEqual([{ id: 'pay-repeat', salesOrderId: 'so-repeat', type: 'Mastercard', amount: 500 }]);
    expect(giftCertificates).toHaveLength(2);
  });

  test('refuses a new payment Id on a committed order with 409', async () => {
    await openOrder('so-twice', 'cust-twice-paid');
    await call('POST', `${pos}/salesorders/so-twice/commit`, commitBody('pay-first', 500));
    const reply = await call('POST', `${pos}/salesorders/so-twice/commit`, commitBody('pay-second', 500));
    expect(reply).toMatchObject({ status: 409, body: { Message: "Sales order 'so-twice' is already committed" } });
    expect((await ledger()).payments).toHaveLength(1);
  });

  test('rejects a payment that does not match the order total', async () => {
    await openOrder('so-short', 'cust-short');
    const reply = await call('POST', `${pos}/salesorders/so-short/commit`, commitBody('pay-short', 499.5));
    expect(reply).toMatchObject({
      status: 400,
      body: { Message: 'Payment amount 499.5 does not match order total 500' },
    });
    const state = await ledger();
    expect(state.payments).toEqual([]);
    expect(state.salesOrders[0].state).toBe('Open');
  });

  test('names the missing payment field and answers 404 for an unknown order', async () => {
    await openOrder('so-fields', 'cust-fields');
    const body = { Payments: [{ ExternalPayment: { Id: 'pay-fields', Amount: 500 } }] };
    const reply = await call('POST', `${pos}/salesorders/so-fields/commit`, body);
    expect(reply).toMatchObject({
      status: 400,
      body: { Message: 'The Payments[0].ExternalPayment.Type field is required.' },
    });
    const missing = await call('POST', `${pos}/salesorders/so-missing/commit`, commitBody('pay-missing', 1));
    expect(missing).toMatchObject({ status: 404, body: { Message: "Sales order 'so-missing' not found" } });
  });
});
