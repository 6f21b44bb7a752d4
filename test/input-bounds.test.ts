/**
 * Bounds on the order inputs (contracts/input-text.ts and its use in the four contracts):
 * text is trimmed, NFC-normalised, free of control and invisible characters and capped;
 * lists, quantities and amounts are capped; currencies are ISO 4217; e-mail addresses may be
 * internationalised. Checked on the schemas, then once through the client.
 */
import { GiftOrderInputError } from '../client';
import {
  cpExtenderIssueInputSchema,
  cpExtenderPoolInputSchema,
  cpExtenderRedeemInputSchema,
} from '../contracts/cpextender';
import { flexyboxOrderInputSchema } from '../contracts/flexybox';
import { currency, email, ISO_4217_CURRENCIES, money, rawText, text } from '../contracts/input-text';
import { paywayOrderInputSchema } from '../contracts/payway';
import { smartGiftOrderInputSchema } from '../contracts/smartgift';
import { cpExtenderIssue } from './support/cpextender';
import { flexyboxIdsFor, flexyboxOrder } from './support/flexybox';
import { documentedExample, fullExample } from './support/payway';
import { documentedFullBody, documentedShortBody } from './support/smartgift';
import { uniqueRef, useInProcessStack } from './support/stack';

/** Field path → messages of every issue a schema finds. */
function issuesOf(
  schema: {
    safeParse(input: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  input: unknown,
) {
  const issues = schema.safeParse(input).error?.issues ?? [];
  return issues.map((issue) => [issue.path.join('.'), issue.message]);
}

describe('text(field, { max })', () => {
  const name = text('fullName', { max: 10 });

  it('trims and normalises to NFC', () => {
    // 'e' + combining acute (NFD) becomes the single code point é (NFC).
    expect(name.parse('  Rene\u0301  ')).toBe('Ren\u00e9');
    expect(name.parse('  Rene\u0301  ')).toHaveLength(4);
  });

  it.each([
    ['U+200B zero-width space', 'Karen\u200BJensen'],
    ['U+200C zero-width non-joiner', 'Karen\u200C'],
    ['U+200D zero-width joiner', 'Ka\u200Dren'],
    ['U+200E left-to-right mark', '\u200EKaren'],
    ['U+200F right-to-left mark', 'Karen\u200F'],
    ['U+2060 word joiner', 'Ka\u2060ren'],
    ['U+FEFF inside the text', 'Ka\uFEFFren'],
    ['U+202E right-to-left override (Cf)', 'Ka\u202Eren'],
    ['U+00AD soft hyphen (Cf)', 'Ka\u00ADren'],
    ['a tab (Cc)', 'Ka\tren'],
    ['a newline (Cc)', 'Ka\nren'],
    ['NUL (Cc)', 'Ka\u0000ren'],
    ['DEL (Cc)', 'Ka\u007Fren'],
    ['only a zero-width space', '\u200B'],
  ])('refuses %s, naming the field', (_, value) => {
    expect(issuesOf(name, value)).toContainEqual([
      '',
      'fullName must not contain control or invisible characters (such as zero-width spaces)',
    ]);
  });

  it('refuses empty and blank, naming the field', () => {
    expect(issuesOf(name, '')).toEqual([['', 'fullName must not be empty']]);
    expect(issuesOf(name, '   ')).toEqual([['', 'fullName must not be empty']]);
    expect(issuesOf(name, undefined)).toEqual([['', 'fullName is required']]);
    expect(issuesOf(name, 42)).toEqual([['', 'fullName must be a string']]);
  });

  it('caps the length in characters after trimming, naming the field and the cap', () => {
    expect(name.parse(` ${'a'.repeat(10)} `)).toBe('a'.repeat(10));
    expect(issuesOf(name, 'a'.repeat(11))).toEqual([['', 'fullName must be at most 10 characters']]);
    // Counted in characters, not UTF-16 units: ten emoji fit.
    expect(name.safeParse('😀'.repeat(10)).success).toBe(true);
  });

  it('keeps letters of every script, and emoji without joiners', () => {
    for (const value of ['Jørgen', 'Ærøskøbing', '用户', 'Σωκράτης', 'Zoë 🎁']) expect(name.parse(value)).toBe(value);
  });

  it('rawText keeps the value as given but still refuses invisible characters and caps it', () => {
    const optional = rawText('phoneNumber', { max: 5 }).optional();
    expect(optional.parse(' 12 ')).toBe(' 12 ');
    expect(optional.parse('')).toBe('');
    expect(optional.parse(undefined)).toBeUndefined();
    expect(issuesOf(optional, '12\u200B')).toEqual([
      ['', 'phoneNumber must not contain control or invisible characters (such as zero-width spaces)'],
    ]);
    expect(issuesOf(optional, '123456')).toEqual([['', 'phoneNumber must be at most 5 characters']]);
  });
});

describe('email(field)', () => {
  const address = email('email');

  it.each([
    'karen.jensen@example.com',
    'anna+gift@mail.example.se',
    "o'brien@example.ie",
    'jørgen@exämple.dk',
    '用户@例子.广告',
    'иван@пример.рф',
    'a@xn--80ak6aa92e.com',
    'x@xn--p1ai.xn--p1ai',
  ])('accepts %s', (value) => expect(address.safeParse(value).error?.issues).toBeUndefined());

  it.each([
    'not-an-email',
    'a@',
    '@b.c',
    'a b@example.com',
    'ab@exa mple.com',
    ' ab@example.com',
    'ab@example',
    '.ab@example.com',
    'a..b@example.com',
    'ab.@example.com',
    'a@b@example.com',
    'ab@-',
  ])('refuses %j, naming the field', (value) =>
    expect(issuesOf(address, value)).toContainEqual(['', 'email must be an e-mail address']),
  );

  it('refuses invisible characters and more than 254 characters', () => {
    expect(issuesOf(address, 'karen\u200B@example.com')).toContainEqual([
      '',
      'email must not contain control or invisible characters (such as zero-width spaces)',
    ]);
    const long = `${'a'.repeat(60)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.dk`;
    expect(long.length).toBeGreaterThan(254);
    expect(issuesOf(address, long)).toContainEqual(['', 'email must be at most 254 characters']);
  });

  it('is what the Flexybox and Smart Gift contracts use (customer and delivery)', () => {
    expect(
      flexyboxOrderInputSchema.safeParse(
        flexyboxOrder({ customer: { fullName: 'Jørgen Ærø', email: 'jørgen@exämple.dk' } }),
      ).success,
    ).toBe(true);
    const order = {
      ...documentedShortBody(),
      customer: { email: '用户@例子.广告' },
      delivery: { method: 1, email: 'jørgen@exämple.dk' },
    };
    expect(smartGiftOrderInputSchema.safeParse(order).success).toBe(true);
    expect(issuesOf(smartGiftOrderInputSchema, { ...order, delivery: { method: 1, email: 'a@' } })).toEqual([
      ['delivery.email', 'email must be an e-mail address'],
    ]);
  });
});

describe('money(field, scale)', () => {
  const twoDecimals = { decimals: 2, of: 'DKK' };
  it.each([[19.99], [250], [0.3], [1_000_000], ['12.50'], ['7']])('accepts %p', (value) => {
    expect(money('price', twoDecimals).safeParse(value).success).toBe(true);
  });
  it('gives the exact JSON number: a number as it was, a decimal string as its number', () => {
    expect(money('price', twoDecimals).parse(19.99)).toBe(19.99);
    expect(money('price', twoDecimals).parse('12.50')).toBe(12.5);
    expect(JSON.stringify(money('price', twoDecimals).parse('0.30'))).toBe('0.3');
  });
  it.each([
    [0.1 + 0.2, 'price must have at most 2 decimals (DKK has 2)'],
    [0.001, 'price must have at most 2 decimals (DKK has 2)'],
    ['0.001', 'price must have at most 2 decimals (DKK has 2)'],
    [1e-7, 'price must have at most 2 decimals (DKK has 2)'],
    [0, 'price must be greater than 0'],
    ['0.00', 'price must be greater than 0'],
    [-5, 'price must be greater than 0'],
    ['1e3', 'price must be a decimal such as "12.50" (digits and one point, no sign, spaces or exponent)'],
    [' 10', 'price must be a decimal such as "12.50" (digits and one point, no sign, spaces or exponent)'],
    [true, 'price must be a number (or a decimal string such as "12.50")'],
  ])('refuses %p, naming the field', (value, message) => {
    expect(issuesOf(money('price', twoDecimals), value)).toEqual([['', message]]);
  });
});

describe('currency(field)', () => {
  it.each(['DKK', 'SEK', 'EUR', 'GBP', 'USD', 'NOK', 'JPY'])('accepts %s', (code) =>
    expect(currency('currency').safeParse(code).success).toBe(true),
  );

  it.each(['ZZZ', 'dkk', 'DK', 'EURO', 'XXX', 'XTS', 'XAU', 'HRK', ''])('refuses %j, naming the field', (code) => {
    expect(issuesOf(currency('currency'), code)).toEqual([
      ['', 'currency must be an active ISO 4217 currency code such as DKK'],
    ]);
  });

  it('lists only three-capital-letter codes', () => {
    for (const code of ISO_4217_CURRENCIES) expect(code).toMatch(/^[A-Z]{3}$/);
  });
});

describe('Flexybox order input bounds', () => {
  const parse = (input: unknown) => issuesOf(flexyboxOrderInputSchema, input);

  it('parses an order valid before the bounds exactly as before', () => {
    const input = {
      ...flexyboxOrder(),
      customer: {
        fullName: ' Karen Jensen ',
        email: 'karen.jensen@example.com',
        phoneNumber: ' +45 12 34 56 78 ',
        postalCode: '8000',
      },
    };
    expect(flexyboxOrderInputSchema.parse(input)).toEqual({
      customer: {
        fullName: 'Karen Jensen',
        email: 'karen.jensen@example.com',
        phoneNumber: ' +45 12 34 56 78 ',
        postalCode: '8000',
        countryCode: 'DK',
      },
      departmentId: input.departmentId,
      certificates: [{ type: 'Gavekort', quantity: 2, price: 250 }],
      currency: 'DKK',
      debitMethod: 'OnlinePayment',
      paymentType: 'Mastercard',
    });
  });

  it.each([
    [
      'a zero-width space in fullName',
      { customer: { fullName: 'Karen\u200BJensen', email: 'k@example.com' } },
      'customer.fullName',
      'fullName must not contain control or invisible characters (such as zero-width spaces)',
    ],
    [
      'a fullName over 200 characters',
      { customer: { fullName: 'K'.repeat(201), email: 'k@example.com' } },
      'customer.fullName',
      'fullName must be at most 200 characters',
    ],
    [
      'a departmentId over 100 characters',
      { departmentId: 'd'.repeat(101) },
      'departmentId',
      'departmentId must be at most 100 characters',
    ],
    [
      'a type over 200 characters',
      { certificates: [{ type: 'G'.repeat(201), price: 1 }] },
      'certificates.0.type',
      'type (a gift-certificate type ID or name) must be at most 200 characters',
    ],
    [
      'a quantity of 1e15',
      { certificates: [{ type: 'Gavekort', quantity: 1e15, price: 1 }] },
      'certificates.0.quantity',
      'quantity must be at most 1000 (split larger orders)',
    ],
    [
      'a price of 1e300',
      { certificates: [{ type: 'Gavekort', price: 1e300 }] },
      'certificates.0.price',
      'price must be at most 1000000',
    ],
    [
      'a price of Infinity',
      { certificates: [{ type: 'Gavekort', price: Infinity }] },
      'certificates.0.price',
      expect.any(String),
    ],
    [
      '101 certificate lines',
      { certificates: Array.from({ length: 101 }, () => ({ type: 'Gavekort', price: 1 })) },
      'certificates',
      'certificates must hold at most 100 lines',
    ],
    ['currency ZZZ', { currency: 'ZZZ' }, 'currency', 'currency must be an active ISO 4217 currency code such as DKK'],
    [
      'a control character in paymentType',
      { paymentType: 'Master\ncard' },
      'paymentType',
      'paymentType must not contain control or invisible characters (such as zero-width spaces)',
    ],
    ['an empty debitMethod', { debitMethod: '' }, 'debitMethod', 'debitMethod must not be empty'],
    [
      'a phoneNumber over 50 characters',
      { customer: { fullName: 'K', email: 'k@example.com', phoneNumber: '1'.repeat(51) } },
      'customer.phoneNumber',
      'phoneNumber must be at most 50 characters',
    ],
  ])('refuses %s, naming the field', (_, change, field, message) => {
    expect(parse({ ...flexyboxOrder(), ...change })).toContainEqual([field, message]);
  });

  it('accepts the caps themselves', () => {
    const input = flexyboxOrder({
      customer: { fullName: 'K'.repeat(200), email: 'k@example.com' },
      certificates: Array.from({ length: 100 }, () => ({ type: 'Gavekort', quantity: 1000, price: 1_000_000 })),
      currency: 'EUR',
    });
    expect(parse(input)).toEqual([]);
  });
});

describe('CP Extender input bounds', () => {
  it.each([
    [
      'a giftCardValue of 1e300',
      cpExtenderIssue({ giftCardValue: 1e300 }),
      'giftCardValue',
      'giftCardValue must be at most 1000000',
    ],
    [
      'pointsToRedeem of 1e15',
      cpExtenderIssue({ pointsToRedeem: 1e15 }),
      'pointsToRedeem',
      'pointsToRedeem must be at most 100000000',
    ],
    [
      'a zero-width space in giftCardCode',
      cpExtenderIssue({ giftCardCode: 'G\u200BC' }),
      'giftCardCode',
      'giftCardCode must not contain control or invisible characters (such as zero-width spaces)',
    ],
    [
      'a customerNumber over 100 characters',
      cpExtenderIssue({ customerNumber: '2'.repeat(101) }),
      'customerNumber',
      'customerNumber must be at most 100 characters',
    ],
    [
      'an agency over 200 characters',
      cpExtenderIssue({ agency: 'W'.repeat(201) }),
      'agency',
      'agency must be at most 200 characters',
    ],
  ])('issue: refuses %s, naming the field', (_, input, field, message) => {
    expect(issuesOf(cpExtenderIssueInputSchema, input)).toContainEqual([field, message]);
  });

  it('redeem and pool: refuse unbounded amounts and invisible characters', () => {
    expect(issuesOf(cpExtenderRedeemInputSchema, { giftCardId: 'WEB-1', amount: 1e300 })).toContainEqual([
      'amount',
      'amount must be at most 1000000',
    ]);
    expect(issuesOf(cpExtenderRedeemInputSchema, { giftCardId: 'WEB-1', points: 1e15 })).toContainEqual([
      'points',
      'points must be at most 100000000',
    ]);
    expect(issuesOf(cpExtenderRedeemInputSchema, { giftCardId: 'WEB\uFEFF-1', amount: 5 })).toContainEqual([
      'giftCardId',
      'giftCardId must not contain control or invisible characters (such as zero-width spaces)',
    ]);
    expect(issuesOf(cpExtenderPoolInputSchema, { count: 5, agency: 'Web\u2060site' })).toContainEqual([
      'agency',
      'agency must not contain control or invisible characters (such as zero-width spaces)',
    ]);
  });

  it('parses an input valid before the bounds exactly as before', () => {
    expect(cpExtenderIssueInputSchema.parse(cpExtenderIssue({ agency: ' Website ' }))).toEqual(
      cpExtenderIssue({ agency: 'Website' }),
    );
  });
});

describe('Payway input bounds', () => {
  it('parses the documented and full examples exactly as before', () => {
    expect(paywayOrderInputSchema.parse(documentedExample)).toEqual(documentedExample);
    expect(paywayOrderInputSchema.parse(fullExample)).toEqual(fullExample);
  });

  const address = documentedExample.gift_delivery_address;
  it.each([
    [
      'a zero-width space in first_name',
      { gift_delivery_address: { ...address, first_name: 'Jo\u200Bhn' } },
      'gift_delivery_address.first_name',
      'gift_delivery_address.first_name must not contain control or invisible characters (such as zero-width spaces)',
    ],
    [
      'a city over 200 characters',
      { gift_delivery_address: { ...address, city: 'c'.repeat(201) } },
      'gift_delivery_address.city',
      'gift_delivery_address.city must be at most 200 characters',
    ],
    [
      'a zip_code over 20 characters',
      { gift_delivery_address: { ...address, zip_code: '6'.repeat(21) } },
      'gift_delivery_address.zip_code',
      'gift_delivery_address.zip_code must be at most 20 characters',
    ],
    [
      'a product_code over 100 characters',
      { product_code: 'p'.repeat(101) },
      'product_code',
      'product_code must be at most 100 characters',
    ],
    [
      'a traffic_source over 200 characters',
      { traffic_source: 't'.repeat(201) },
      'traffic_source',
      'traffic_source must be at most 200 characters',
    ],
    [
      'a language over 35 characters',
      { client_info: { ...fullExample.client_info, language: 'l'.repeat(36) } },
      'client_info.language',
      'client_info.language must be at most 35 characters',
    ],
    [
      'an ip_address over 45 characters',
      { client_info: { ...fullExample.client_info, ip_address: '1'.repeat(46) } },
      'client_info.ip_address',
      'client_info.ip_address must be at most 45 characters',
    ],
    [
      'a giver_email over the documented 1024',
      { giver_email: `${'a'.repeat(1020)}@ex.se` },
      'giver_email',
      'giver_email must be at most 1024 characters',
    ],
    [
      'a zero-width space in giver_email',
      { giver_email: 'anna\u200B@example.se' },
      'giver_email',
      'giver_email must not contain control or invisible characters (such as zero-width spaces)',
    ],
  ])('refuses %s, naming the field', (_, change, field, message) => {
    expect(issuesOf(paywayOrderInputSchema, { ...documentedExample, ...change })).toContainEqual([field, message]);
  });
});

describe('Smart Gift input bounds', () => {
  it('parses the documented examples exactly as before', () => {
    expect(smartGiftOrderInputSchema.parse(documentedFullBody())).toEqual(documentedFullBody());
    expect(smartGiftOrderInputSchema.parse(documentedShortBody())).toEqual(documentedShortBody());
  });

  const withItem = (item: Record<string, unknown>) => ({
    ...documentedShortBody(),
    items: [{ id: 1, price: 100, ...item }],
  });
  it.each([
    ['a price of 1e300', withItem({ price: 1e300 }), 'items.0.price', 'price must be at most 1000000'],
    [
      'persons of 1e15',
      withItem({ price: undefined, persons: 1e15 }),
      'items.0.persons',
      'persons must be at most 1000',
    ],
    [
      'a message over 500 characters',
      withItem({ message: 'm'.repeat(501) }),
      'items.0.message',
      'message must be at most 500 characters',
    ],
    [
      'a zero-width space in to',
      withItem({ to: 'Anna\u200B' }),
      'items.0.to',
      'to must not contain control or invisible characters (such as zero-width spaces)',
    ],
    [
      'a from over 200 characters',
      withItem({ from: 'f'.repeat(201) }),
      'items.0.from',
      'from must be at most 200 characters',
    ],
    [
      'a code over 100 characters',
      withItem({ code: 'C'.repeat(101) }),
      'items.0.code',
      'code must be at most 100 characters',
    ],
    [
      '101 items',
      { ...documentedShortBody(), items: Array.from({ length: 101 }, () => ({ id: 1, price: 5 })) },
      'items',
      'items must hold at most 100 vouchers',
    ],
    [
      'a zero-width space in order_id',
      { ...documentedShortBody(), order_id: 'ord\u200B1' },
      'order_id',
      'order_id must not contain control or invisible characters (such as zero-width spaces)',
    ],
    [
      'an order_id over 64 characters',
      { ...documentedShortBody(), order_id: 'o'.repeat(65) },
      'order_id',
      'order_id must be at most 64 characters',
    ],
    [
      'a postcode over 20 characters',
      { ...documentedShortBody(), delivery: { method: 2, address1: 'Bank Chambers', postcode: 'N'.repeat(21) } },
      'delivery.postcode',
      'postcode must be at most 20 characters',
    ],
  ])('refuses %s, naming the field', (_, input, field, message) => {
    expect(issuesOf(smartGiftOrderInputSchema, input)).toContainEqual([field, message]);
  });

  it('accepts a gift message of several lines, and still refuses other control characters in it', () => {
    expect(
      issuesOf(smartGiftOrderInputSchema, withItem({ message: 'Dear Anna,\r\nhappy birthday!\nLove, Karen' })),
    ).toEqual([]);
    expect(issuesOf(smartGiftOrderInputSchema, withItem({ message: 'Dear Anna,\u0007' }))).toContainEqual([
      'items.0.message',
      'message must not contain control or invisible characters (such as zero-width spaces); line breaks are allowed',
    ]);
  });

  it('accepts 100 items', () => {
    expect(
      issuesOf(smartGiftOrderInputSchema, {
        ...documentedShortBody(),
        items: Array.from({ length: 100 }, () => ({ id: 1, price: 5 })),
      }),
    ).toEqual([]);
  });
});

describe('through the client', () => {
  const env = useInProcessStack();

  it('refuses a zero-width name and a ZZZ currency with field-named messages, and starts nothing', async () => {
    const orderRef = uniqueRef('bounds');
    const input = flexyboxOrder({
      customer: { fullName: 'Karen\u200BJensen', email: 'karen.jensen@example.com' },
      currency: 'ZZZ',
    });
    const error = (await env.stack.giftflow
      .startGiftOrder({ provider: 'flexybox', orderRef, input })
      .catch((e: unknown) => e)) as GiftOrderInputError;
    expect(error).toBeInstanceOf(GiftOrderInputError);
    expect(error.issues).toEqual([
      {
        field: 'input.customer.fullName',
        message: 'fullName must not contain control or invisible characters (such as zero-width spaces)',
      },
      { field: 'input.currency', message: 'currency must be an active ISO 4217 currency code such as DKK' },
    ]);
    expect(error.message).toContain(
      'input.customer.fullName: fullName must not contain control or invisible characters',
    );
    expect(error.message).toContain('input.currency: currency must be an active ISO 4217 currency code such as DKK');
    await expect(env.stack.temporal.workflow.getHandle(flexyboxIdsFor(orderRef).workflowId).describe()).rejects.toThrow(
      /not found/i,
    );
  });
});
