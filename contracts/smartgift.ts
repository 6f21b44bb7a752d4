/**
 * Smart Gift voucher orders (POST /pos-sale): the input a backend sends, in the documented
 * snake_case shape, the result it gets back, the task queue and the IDs the workflow derives.
 */
import { z } from 'zod';
import { email, EMAIL_MAX, isEmail, money, NUMBER_CAPS, rawText, text, TEXT_CAPS } from './input-text';
import { PROVIDER_SCALES } from './money';
import { TASK_QUEUES } from './shared';

export * from './smartgift-workflow';

export const SMARTGIFT_TASK_QUEUE = TASK_QUEUES.smartgift;
export const SMARTGIFT_WORKFLOW_TYPE = 'smartGiftVoucherOrder';

/** Smart Gift's documented limit per secret key; the worker paces the task queue to it. */
export const SMARTGIFT_REQUESTS_PER_MINUTE = 60;

/**
 * Delivery method IDs. The contract names "online" (e-mail) and "offline" (post) methods but
 * not their IDs; the documented example sends method 1 with an e-mail, so 1 is online.
 */
export const SMARTGIFT_DELIVERY_METHODS = { online: 1, offline: 2 } as const;

/** Voucher codes: letters and digits only (the contract rejects anything else). */
export const VOUCHER_CODE = /^[A-Za-z0-9]+$/;

/**
 * Optional text, passed to Smart Gift as given (untrimmed, empty allowed) as before; bounded by
 * input-text.ts's caps since Smart Gift documents none. `to`, `from` and `message` are printed
 * on the voucher, so invisible characters would print as gaps or boxes.
 */
const optionalText = (field: string, max: number, multiline = false) => rawText(field, { max, multiline }).nullish();

/** One voucher: a monetary one needs a price; an experience one is priced by Smart Gift from `persons`. */
export const smartGiftItemSchema = z
  .object({
    id: z
      .number({ error: 'id is required (a Smart Gift voucher ID)' })
      .int('id must be a whole number')
      .positive('id must be positive'),
    price: money('price', PROVIDER_SCALES.smartgift).nullish(),
    to: optionalText('to', TEXT_CAPS.name),
    from: optionalText('from', TEXT_CAPS.name),
    message: optionalText('message', TEXT_CAPS.message, true),
    code: z
      .string({ error: 'code must be a string' })
      .regex(VOUCHER_CODE, 'code must contain only letters and digits')
      .max(TEXT_CAPS.id, `code must be at most ${TEXT_CAPS.id} characters`)
      .nullish(),
    persons: z
      .number({ error: 'persons must be a number' })
      .int('persons must be a whole number')
      .min(1, 'persons must be at least 1')
      .max(NUMBER_CAPS.persons, `persons must be at most ${NUMBER_CAPS.persons}`)
      .nullish(),
  })
  .strict();

/** The customer placing the order; only the e-mail is required. */
export const smartGiftCustomerSchema = z
  .object({
    first_name: optionalText('first_name', TEXT_CAPS.name),
    last_name: optionalText('last_name', TEXT_CAPS.name),
    email: email('email'),
    address1: optionalText('address1', TEXT_CAPS.name),
    address2: optionalText('address2', TEXT_CAPS.name),
    postcode: optionalText('postcode', TEXT_CAPS.postcode),
    town: optionalText('town', TEXT_CAPS.name),
    county: optionalText('county', TEXT_CAPS.name),
  })
  .strict();

const filled = (value: string | null | undefined) => typeof value === 'string' && value.trim() !== '';

