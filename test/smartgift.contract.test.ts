import { smartGiftOrderInputSchema } from '../contracts/smartgift';
import { documentedFullBody, documentedShortBody } from './support/smartgift';

/** Field path → message of every issue the pre-start validation finds. */
function issuesOf(input: unknown): Record<string, string> {
  const parsed = smartGiftOrderInputSchema.safeParse(input);
  if (parsed.success) return {};
  return Object.fromEntries(parsed.error.issues.map((issue) => [issue.path.join('.'), issue.message]));
}

function body(change: (b: any) => void): any {
  const copy = structuredClone(documentedShortBody()) as any;
  change(copy);
  return copy;
}

describe('Smart Gift order input (validated before start)', () => {
  it.each([
    ['the full documented example', documentedFullBody()],
    ['the shortened documented example', documentedShortBody()],
    [
      'an offline delivery on a date',
      body((b) => (b.delivery = { method: 2, address1: 'Bank Chambers', postcode: 'NP11 4EY', date: '2030-12-24' })),
    ],
    ['an experience voucher without price', body((b) => (b.items = [{ id: 3, persons: 2 }]))],
  ])('accepts %s', (_, input) => {
    expect(issuesOf(input)).toEqual({});
  });

  it.each([
    ['no items', (b: any) => delete b.items, 'items', 'items must be a list of vouchers'],
    ['an empty item list', (b: any) => (b.items = []), 'items', 'items must hold at least one voucher'],
    ['an item without id', (b: any) => delete b.items[0].id, 'items.0.id', 'id is required (a Smart Gift voucher ID)'],
    ['a negative price', (b: any) => (b.items[0].price = -5), 'items.0.price', 'price must be greater than 0'],
    ['a price of 0', (b: any) => (b.items[0].price = 0), 'items.0.price', 'price must be greater than 0'],
    ['persons of 0', (b: any) => (b.items[0].persons = 0), 'items.0.persons', 'persons must be at least 1'],
    ['fractional persons', (b: any) => (b.items[0].persons = 1.5), 'items.0.persons', 'persons must be a whole number'],
    [
      'a non-alphanumeric code',
      (b: any) => (b.items[0].code = 'GIFT-01'),
      'items.0.code',
      'code must contain only letters and digits',
    ],
    [
      'a code twice in one order',
      (b: any) =>
        (b.items = [
          { id: 1, price: 5, code: 'TWIN1' },
          { id: 1, price: 5, code: 'twin1' },
        ]),
      'items.1.code',
      'code twin1 is already used by items.0; codes must be unique',
    ],
    ['an unknown item field', (b: any) => (b.items[0].colour = 'red'), 'items.0', 'Unrecognized key: "colour"'],
    ['no customer email', (b: any) => (b.customer = {}), 'customer.email', 'email must be an e-mail address'],
    [
      'an invalid customer email',
      (b: any) => (b.customer.email = 'john'),
      'customer.email',
      'email must be an e-mail address',
    ],
    [
      'an unknown delivery method',
      (b: any) => (b.delivery.method = 3),
      'delivery.method',
      'method must be 1 (online) or 2 (offline)',
    ],
    [
      'online delivery without email',
      (b: any) => delete b.delivery.email,
      'delivery.email',
      'email is required for online delivery (method 1)',
    ],
    [
      'online delivery to an invalid email',
      (b: any) => (b.delivery.email = 'anna'),
      'delivery.email',
      'email must be an e-mail address',
    ],
    [
      'offline delivery without address1',
      (b: any) => (b.delivery = { method: 2, postcode: 'NP11 4EY' }),
      'delivery.address1',
      'address1 is required for offline delivery (method 2)',
    ],
    [
      'offline delivery without postcode',
      (b: any) => (b.delivery = { method: 2, address1: 'Bank Chambers' }),
      'delivery.postcode',
      'postcode is required for offline delivery (method 2)',
    ],
    [
      'an unreadable delivery date',
      (b: any) => (b.delivery.date = 'next tuesday'),
      'delivery.date',
      'date must be a date YYYY-MM-DD (omit it to deliver now)',
    ],
    [
      'no payment method',
      (b: any) => delete b.payment_method,
      'payment_method',
      'payment_method is required (a Smart Gift payment method ID)',
    ],
    [
      'a fractional payment method',
      (b: any) => (b.payment_method = 1.5),
      'payment_method',
      'payment_method must be a whole number',
    ],
    ['an empty order_id', (b: any) => (b.order_id = ' '), 'order_id', 'order_id must not be empty'],
  ])('refuses %s, naming the field', (_, change, field, message) => {
    expect(issuesOf(body(change))).toMatchObject({ [field]: message });
  });
});
