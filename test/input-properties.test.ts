/**
 * Property-based tests (fast-check) over the input schemas of the four providers and the CP
 * Extender redemption:
 * - every generated valid input maps to the same provider request on every run: the request
 *   built from the caller's input and the one built from that input after a trip through JSON
 *   (what history gives a replay, a retry or another worker) are the same bytes, and every
 *   amount in them is exact at the provider's decimals;
 * - every generated invalid input (a valid one with one field broken) is refused by the client
 *   before any workflow starts, with a GiftOrderInputError naming that field.
 */
import { Client, Connection } from '@temporalio/client';
import fc from 'fast-check';
import { GiftflowClient, GiftOrderInputError } from '../client';
import { CpExtenderClient } from '../client/cpextender';
import { redemptionWorkflowId, type CpExtenderIssueInput, type CpExtenderRedeemInput } from '../contracts/cpextender';
import { flexyboxOrderInputSchema, type FlexyboxOrderInput } from '../contracts/flexybox';
import { currencyScale, formatMinorUnits, fromMinorUnits, PROVIDER_SCALES, type AmountScale } from '../contracts/money';
import type { PaywayOrderInput } from '../contracts/payway';
import { orderWorkflowId } from '../contracts/shared';
import type { SmartGiftOrderInput } from '../contracts/smartgift';
import { requests, requestsInAnotherProcess, type RequestKind } from './support/provider-requests';
import { temporalAddress, uniqueRef } from './support/stack';

const RUNS = 200;

// ---- Generators of valid inputs --------------------------------------------------------

/** Names: letters of several scripts, in NFC or NFD, sometimes with spaces around (trimmed by the schema). */
const name = fc
  .tuple(
    fc.stringMatching(/^[A-Za-zÆØÅæøåÄÖäöÉé][A-Za-z æøåéöü'-]{0,30}[A-Za-zæøå]$/),
    fc.constantFrom('', ' ', '  '),
    fc.boolean(),
  )
  .map(([value, pad, nfd]) => `${pad}${nfd ? value.normalize('NFD') : value}${pad}`);
const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,20}$/);
const email = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9]([a-z0-9_+-]{0,12}[a-z0-9])?$/),
    fc.constantFrom('', 'ø', 'ü'),
    fc.stringMatching(/^[a-z0-9]{1,12}$/),
    fc.constantFrom('dk', 'com', 'se', 'co.uk'),
  )
  .map(([local, accent, domain, tld]) => `${local}${accent}@${domain}.${tld}`);
const asciiEmail = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9]([a-z0-9_+-]{0,12}[a-z0-9])?$/),
    fc.stringMatching(/^[a-z0-9]{1,12}$/),
    fc.constantFrom('dk', 'com', 'se'),
  )
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);
const hex24 = fc.stringMatching(/^[a-f0-9]{24}$/);

/** An amount at `scale`, as a JSON number or a decimal string (with trailing zeros), from 1 minor unit to the cap. */
const amount = (scale: AmountScale) =>
  fc
    .tuple(fc.integer({ min: 1, max: 1_000_000 * 10 ** scale.decimals }), fc.boolean())
    .map(([minor, asString]) =>
      asString ? formatMinorUnits(minor, scale.decimals) : fromMinorUnits(minor, scale.decimals),
    );

const flexyboxInput: fc.Arbitrary<FlexyboxOrderInput> = fc
  .constantFrom(undefined, 'DKK', 'EUR', 'JPY', 'KWD', 'NOK')
  .chain((currency) =>
    fc.record(
      {
        customer: fc.record(
          {
            fullName: name,
            email,
            phoneNumber: fc.stringMatching(/^\+?[0-9 ]{4,20}$/),
            postalCode: fc.stringMatching(/^[0-9]{4}$/),
          },
          { requiredKeys: ['fullName', 'email'] },
        ),
        departmentId: id,
        certificates: fc.array(
          fc.record(
            {
              type: name,
              quantity: fc.integer({ min: 1, max: 1000 }),
              price: amount(currencyScale(currency ?? 'DKK')),
            },
            { requiredKeys: ['type', 'price'] },
          ),
          { minLength: 1, maxLength: 5 },
        ),
        currency: fc.constant(currency),
        paymentType: fc.constantFrom('Mastercard', 'Visa'),
      },
      { requiredKeys: ['customer', 'departmentId', 'certificates', 'currency'] },
    ),
  )
  .map((input) => JSON.parse(JSON.stringify(input)) as FlexyboxOrderInput);

