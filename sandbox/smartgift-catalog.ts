/**
 * Smart Gift's sandbox catalog and the validation of a /pos-sale body, worded like the
 * Laravel validator behind the real API (422 with `{ message, errors: { field: [..] } }`).
 */
import { SMARTGIFT_DELIVERY_METHODS } from '../contracts/smartgift';
import { SMARTGIFT_ERRORS } from '../contracts/smartgift-wire';

export interface SmartGiftVoucher {
  id: number;
  name: string;
  type: 'monetary' | 'experience';
  /** active and hidden vouchers can be sold through /pos-sale (hidden ones are just not listed in the shop); disabled ones cannot. */
  status: 'active' | 'hidden' | 'disabled';
  /** Experience vouchers: the price per person; monetary vouchers take the price of the item. */
  price_per_person: number | null;
  min_persons: number;
  max_persons: number;
}

/** The fixed catalog every sandbox starts with (and keeps across resets). */
export const smartGiftSeed = {
  vouchers: {
    giftVoucher: {
      id: 1,
      name: 'Gift Voucher',
      type: 'monetary',
      status: 'active',
      price_per_person: null,
      min_persons: 1,
      max_persons: 1,
    },
    afternoonTea: {
      id: 2,
      name: 'Afternoon Tea for Two',
      type: 'experience',
      status: 'active',
      price_per_person: 24.5,
      min_persons: 2,
      max_persons: 2,
    },
    spaDay: {
      id: 3,
      name: 'Spa Day',
      type: 'experience',
      status: 'active',
      price_per_person: 65,
      min_persons: 1,
      max_persons: 4,
    },
    staffVoucher: {
      id: 4,
      name: 'Staff Gift Voucher',
      type: 'monetary',
      status: 'hidden',
      price_per_person: null,
      min_persons: 1,
      max_persons: 1,
    },
    christmas2019: {
      id: 5,
      name: 'Christmas Voucher 2019',
      type: 'monetary',
      status: 'disabled',
      price_per_person: null,
      min_persons: 1,
      max_persons: 1,
    },
  } satisfies Record<string, SmartGiftVoucher>,
  paymentMethods: [
    { id: 1, name: 'Card' },
    { id: 2, name: 'Cash' },
    { id: 3, name: 'Bank transfer' },
  ],
  /** Delivery method IDs: 1 sends the vouchers by e-mail, 2 by post. */
  deliveryMethods: SMARTGIFT_DELIVERY_METHODS,
} as const;

export const vouchers: SmartGiftVoucher[] = Object.values(smartGiftSeed.vouchers);

/** One item of a valid body, with its voucher and its price (set by Smart Gift for experiences). */
export interface PricedItem {
  voucher: SmartGiftVoucher;
  price: number;
  persons: number;
  code: string | null;
  to: string | null;
  from: string | null;
  message: string | null;
}

export interface ValidSale {
  items: PricedItem[];
  customerEmail: string;
  delivery: { method: 'online' | 'offline'; date: string | null };
  paymentMethod: number;
  orderId: string | null;
}

export type ValidationErrors = Record<string, string[]>;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const present = (value: unknown) =>
  value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '');
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Checks a /pos-sale body against every documented rule. `codeTaken` tells whether a code
 * already belongs to a voucher (case-insensitive, as a MySQL unique index compares).
 */
