/**
 * A provider's rejection that quotes the customer data we sent (a name, a street, a loyalty
 * number: shapes no pattern recognises) does not carry it into the failure message, so neither
 * into the worker's log line for the failed activity. (History holds failure messages
 * encrypted anyway: test/failure-encryption.test.ts.) The real sandbox answers with the quoting
 * rejection through its fault injection; the activities are the real ones.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createCpExtenderActivities } from '../activities/cpextender';
import { createFlexyboxActivities } from '../activities/flexybox';
import { closeHttpPools } from '../activities/http';
import { createPaywayActivities } from '../activities/payway';
import { createSmartGiftActivities } from '../activities/smartgift';
import { smartGiftOrderInputSchema } from '../contracts/smartgift';
import { paywayOrderInputSchema } from '../contracts/payway';
import { redactLogEntry } from '../security/redact';
import { documentedExample } from './support/payway';
import { smartGiftOrder } from './support/smartgift';
import { failureOf, TestSandbox } from './support/stack';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await TestSandbox.start();
});
afterEach(() => sandbox.clearFaults());
afterAll(async () => {
  await closeHttpPools();
  await sandbox?.close();
});

/** The failure, checked to quote none of `values`, and the worker's log line for it likewise. */
async function expectNoEcho(call: Promise<unknown>, values: string[], kept: RegExp): Promise<ApplicationFailure> {
  const failure = await failureOf(call);
  expect(failure.message).toMatch(kept);
  expect(failure.message).toContain('<redacted>');
  const logged = JSON.stringify(redactLogEntry({ message: 'Activity failed', meta: { error: failure } }));
  for (const value of values) {
    expect(failure.message).not.toContain(value);
    expect(logged).not.toContain(value);
  }
  return failure;
}

describe('provider rejections quoting customer data', () => {
  it('Flexybox: the CRM quoting the name and street', async () => {
    const customer = {
      fullName: 'Karen Margrethe Jensen',
      email: 'karen.jensen@example.com',
      streetAddress: 'Strandvejen 12',
      countryCode: 'DK',
    };
    await sandbox.fault({
      method: 'PUT',
      path: '/customers/',
      kind: 'status',
      status: 400,
      body: { Message: `Customer 'Karen Margrethe Jensen' at Strandvejen 12 is blocked` },
    });
    const flexybox = createFlexyboxActivities(sandbox.config());
    const failure = await expectNoEcho(
      flexybox.upsertFlexyboxCustomer({ customerId: '00000000-0000-4000-8000-00000000e001', customer }),
      ['Karen Margrethe Jensen', 'Strandvejen'],
      /rejected the request \(HTTP 400\): Customer '<redacted>' at <redacted> is blocked/,
    );
    expect(failure).toMatchObject({ type: 'ProviderRejected', nonRetryable: true });
  });

  it('Smart Gift: a 422 quoting the recipient printed on the voucher', async () => {
    const order = smartGiftOrderInputSchema.parse(
      smartGiftOrder({ items: [{ id: 1, price: 100, to: 'Bodil Kjær Hansen', code: 'ECHOTEST1' }] }),
    );
    await sandbox.fault({
      method: 'POST',
      path: '/pos-sale$',
      kind: 'status',
      status: 422,
      body: { message: 'The recipient Bodil Kjær Hansen cannot receive vouchers.', errors: {} },
    });
    const smartgift = createSmartGiftActivities(sandbox.config());
    await expectNoEcho(
      smartgift.placeSmartGiftOrder({ order, orderId: 'echo-1', derivedCodes: [null] }),
      ['Bodil Kjær Hansen'],
      /rejected the request \(HTTP 422\): The recipient <redacted> cannot/,
    );
  });

  it('Payway: a validation error quoting the recipient and the street', async () => {
    // Values of 4+ characters: shorter ones (a surname 'Doe') would mask too much of any text (security/redact.ts).
    const address = { ...documentedExample.gift_delivery_address, first_name: 'Johanna', last_name: 'Lindqvist' };
    const order = paywayOrderInputSchema.parse({ ...documentedExample, gift_delivery_address: address });
    await sandbox.fault({
      method: 'POST',
      path: 'create_gift_order$',
      kind: 'status',
      status: 400,
      body: {
        message: 'gift_delivery_address Johanna Lindqvist, Sunset Boulevard is not deliverable',
        code: 'validation_failed',
      },
    });
    const payway = createPaywayActivities(sandbox.config());
    await expectNoEcho(
      payway.createPaywayGiftOrder({ order, merchantReference: 'echo-1' }),
      ['Johanna', 'Lindqvist', 'Sunset Boulevard'],
      /rejected the request \(HTTP 400\): gift_delivery_address <redacted> <redacted>, <redacted> is not deliverable/,
    );
  });

  it('CP Extender: Create quoting the customer number, while its documented reasons stay readable', async () => {
    const cpextender = createCpExtenderActivities(sandbox.config());
    const args = {
      giftCardId: 'WEB-0000000000000099',
      customerNumber: '20593',
      giftCardCode: 'GC',
      giftCardValue: 10,
      saleId: 'echo-sale-1',
    };
    await sandbox.fault({
      method: 'POST',
      path: '/Giftcard/Create$',
      kind: 'status',
      status: 404,
      body: { Message: 'Customer 20593 Not Found' },
    });
    await expectNoEcho(
      cpextender.createCpExtenderGiftCard(args),
      ['20593'],
      /rejected the request \(HTTP 404\): Customer <redacted> Not Found/,
    );
    await sandbox.fault({
      method: 'POST',
      path: '/Giftcard/Create$',
      kind: 'status',
      status: 404,
      body: { Message: 'Customer Not Found' },
    });
    expect((await failureOf(cpextender.createCpExtenderGiftCard(args))).message).toMatch(/: Customer Not Found$/);
  });
});