const cpExtenderIssueInput: fc.Arbitrary<CpExtenderIssueInput> = fc.record(
  {
    customerNumber: id,
    giftCardCode: fc.constantFrom('GC', 'GC50'),
    giftCardValue: amount(PROVIDER_SCALES.cpextender),
    saleId: id,
    agency: name,
    requestName: id,
    giftCardId: id,
  },
  { requiredKeys: ['customerNumber', 'giftCardCode', 'giftCardValue', 'agency'] },
);

const cpExtenderRedeemInput: fc.Arbitrary<CpExtenderRedeemInput> = fc.oneof(
  fc.record(
    { giftCardId: id, amount: amount(PROVIDER_SCALES.cpextender), saleId: id, autoConfirm: fc.boolean() },
    { requiredKeys: ['giftCardId', 'amount'] },
  ),
  fc.record(
    {
      giftCardId: id,
      points: fc.integer({ min: 1, max: 100_000_000 }),
      holdTimeoutSeconds: fc.integer({ min: 1, max: 3600 }),
    },
    { requiredKeys: ['giftCardId', 'points'] },
  ),
);

const smartGiftInput: fc.Arbitrary<SmartGiftOrderInput> = fc.record({
  items: fc.uniqueArray(
    fc.record(
      {
        id: fc.integer({ min: 1, max: 50 }),
        price: amount(PROVIDER_SCALES.smartgift),
        to: name,
        message: fc.constantFrom('Happy birthday!', 'God jul\nog godt nytår'),
        code: fc.stringMatching(/^[A-Z0-9]{6,12}$/),
      },
      { requiredKeys: ['id', 'price'] },
    ),
    { minLength: 1, maxLength: 5, selector: (item) => item.code?.toUpperCase() ?? Symbol() },
  ),
  customer: fc.record({ email, first_name: name }, { requiredKeys: ['email'] }),
  delivery: fc.oneof(
    fc.record({ method: fc.constant(1 as const), email }),
    fc.record({
      method: fc.constant(2 as const),
      address1: name,
      postcode: fc.stringMatching(/^[A-Z0-9]{2,4} [A-Z0-9]{3}$/),
    }),
  ),
  payment_method: fc.integer({ min: 1, max: 5 }),
});

const paywayInput: fc.Arbitrary<PaywayOrderInput> = fc.record(
  {
    giver_email: asciiEmail,
    product_code: id,
    period_id: hex24,
    gift_delivery_address: fc.record({
      first_name: name,
      last_name: name,
      street: name,
      city: name,
      zip_code: fc.stringMatching(/^[0-9]{5}$/),
      country_code: fc.constantFrom('SE', 'DK'),
    }),
    traffic_source: id,
  },
  { requiredKeys: ['giver_email', 'product_code', 'period_id', 'gift_delivery_address'] },
);

// ---- The provider requests each valid input maps to: test/support/provider-requests.ts ----

/** Every JSON number in `text` under one of `fields`, as written. */
function amountsIn(text: string, fields: string[]): string[] {
  return fields.flatMap((field) =>
    [...text.matchAll(new RegExp(`"${field}":(-?[0-9.eE+-]+)`, 'g'))].map((match) => match[1]),
  );
}

const exactAt = (scale: AmountScale) => new RegExp(`^[0-9]+(\\.[0-9]{1,${Math.max(scale.decimals, 1)}})?$`);