/** How the vouchers are delivered: online needs an e-mail, offline an address1 and a postcode. */
export const smartGiftDeliverySchema = z
  .object({
    method: z.union([z.literal(SMARTGIFT_DELIVERY_METHODS.online), z.literal(SMARTGIFT_DELIVERY_METHODS.offline)], {
      error: `method must be ${SMARTGIFT_DELIVERY_METHODS.online} (online) or ${SMARTGIFT_DELIVERY_METHODS.offline} (offline)`,
    }),
    email: optionalText('email', EMAIL_MAX),
    address1: optionalText('address1', TEXT_CAPS.name),
    address2: optionalText('address2', TEXT_CAPS.name),
    postcode: optionalText('postcode', TEXT_CAPS.postcode),
    town: optionalText('town', TEXT_CAPS.name),
    county: optionalText('county', TEXT_CAPS.name),
    first_name: optionalText('first_name', TEXT_CAPS.name),
    last_name: optionalText('last_name', TEXT_CAPS.name),
    // Smart Gift sends at once on a past or unreadable date; refusing an unreadable one here
    // keeps a typo from turning a scheduled gift into an immediate one.
    date: z.iso.date({ error: 'date must be a date YYYY-MM-DD (omit it to deliver now)' }).nullish(),
  })
  .strict()
  .superRefine((delivery, ctx) => {
    if (delivery.method === SMARTGIFT_DELIVERY_METHODS.online) {
      if (!filled(delivery.email))
        ctx.addIssue({ code: 'custom', path: ['email'], message: 'email is required for online delivery (method 1)' });
      else if (!isEmail(delivery.email as string))
        ctx.addIssue({ code: 'custom', path: ['email'], message: 'email must be an e-mail address' });
    }
    if (delivery.method === SMARTGIFT_DELIVERY_METHODS.offline) {
      for (const field of ['address1', 'postcode'] as const) {
        if (!filled(delivery[field]))
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: `${field} is required for offline delivery (method 2)`,
          });
      }
    }
  });

/** What a backend sends to place a Smart Gift voucher order (the documented /pos-sale body). */
export const smartGiftOrderInputSchema = z
  .object({
    items: z
      .array(smartGiftItemSchema, { error: 'items must be a list of vouchers' })
      .min(1, 'items must hold at least one voucher')
      .max(NUMBER_CAPS.lines, `items must hold at most ${NUMBER_CAPS.lines} vouchers`),
    customer: smartGiftCustomerSchema,
    delivery: smartGiftDeliverySchema,
    payment_method: z
      .number({ error: 'payment_method is required (a Smart Gift payment method ID)' })
      .int('payment_method must be a whole number')
      .positive('payment_method must be positive'),
    /** Optional; when omitted the workflow derives one from its ID. */
    order_id: text('order_id', { max: 64 }).nullish(),
  })
  .strict()
  .superRefine((order, ctx) => {
    const seen = new Map<string, number>();
    order.items.forEach((item, index) => {
      if (!item.code) return;
      const first = seen.get(item.code.toUpperCase());
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['items', index, 'code'],
          message: `code ${item.code} is already used by items.${first}; codes must be unique`,
        });
      else seen.set(item.code.toUpperCase(), index);
    });
  });

export type SmartGiftOrderInput = z.input<typeof smartGiftOrderInputSchema>;
export type SmartGiftOrder = z.output<typeof smartGiftOrderInputSchema>;

/** The IDs Smart Gift knows this order by. */
export interface SmartGiftIds {
  orderId: string;
  orderReference: string;
}

/** What the workflow returns once Smart Gift has the order. */
export interface SmartGiftOrderResult {
  /**
   * Smart Gift's reference for the order (it may differ from orderId). Null when the order was
   * recovered: the answer to the request that placed it was lost, and the duplicate-code
   * error of the repeat does not name the order.
   */
  orderReference: string | null;
  /** The order_id sent: the caller's, or one derived from the workflow ID. */
  orderId: string;
  /** One code per item, in item order. */
  voucherCodes: string[];
  /** True when a repeat found our codes already taken, so the order was placed by an earlier attempt. */
  recovered: boolean;
  /** Set when a cancellation arrived once the order had been sent: it cannot be undone. */
  cancellationIgnored?: string;
}

/** Length of the voucher codes giftflow derives (base 36, uppercase). */
export const DERIVED_CODE_LENGTH = 12;
