/**
 * Smart Gift in the sandbox: POST /pos-sale, GET /vouchers and GET /payment-methods under
 * `/smartgift`, as documented in provider-docs/smart-gift-pos-sale.txt and
 * smart-gift-api-conventions.md.
 *
 * - Auth: `Smart-Auth: <secret key>`; anything else gets 401.
 * - Client errors are 422 with Laravel's validation shape `{ message, errors: { field: [..] } }`.
 * - Rate limit: a fixed window per secret key (default 60 requests per minute); every
 *   answer carries X-RateLimit-Limit, -Remaining and -Reset (Unix seconds); past the limit, 429.
 * - order_id is kept as the order_reference unless an earlier order used it; then Smart Gift
 *   rewrites it (`<order_id>-2`, ...), as the contract warns it may.
 * - A voucher code that is taken answers "The items.N.code has already been taken." and,
 *   like Laravel's unique rule, does NOT name the order holding it: the contract promises no
 *   more, so giftflow must not rely on more. A client that lost the answer to its own POST
 *   learns from the repeat only that its codes are placed, not the order_reference.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  SMARTGIFT_ERRORS,
  SMARTGIFT_PATHS,
  type SmartGiftAnswers,
  type SmartGiftError,
} from '../contracts/smartgift-wire';
import type { SandboxProvider } from './provider';
import { smartGiftSeed, validateSale, validationMessage, vouchers, type ValidSale } from './smartgift-catalog';

export { smartGiftSeed } from './smartgift-catalog';

export const SMARTGIFT_PREFIX = '/smartgift';

export interface RateLimit {
  limit: number;
  windowMs: number;
}

export const SMARTGIFT_DEFAULT_RATE_LIMIT: RateLimit = { limit: 60, windowMs: 60_000 };

interface Order {
  orderReference: string;
  orderId: string | null;
  customerEmail: string;
  paymentMethod: number;
  delivery: { method: 'online' | 'offline'; status: 'scheduled' | 'sent'; date: string | null };
  /** Smart Gift e-mails an order confirmation for online delivery. */
  confirmationEmailSent: boolean;
  total: number;
  voucherCodes: string[];
}

interface IssuedVoucher {
  code: string;
  orderReference: string;
  voucherId: number;
  name: string;
  type: 'monetary' | 'experience';
  persons: number;
  value: number;
  to: string | null;
  from: string | null;
  message: string | null;
}

/** Creates the Smart Gift sandbox; every endpoint requires `Smart-Auth: <secretKey>`. */
export function createSmartGiftSandbox(options: { secretKey: string; rateLimit?: RateLimit }): SandboxProvider {
  const rateLimit = options.rateLimit ?? SMARTGIFT_DEFAULT_RATE_LIMIT;
  const orders = new Map<string, Order>();
  /** Keyed by the upper-cased code: codes are unique regardless of case. */
  const issued = new Map<string, IssuedVoucher>();
  const windows = new Map<string, { start: number; count: number }>();
  let generated = 0;

  function routes(app: FastifyInstance): void {
    app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) =>
      reply.code(error.statusCode ?? 500).send({ message: error.message } satisfies SmartGiftError),
    );

    app.addHook('onRequest', async (request, reply) => {
      const key = String(request.headers['smart-auth']);
      const now = Date.now();
      let window = windows.get(key);
      if (!window || now >= window.start + rateLimit.windowMs) {
        window = { start: now, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      reply.header('X-RateLimit-Limit', String(rateLimit.limit));
      reply.header('X-RateLimit-Remaining', String(Math.max(0, rateLimit.limit - window.count)));
      reply.header('X-RateLimit-Reset', String(Math.ceil((window.start + rateLimit.windowMs) / 1000)));
      if (window.count > rateLimit.limit)
        return reply.code(429).send({ message: SMARTGIFT_ERRORS.tooManyAttempts } satisfies SmartGiftError);
    });

    app.get(SMARTGIFT_PREFIX + SMARTGIFT_PATHS.vouchers, async () => ({ data: vouchers }));

    app.get(SMARTGIFT_PREFIX + SMARTGIFT_PATHS.paymentMethods, async () => ({ data: smartGiftSeed.paymentMethods }));

    app.post(SMARTGIFT_PREFIX + SMARTGIFT_PATHS.posSale, async (request, reply) => {
      const checked = validateSale(request.body, (code) => issued.has(code.toUpperCase()));
      if ('errors' in checked) return unprocessable(reply, checked.errors);
      const order = place(checked.sale);
      return {
        message: 'Order processed successfully!',
        order_reference: order.orderReference,
        voucher_codes: order.voucherCodes,
      } satisfies SmartGiftAnswers['posSale'];
    });
  }

  function place(sale: ValidSale): Order {
    const orderReference = uniqueReference(sale.orderId);
    const voucherCodes = sale.items.map((item) => item.code ?? newCode());
    const order: Order = {
      orderReference,
      orderId: sale.orderId,
      customerEmail: sale.customerEmail,
      paymentMethod: sale.paymentMethod,
      delivery: {
        method: sale.delivery.method,
        status: sale.delivery.date ? 'scheduled' : 'sent',
        date: sale.delivery.date,
      },
      confirmationEmailSent: sale.delivery.method === 'online',
      total: Math.round(sale.items.reduce((sum, item) => sum + item.price, 0) * 100) / 100,
      voucherCodes,
    };
    orders.set(orderReference, order);
    sale.items.forEach((item, index) => {
      const code = voucherCodes[index];
      issued.set(code.toUpperCase(), {
        code,
        orderReference,
        voucherId: item.voucher.id,
        name: item.voucher.name,
        type: item.voucher.type,
        persons: item.persons,
        value: item.price,
        to: item.to,
        from: item.from,
        message: item.message,
      });
    });
    return order;
  }

  /** The order_id (or a generated one) when no order used it yet; otherwise the first free `<order_id>-n`. */
  function uniqueReference(orderId: string | null): string {
    const base = orderId ?? `SG${String(orders.size + 1).padStart(8, '0')}`;
    let reference = base;
    for (let n = 2; orders.has(reference); n++) reference = `${base}-${n}`;
    return reference;
  }

  function newCode(): string {
    let code: string;
    do code = `SBX${String(++generated).padStart(9, '0')}`;
    while (issued.has(code));
    return code;
  }

  return {
    name: 'smartgift',
    isAuthorized: (request) => request.headers['smart-auth'] === options.secretKey,
    unauthorizedBody: { message: SMARTGIFT_ERRORS.unauthenticated } satisfies SmartGiftError,
    routes,
    ledger: () => ({
      orders: [...orders.values()],
      vouchers: [...issued.values()],
    }),
    reset: () => {
      orders.clear();
      issued.clear();
      windows.clear();
      generated = 0;
    },
  };
}

function unprocessable(reply: FastifyReply, errors: Record<string, string[]>): FastifyReply {
  return reply.code(422).send({ message: validationMessage(errors), errors } satisfies SmartGiftError);
}