describe('every valid input maps to the same provider request on every run', () => {
  const cases = [
    ['Flexybox', flexyboxInput, requests.flexybox, ['Price', 'Amount']],
    ['CP Extender gift card', cpExtenderIssueInput, requests.cpExtenderIssue, ['GiftCardValue']],
    ['CP Extender redemption', cpExtenderRedeemInput, requests.cpExtenderRedeem, ['RequestedAmount']],
    ['Smart Gift', smartGiftInput, requests.smartGift, ['price']],
    ['Payway', paywayInput, requests.payway, []],
  ] as const;

  it.each(cases)('%s', (_, arbitrary, build, amountFields) => {
    fc.assert(
      fc.property(arbitrary as fc.Arbitrary<unknown>, (input) => {
        const first = JSON.stringify(build(input));
        // A second run: the input as history hands it to a replay, a retry or another worker.
        const second = JSON.stringify(build(JSON.parse(JSON.stringify(input))));
        expect(second).toBe(first);
        expect(JSON.stringify(build(input))).toBe(first);
        // Every amount is written exactly: no binary-float tails such as 0.30000000000000004.
        for (const written of amountsIn(first, [...amountFields]))
          expect(written).toMatch(exactAt({ decimals: 3, of: '' }));
      }),
      { numRuns: RUNS },
    );
  });

  it('builds the same bytes in another process (its own start-up state), from the input as history gives it', async () => {
    const kinds: [RequestKind, fc.Arbitrary<unknown>][] = [
      ['flexybox', flexyboxInput],
      ['cpExtenderIssue', cpExtenderIssueInput],
      ['cpExtenderRedeem', cpExtenderRedeemInput],
      ['smartGift', smartGiftInput],
      ['payway', paywayInput],
    ];
    const inputs = kinds.flatMap(([kind, arbitrary]) =>
      fc.sample(arbitrary, { numRuns: 100, seed: 2026 }).map((input): [RequestKind, unknown] => [kind, input]),
    );
    const here = inputs.map(([kind, input]) => JSON.stringify(requests[kind](input)));
    expect(
      await requestsInAnotherProcess(inputs.map(([kind, input]) => [kind, JSON.parse(JSON.stringify(input))])),
    ).toEqual(here);
  });

  it('writes each amount exactly as the caller gave it, at the currency decimals (JPY 0, DKK 2, KWD 3)', () => {
    fc.assert(
      fc.property(flexyboxInput, (input) => {
        const order = flexyboxOrderInputSchema.parse(input);
        const scale = currencyScale(order.currency);
        const [, salesOrder] = requests.flexybox(input);
        const prices = amountsIn(JSON.stringify(salesOrder), ['Price']);
        expect(prices.map(Number)).toEqual(input.certificates.map((line) => Number(line.price)));
        for (const price of prices) expect(price).toMatch(scale.decimals === 0 ? /^[0-9]+$/ : exactAt(scale));
      }),
      { numRuns: RUNS },
    );
  });
});

// ---- Invalid inputs: refused by the client before any workflow starts -------------------

type Break = { path: string; apply: (input: Record<string, any>) => void };

