/**
 * The create_gift_order contract, checked twice: by giftflow's pre-start validation
 * (contracts/payway.ts) and by the sandbox playing Payway. Both accept every documented
 * example and refuse every documented rule with an error that names the field.
 */
import { PAYWAY_PATHS, paywayOrderInputSchema, type PaywayOrderInput } from '../contracts/payway';
import { paywaySeed } from '../sandbox/payway';
import { documentedExample, fullExample, paywayCall, sandboxToken } from './support/payway';
import { TestSandbox } from './support/stack';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await TestSandbox.start();
});
afterAll(() => sandbox.close());

const address = documentedExample.gift_delivery_address;
const { first_name: _, ...addressWithoutFirstName } = address;

/** [rule, change to the documented example, field, our message, the sandbox's message] */
const rules: [string, Record<string, unknown>, string, RegExp, RegExp][] = [
  [
    'giver_account_id is 24 hex characters',
    { giver_account_id: 'zz6291d537c2ed78a11518b7' },
    'giver_account_id',
    /must be a Payway id: 24 hexadecimal/,
    /giver_account_id is invalid/,
  ],
  [
    'giver_account_id is at most 24 characters',
    { giver_account_id: '5c6291d537c2ed78a11518b7ab' },
    'giver_account_id',
    /at most 24 characters/,
    /giver_account_id is too long \(maximum is 24 characters\)/,
  ],
  [
    'giver_account_id or giver_email is required',
    { giver_account_id: undefined },
    'giver_account_id',
    /giver_account_id or giver_email is required/,
    /giver_account_id or giver_email must be given/,
  ],
  [
    'giver_email matches the documented pattern',
    { giver_account_id: undefined, giver_email: 'anna at example.se' },
    'giver_email',
    /must be an e-mail address/,
    /giver_email is invalid/,
  ],
  [
    'giver_email is at most 1024 characters',
    { giver_email: `${'a'.repeat(1020)}@ex.se` },
    'giver_email',
    /at most 1024 characters/,
    /giver_email is too long \(maximum is 1024/,
  ],
  [
    'product_code is required',
    { product_code: undefined },
    'product_code',
    /product_code is required/,
    /product_code can't be blank/,
  ],
  ['period_id is required', { period_id: undefined }, 'period_id', /period_id is required/, /period_id can't be blank/],
  [
    'period_id is 24 hex characters',
    { period_id: 'monthly-period' },
    'period_id',
    /must be a Payway id/,
    /period_id is invalid/,
  ],
  [
    'start_date is a date-time',
    { start_date: 'next tuesday' },
    'start_date',
    /ISO 8601 date-time/,
    /start_date is not a valid date-time/,
  ],
  [
    'start_date is in UTC',
    { start_date: '2019-05-01T00:00:00+02:00' },
    'start_date',
    /must be in UTC/,
    /start_date must be in UTC/,
  ],
  [
    'gift_delivery_address is required',
    { gift_delivery_address: undefined },
    'gift_delivery_address',
    /gift_delivery_address is required/,
    /gift_delivery_address can't be blank/,
  ],
  [
    'gift_delivery_address has a first_name',
    { gift_delivery_address: addressWithoutFirstName },
    'gift_delivery_address.first_name',
    /first_name is required/,
    /gift_delivery_address\.first_name can't be blank/,
  ],
  [
    'secure_identification.trusted_identity_id is 24 hex characters',
    { secure_identification: { trusted_identity_id: '12345' } },
    'secure_identification.trusted_identity_id',
    /must be a Payway id/,
    /secure_identification\.trusted_identity_id is invalid/,
  ],
  [
    'client_info has a language',
    { client_info: { user_agent: 'curl/8', ip_address: '111.111.1.11' } },
    'client_info.language',
    /language is required/,
    /client_info\.language can't be blank/,
  ],
];

const withChange = (change: Record<string, unknown>) => ({ ...documentedExample, ...change }) as PaywayOrderInput;

describe('Payway create_gift_order input, before start', () => {
  it.each([
    ['the documented example', documentedExample],
    ['an order by giver_email with every optional field', fullExample],
  ])('accepts %s', (_, body) => {
    expect(paywayOrderInputSchema.safeParse(body).error?.issues).toBeUndefined();
  });

  it.each(rules)('enforces: %s', (_, change, field, ours) => {
    const issues = paywayOrderInputSchema.safeParse(withChange(change)).error?.issues ?? [];
    expect(issues.map((issue) => [issue.path.join('.'), issue.message])).toContainEqual([
      field,
      expect.stringMatching(ours),
    ]);
  });

  it('refuses a merchant_reference from the caller: giftflow derives it', () => {
    const issues =
      paywayOrderInputSchema.safeParse({ ...documentedExample, merchant_reference: 'mine' }).error?.issues ?? [];
    expect(issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'merchant_reference: merchant_reference is set by giftflow from the order reference; leave it out',
    ]);
  });
});

describe('Payway sandbox: create_gift_order', () => {
  let token: string;
  beforeAll(async () => {
    token = await sandboxToken(sandbox);
  });
  const create = (json: unknown, bearer = token) =>
    paywayCall(sandbox, PAYWAY_PATHS.createGiftOrder, { token: bearer, json });

  it.each([
    ['the documented example', documentedExample],
    ['an order by giver_email with every optional field', fullExample],
  ])(
    'answers %s with 201 and the documented fields, and lists the order with its merchant_reference',
    async (_, body) => {
      const merchantReference = `ref-${Math.random()}`;
      const { status, body: created } = await create({ ...body, merchant_reference: merchantReference });
      expect(status).toBe(201);
      expect(created).toEqual({
        id: expect.stringMatching(/^ADEPRIMO-\d+$/),
        order_id: created.id,
        payment_id: expect.stringMatching(/^[A-F0-9]{18}$/),
      });
      const { payway } = await sandbox.ledger();
      expect(
        payway.orders.filter((o: { merchant_reference: string }) => o.merchant_reference === merchantReference),
      ).toEqual([
        expect.objectContaining({
          order_id: created.order_id,
          payment_id: created.payment_id,
          product_code: 'adeprimo_digital',
        }),
      ]);
    },
  );

  it('does not deduplicate: the same merchant_reference twice makes two orders', async () => {
    const merchantReference = `twice-${Math.random()}`;
    await create({ ...documentedExample, merchant_reference: merchantReference });
    await create({ ...documentedExample, merchant_reference: merchantReference });
    const { payway } = await sandbox.ledger();
    expect(
      payway.orders.filter((o: { merchant_reference: string }) => o.merchant_reference === merchantReference),
    ).toHaveLength(2);
  });

  it.each(rules)('enforces: %s', async (_, change, field, __, theirs) => {
    const { status, body } = await create(withChange(change));
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(theirs) });
    expect(body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it.each([
    [
      'a period paid by card',
      { period_id: paywaySeed.campaigns.digital.periods.card },
      'payment_method_not_supported',
      /only the payment methods invoice and free; period .* is paid by card/,
    ],
    [
      'a campaign without gift rules',
      { product_code: 'adeprimo_print', period_id: paywaySeed.campaigns.print.periods.invoice },
      'campaign_not_sold_as_gift',
      /not configured to be sold as a gift/,
    ],
    ['an unknown product_code', { product_code: 'adeprimo_radio' }, 'product_not_found', /product_code adeprimo_radio/],
    [
      'a period of another campaign',
      { period_id: paywaySeed.campaigns.print.periods.invoice },
      'period_not_found',
      /No period .* in the campaign adeprimo_digital/,
    ],
    [
      'an unknown giver account',
      { giver_account_id: 'aaaaaaaaaaaaaaaaaaaaaaaa' },
      'account_not_found',
      /No account with id aaaa/,
    ],
  ])('refuses %s with 422', async (_, change, code, message) => {
    const { status, body } = await create(withChange(change));
    expect({ status, code: body.code }).toEqual({ status: 422, code });
    expect(body.message).toMatch(message);
  });
});

describe('Payway sandbox: tokens', () => {
  const tokenRequest = (form: Record<string, string>) =>
    paywayCall(sandbox, PAYWAY_PATHS.token, {
      form: {
        grant_type: 'client_credentials',
        client_id: 'giftflow-dev',
        client_secret: 'payway-dev-secret',
        ...form,
      },
    });

  it('issues an expiring bearer token with the requested scope', async () => {
    const { status, body } = await tokenRequest({ scope: '/external/account/w' });
    expect(status).toBe(200);
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 3600,
      scope: '/external/account/w',
    });
  });

  it.each([
    ['a wrong client secret', { client_secret: 'guess' }, 401, 'invalid_client'],
    ['another grant type', { grant_type: 'password' }, 400, 'unsupported_grant_type'],
    ['a scope the client does not have', { scope: '/external/admin/w' }, 400, 'invalid_scope'],
  ])('refuses %s', async (_, form, status, code) => {
    const answer = await tokenRequest(form);
    expect({ status: answer.status, code: answer.body.code, message: typeof answer.body.message }).toEqual({
      status,
      code,
      message: 'string',
    });
  });

  it('refuses a create without a token, with a read-only token and with an expired token', async () => {
    const missing = await paywayCall(sandbox, PAYWAY_PATHS.createGiftOrder, { json: documentedExample });
    expect(missing).toEqual({
      status: 401,
      body: { code: 'invalid_token', message: expect.stringMatching(/missing, invalid or expired/) },
    });

    const readOnly = await paywayCall(sandbox, PAYWAY_PATHS.createGiftOrder, {
      token: await sandboxToken(sandbox, '/external/account/r'),
      json: documentedExample,
    });
    expect(readOnly).toEqual({
      status: 403,
      body: { code: 'insufficient_scope', message: 'The access token does not grant the scope /external/account/w' },
    });

    const token = await sandboxToken(sandbox);
    await sandbox.advanceClock(3601 * 1000);
    const expired = await paywayCall(sandbox, PAYWAY_PATHS.createGiftOrder, { token, json: documentedExample });
    expect(expired.status).toBe(401);
  });
});