export function validateSale(
  body: unknown,
  codeTaken: (code: string) => boolean,
): { sale: ValidSale } | { errors: ValidationErrors } {
  const errors: ValidationErrors = {};
  const add = (field: string, message: string) => (errors[field] ??= []).push(message);
  const root = isObject(body) ? body : {};

  const items: PricedItem[] = [];
  if (!present(root.items)) add('items', 'The items field is required.');
  else if (!Array.isArray(root.items)) add('items', 'The items field must be an array.');
  else if (root.items.length === 0) add('items', 'The items field must have at least 1 items.');
  else {
    const codes = new Map<string, number>();
    root.items.forEach((raw, index) => {
      const item = isObject(raw) ? raw : {};
      const at = (field: string) => `items.${index}.${field}`;
      const voucher = checkVoucher(item.id, at('id'), add);
      for (const field of ['to', 'from', 'message'] as const) {
        if (present(item[field]) && typeof item[field] !== 'string')
          add(at(field), `The ${at(field)} field must be a string.`);
      }
      const persons = present(item.persons) ? item.persons : 1;
      if (!Number.isInteger(persons)) add(at('persons'), `The ${at('persons')} field must be an integer.`);
      else if (voucher && ((persons as number) < voucher.min_persons || (persons as number) > voucher.max_persons)) {
        add(
          at('persons'),
          `The ${at('persons')} field must be between ${voucher.min_persons} and ${voucher.max_persons} for voucher ${voucher.id} (${voucher.name}); it is ${persons}.`,
        );
      }
      let price = 0;
      if (voucher?.type === 'experience') price = money(voucher.price_per_person! * Number(persons));
      else if (!present(item.price))
        add(at('price'), `The ${at('price')} field is required when ${at('id')} is a monetary voucher.`);
      else if (typeof item.price !== 'number' || !Number.isFinite(item.price))
        add(at('price'), `The ${at('price')} field must be a number.`);
      else if (item.price <= 0) add(at('price'), `The ${at('price')} field must be greater than 0.`);
      else price = money(item.price);

      const code = present(item.code) ? item.code : null;
      if (code !== null) {
        if (typeof code !== 'string' || !/^[A-Za-z0-9]+$/.test(code))
          add(at('code'), `The ${at('code')} field must only contain letters and numbers.`);
        else if (codes.has(code.toUpperCase())) add(at('code'), `The ${at('code')} field has a duplicate value.`);
        else if (codeTaken(code)) add(at('code'), SMARTGIFT_ERRORS.taken(at('code')));
        if (typeof code === 'string') codes.set(code.toUpperCase(), index);
      }
      if (voucher)
        items.push({
          voucher,
          price,
          persons: Number(persons),
          code: code as string | null,
          to: text(item.to),
          from: text(item.from),
          message: text(item.message),
        });
    });
  }

  const customer = root.customer;
  if (!isObject(customer)) add('customer', 'The customer field is required.');
  else if (!present(customer.email)) add('customer.email', 'The customer.email field is required.');
  else if (typeof customer.email !== 'string' || !EMAIL.test(customer.email))
    add('customer.email', 'The customer.email field must be a valid email address.');

  const delivery = isObject(root.delivery) ? root.delivery : undefined;
  const { online, offline } = smartGiftSeed.deliveryMethods;
  if (!delivery) add('delivery', 'The delivery field is required.');
  else if (!present(delivery.method)) add('delivery.method', 'The delivery.method field is required.');
  else if (delivery.method !== online && delivery.method !== offline)
    add('delivery.method', 'The selected delivery.method is invalid.');
  else if (delivery.method === online) {
    if (!present(delivery.email))
      add('delivery.email', `The delivery.email field is required when delivery.method is ${online}.`);
    else if (typeof delivery.email !== 'string' || !EMAIL.test(delivery.email))
      add('delivery.email', 'The delivery.email field must be a valid email address.');
  } else {
    for (const field of ['address1', 'postcode']) {
      if (!present(delivery[field]))
        add(`delivery.${field}`, `The delivery.${field} field is required when delivery.method is ${offline}.`);
    }
  }

  if (!present(root.payment_method)) add('payment_method', 'The payment method field is required.');
  else if (!Number.isInteger(root.payment_method))
    add('payment_method', 'The payment method field must be an integer.');
  else if (!smartGiftSeed.paymentMethods.some((method) => method.id === root.payment_method))
    add('payment_method', 'The selected payment method is invalid.');

  if (present(root.order_id) && typeof root.order_id !== 'string' && typeof root.order_id !== 'number')
    add('order_id', 'The order id field must be a string.');

  if (Object.keys(errors).length > 0) return { errors };
  const sale: ValidSale = {
    items,
    customerEmail: (customer as Json).email as string,
    delivery: { method: delivery!.method === online ? 'online' : 'offline', date: scheduledDate(delivery!.date) },
    paymentMethod: root.payment_method as number,
    orderId: present(root.order_id) ? String(root.order_id).trim() : null,
  };
  return { sale };
}

function checkVoucher(
  id: unknown,
  field: string,
  add: (field: string, message: string) => void,
): SmartGiftVoucher | undefined {
  if (!present(id)) return void add(field, `The ${field} field is required.`);
  if (!Number.isInteger(id)) return void add(field, `The ${field} field must be an integer.`);
  const voucher = vouchers.find((v) => v.id === id);
  if (!voucher || voucher.status === 'disabled') return void add(field, `The selected ${field} is invalid.`);
  return voucher;
}

/** A future date schedules the delivery; today, a past, an unreadable or no date sends it now (null). */
function scheduledDate(date: unknown): string | null {
  if (typeof date !== 'string') return null;
  const parsed = new Date(date);
  if (Number.isNaN(parsed.getTime())) return null;
  const day = parsed.toISOString().slice(0, 10);
  return day > new Date().toISOString().slice(0, 10) ? day : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function money(amount: number): number {
  return Math.round(amount * 100) / 100;
}

/** Laravel's summary line: the first message, and how many more there are. */
export function validationMessage(errors: ValidationErrors): string {
  const all = Object.values(errors).flat();
  const more = all.length - 1;
  return more > 0 ? `${all[0]} (and ${more} more error${more > 1 ? 's' : ''})` : all[0];
}