/** One field broken per case; `path` is the field the refusal must name (after `input.`). */
const BREAKS: Record<'flexybox' | 'cpextender' | 'smartgift' | 'payway' | 'redeem', Break[]> = {
  flexybox: [
    { path: 'customer.fullName', apply: (input) => (input.customer.fullName = 'Karen\u200BJensen') },
    { path: 'customer.email', apply: (input) => (input.customer.email = 'karen.example.com') },
    { path: 'certificates.0.price', apply: (input) => ((input.currency = 'JPY'), (input.certificates[0].price = 1.5)) },
    { path: 'certificates.0.price', apply: (input) => (input.certificates[0].price = 0.1 + 0.2) },
    { path: 'certificates.0.quantity', apply: (input) => (input.certificates[0].quantity = 0) },
    { path: 'currency', apply: (input) => (input.currency = 'ZZZ') },
    { path: 'departmentId', apply: (input) => (input.departmentId = ' ') },
  ],
  cpextender: [
    { path: 'giftCardValue', apply: (input) => (input.giftCardValue = '12.345') },
    { path: 'customerNumber', apply: (input) => (input.customerNumber = '') },
    { path: 'agency', apply: (input) => (input.agency = 'A'.repeat(201)) },
  ],
  redeem: [
    {
      path: 'amount',
      apply: (input) => ((delete input.points, delete input.holdTimeoutSeconds), (input.amount = 0.001)),
    },
    { path: 'giftCardId', apply: (input) => (input.giftCardId = '\u200B') },
  ],
  smartgift: [
    { path: 'items.0.price', apply: (input) => (input.items[0].price = 1.234) },
    { path: 'customer.email', apply: (input) => (input.customer.email = 'x') },
    { path: 'items.0.code', apply: (input) => (input.items[0].code = 'AB-12') },
  ],
  payway: [
    { path: 'period_id', apply: (input) => (input.period_id = 'not-a-payway-id') },
    { path: 'gift_delivery_address.city', apply: (input) => (input.gift_delivery_address.city = '') },
    { path: 'product_code', apply: (input) => (input.product_code = 'code\u0000') },
  ],
};

describe('every invalid input is refused before any workflow starts, naming the field', () => {
  let temporal: Client;
  let giftflow: GiftflowClient;
  beforeAll(async () => {
    temporal = new Client({ connection: await Connection.connect({ address: temporalAddress() }) });
    giftflow = new GiftflowClient(temporal);
  });
  afterAll(() => temporal?.connection.close());

  const broken = <T>(arbitrary: fc.Arbitrary<T>, breaks: Break[]) =>
    fc.tuple(arbitrary, fc.constantFrom(...breaks)).map(([input, which]) => {
      const copy = JSON.parse(JSON.stringify(input)) as Record<string, any>;
      which.apply(copy);
      return { input: copy, field: `input.${which.path}` };
    });

  const refusedBeforeStart = async (start: () => Promise<unknown>, workflowId: string, field: string) => {
    const error = await start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GiftOrderInputError);
    expect((error as GiftOrderInputError).issues.map((issue) => issue.field)).toContain(field);
    expect((error as Error).message).toContain(`${field}: `);
    await expect(temporal.workflow.getHandle(workflowId).describe()).rejects.toThrow(/not found/i);
  };

  const orders = [
    ['flexybox', flexyboxInput, BREAKS.flexybox],
    ['cpextender', cpExtenderIssueInput, BREAKS.cpextender],
    ['smartgift', smartGiftInput, BREAKS.smartgift],
    ['payway', paywayInput, BREAKS.payway],
  ] as const;

  it.each(orders)('%s', async (provider, arbitrary, breaks) => {
    await fc.assert(
      fc.asyncProperty(broken(arbitrary as fc.Arbitrary<unknown>, breaks), async ({ input, field }) => {
        const orderRef = uniqueRef(`invalid-${provider}`);
        await refusedBeforeStart(
          () => giftflow.startGiftOrder({ provider, orderRef, input: input as never }),
          orderWorkflowId(provider, orderRef),
          field,
        );
      }),
      { numRuns: 25 },
    );
  });

  it('cpextender redemption', async () => {
    const cpextender = new CpExtenderClient(giftflow);
    await fc.assert(
      fc.asyncProperty(broken(cpExtenderRedeemInput, BREAKS.redeem), async ({ input, field }) => {
        const redemptionRef = uniqueRef('invalid-redeem');
        await refusedBeforeStart(
          () => cpextender.redeem({ redemptionRef, input: input as never }),
          redemptionWorkflowId(redemptionRef),
          field,
        );
      }),
      { numRuns: 25 },
    );
  });
});
