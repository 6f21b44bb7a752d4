import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { sendJson, type Reply } from './support/http';
import { createSandboxServer } from '../sandbox/server';
import { smartGiftSeed } from '../sandbox/smartgift';
import { documentedFullBody, documentedShortBody } from './support/smartgift';

const KEY = 'sk_sandbox_test';
const { giftVoucher, afternoonTea, spaDay, staffVoucher, christmas2019 } = smartGiftSeed.vouchers;

let app: FastifyInstance;
let baseUrl: string;

async function listen(rateLimit: { limit: number; windowMs: number }): Promise<{ app: FastifyInstance; url: string }> {
  const server = createSandboxServer({ tokens: { smartgift: KEY }, smartgiftRateLimit: rateLimit });
  await server.listen({ port: 0, host: '127.0.0.1' });
  return { app: server, url: `http://127.0.0.1:${(server.server.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  ({ app, url: baseUrl } = await listen({ limit: 10_000, windowMs: 60_000 }));
});
beforeEach(() => call('POST', '/__sandbox/reset'));
afterAll(() => app.close());

function call(
  method: Dispatcher.HttpMethod,
  path: string,
  body?: unknown,
  key: string | null = KEY,
  url = baseUrl,
): Promise<Reply> {
  return sendJson(`${url}${path}`, method, body, {
    accept: 'application/json',
    ...(key !== null && { 'smart-auth': key }),
  });
}

const posSale = (body: unknown) => call('POST', '/smartgift/pos-sale', body);
const ledger = async () => (await call('GET', '/__sandbox/ledger')).body.smartgift;

/** The short documented body with `change` applied to a copy. */
function body(change: (b: any) => void = () => undefined): any {
  const copy = structuredClone(documentedShortBody()) as any;
  change(copy);
  return copy;
}

describe('Smart Gift sandbox', () => {
  it('accepts the full documented example and answers as documented', async () => {
    const reply = await posSale(documentedFullBody());
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      message: 'Order processed successfully!',
      order_reference: '123',
      voucher_codes: ['EXAMPLECODE1', 'EXAMPLECODE2'],
    });
    const { orders, vouchers } = await ledger();
    expect(orders).toEqual([
      expect.objectContaining({
        orderReference: '123',
        orderId: '123',
        total: 200,
        confirmationEmailSent: true,
        delivery: { method: 'online', status: 'sent', date: null },
      }),
    ]);
    expect(vouchers.map((v: { code: string; orderReference: string }) => [v.code, v.orderReference])).toEqual([
      ['EXAMPLECODE1', '123'],
      ['EXAMPLECODE2', '123'],
    ]);
  });

  it('accepts the shortened documented example and generates the reference and code', async () => {
    const reply = await posSale(documentedShortBody());
    expect(reply.status).toBe(200);
    expect(reply.body.order_reference).toMatch(/^\S+$/);
    expect(reply.body.voucher_codes).toEqual([expect.stringMatching(/^[A-Z0-9]+$/)]);
    expect((await ledger()).vouchers).toEqual([
      expect.objectContaining({ voucherId: giftVoucher.id, value: 100, persons: 1 }),
    ]);
  });

  it('rewrites an order_id that an earlier order used', async () => {
    const first = await posSale(body((b) => (b.order_id = 'shop-42')));
    const second = await posSale(body((b) => (b.order_id = 'shop-42')));
    expect([first.body.order_reference, second.body.order_reference]).toEqual(['shop-42', 'shop-42-2']);
    expect((await ledger()).orders.map((o: { orderId: string }) => o.orderId)).toEqual(['shop-42', 'shop-42']);
  });

  it('prices an experience voucher from the number of persons and ignores a given price', async () => {
    const reply = await posSale(
      body(
        (b) =>
          (b.items = [
            { id: spaDay.id, persons: 3, price: 1 },
            { id: afternoonTea.id, persons: 2 },
          ]),
      ),
    );
    expect(reply.status).toBe(200);
    const { vouchers, orders } = await ledger();
    expect(vouchers.map((v: { value: number; persons: number }) => [v.value, v.persons])).toEqual([
      [195, 3],
      [49, 2],
    ]);
    expect(orders[0].total).toBe(244);
  });

  it('sells a hidden voucher', async () => {
    expect((await posSale(body((b) => (b.items = [{ id: staffVoucher.id, price: 20 }])))).status).toBe(200);
  });

  it('schedules delivery on a future date and sends now on a past, invalid or missing one', async () => {
    const offline = { method: 2, address1: 'Bank Chambers', postcode: 'NP11 4EY' };
    for (const date of ['2999-12-24', '2001-01-01', 'next tuesday', undefined]) {
      expect((await posSale(body((b) => (b.delivery = { ...offline, date })))).status).toBe(200);
    }
    expect((await ledger()).orders.map((o: { delivery: unknown }) => o.delivery)).toEqual([
      { method: 'offline', status: 'scheduled', date: '2999-12-24' },
      { method: 'offline', status: 'sent', date: null },
      { method: 'offline', status: 'sent', date: null },
      { method: 'offline', status: 'sent', date: null },
    ]);
    expect((await ledger()).orders.every((o: { confirmationEmailSent: boolean }) => !o.confirmationEmailSent)).toBe(
      true,
    );
  });

  it.each([
    ['no items', (b: any) => delete b.items, 'items', 'The items field is required.'],
    ['an empty item list', (b: any) => (b.items = []), 'items', 'The items field must have at least 1 items.'],
    ['an item without id', (b: any) => delete b.items[0].id, 'items.0.id', 'The items.0.id field is required.'],
    ['an unknown voucher', (b: any) => (b.items[0].id = 99), 'items.0.id', 'The selected items.0.id is invalid.'],
    [
      'a disabled voucher',
      (b: any) => (b.items[0].id = christmas2019.id),
      'items.0.id',
      'The selected items.0.id is invalid.',
    ],
    [
      'a monetary voucher without price',
      (b: any) => delete b.items[0].price,
      'items.0.price',
      'The items.0.price field is required when items.0.id is a monetary voucher.',
    ],
    [
      'a price of 0',
      (b: any) => (b.items[0].price = 0),
      'items.0.price',
      'The items.0.price field must be greater than 0.',
    ],
    [
      'persons below the minimum by default',
      (b: any) => (b.items = [{ id: afternoonTea.id }]),
      'items.0.persons',
      'The items.0.persons field must be between 2 and 2 for voucher 2 (Afternoon Tea for Two); it is 1.',
    ],
    [
      'persons above the maximum',
      (b: any) => (b.items = [{ id: spaDay.id, persons: 5 }]),
      'items.0.persons',
      'The items.0.persons field must be between 1 and 4 for voucher 3 (Spa Day); it is 5.',
    ],
    [
      'a non-alphanumeric code',
      (b: any) => (b.items[0].code = 'GIFT-01'),
      'items.0.code',
      'The items.0.code field must only contain letters and numbers.',
    ],
    [
      'a code twice in one order',
      (b: any) =>
        (b.items = [
          { id: 1, price: 5, code: 'TWIN1' },
          { id: 1, price: 5, code: 'twin1' },
        ]),
      'items.1.code',
      'The items.1.code field has a duplicate value.',
    ],
    ['no customer', (b: any) => delete b.customer, 'customer', 'The customer field is required.'],
    [
      'no customer email',
      (b: any) => (b.customer = { first_name: 'John' }),
      'customer.email',
      'The customer.email field is required.',
    ],
    [
      'an invalid customer email',
      (b: any) => (b.customer.email = 'john'),
      'customer.email',
      'The customer.email field must be a valid email address.',
    ],
    ['no delivery', (b: any) => delete b.delivery, 'delivery', 'The delivery field is required.'],
    [
      'no delivery method',
      (b: any) => delete b.delivery.method,
      'delivery.method',
      'The delivery.method field is required.',
    ],
    [
      'an unknown delivery method',
      (b: any) => (b.delivery.method = 9),
      'delivery.method',
      'The selected delivery.method is invalid.',
    ],
    [
      'online delivery without email',
      (b: any) => delete b.delivery.email,
      'delivery.email',
      'The delivery.email field is required when delivery.method is 1.',
    ],
    [
      'offline delivery without address1',
      (b: any) => (b.delivery = { method: 2, postcode: 'NP11 4EY' }),
      'delivery.address1',
      'The delivery.address1 field is required when delivery.method is 2.',
    ],
    [
      'offline delivery without postcode',
      (b: any) => (b.delivery = { method: 2, address1: 'Bank Chambers' }),
      'delivery.postcode',
      'The delivery.postcode field is required when delivery.method is 2.',
    ],
    [
      'no payment method',
      (b: any) => delete b.payment_method,
      'payment_method',
      'The payment method field is required.',
    ],
    [
      'an unknown payment method',
      (b: any) => (b.payment_method = 99),
      'payment_method',
      'The selected payment method is invalid.',
    ],
  ])('refuses %s with 422 naming the field', async (_, change, field, message) => {
    const reply = await posSale(body(change));
    expect(reply.status).toBe(422);
    expect(reply.body.errors[field]).toEqual([message]);
    expect(reply.body.message).toMatch(/^The .*\.( \(and \d+ more errors?\))?$/);
    expect((await ledger()).orders).toHaveLength(0);
  });

  it('refuses a code that is taken, in any case, without naming the order that holds it', async () => {
    await posSale(documentedFullBody());
    const reply = await posSale(
      body(
        (b) =>
          (b.items = [
            { id: 1, price: 5, code: 'examplecode1' },
            { id: 1, price: 5, code: 'EXAMPLECODE2' },
          ]),
      ),
    );
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({
      message: 'The items.0.code has already been taken. (and 1 more error)',
      errors: {
        'items.0.code': ['The items.0.code has already been taken.'],
        'items.1.code': ['The items.1.code has already been taken.'],
      },
    });
    expect((await ledger()).orders).toHaveLength(1);
  });

  it('lists monetary and experience vouchers with their persons range, and the payment methods', async () => {
    const vouchers = (await call('GET', '/smartgift/vouchers')).body.data;
    expect(vouchers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: giftVoucher.id, type: 'monetary', status: 'active' }),
        expect.objectContaining({
          id: spaDay.id,
          type: 'experience',
          min_persons: 1,
          max_persons: 4,
          price_per_person: 65,
        }),
        expect.objectContaining({ id: christmas2019.id, status: 'disabled' }),
      ]),
    );
    expect((await call('GET', '/smartgift/payment-methods')).body.data).toEqual(smartGiftSeed.paymentMethods);
  });

  it('answers 401 without the right Smart-Auth key', async () => {
    expect(await call('GET', '/smartgift/vouchers', undefined, null)).toMatchObject({
      status: 401,
      body: { message: 'Unauthenticated.' },
    });
    expect((await call('POST', '/smartgift/pos-sale', documentedShortBody(), 'sk_wrong')).status).toBe(401);
    expect((await ledger()).orders).toHaveLength(0);
  });

  it('counts requests per key, reports the window on every answer and answers 429 past the limit', async () => {
    const limited = await listen({ limit: 3, windowMs: 60_000 });
    try {
      const replies = [];
      for (let i = 0; i < 4; i++)
        replies.push(await call('GET', '/smartgift/payment-methods', undefined, KEY, limited.url));
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 429]);
      expect(replies.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['2', '1', '0', '0']);
      expect(replies.every((r) => r.headers['x-ratelimit-limit'] === '3')).toBe(true);
      const reset = Number(replies[3].headers['x-ratelimit-reset']);
      expect(reset * 1000).toBeGreaterThan(Date.now());
      expect(reset * 1000).toBeLessThanOrEqual(Date.now() + 61_000);
      expect(replies[3].body).toEqual({ message: 'Too Many Attempts.' });
      const orderWhileLimited = await call('POST', '/smartgift/pos-sale', documentedShortBody(), KEY, limited.url);
      expect(orderWhileLimited.status).toBe(429);
      expect((await call('GET', '/__sandbox/ledger', undefined, null, limited.url)).body.smartgift.orders).toHaveLength(
        0,
      );
    } finally {
      await limited.app.close();
    }
  });
});
