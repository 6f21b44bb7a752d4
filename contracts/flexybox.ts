/**
 * Flexybox gift-certificate orders: the input a backend sends, the result it gets back,
 * the task queue, and the IDs the workflow derives. Shared by client, workflow and activities.
 */
import { z } from 'zod';
import {
  currency,
  currencyDecimalsProblem,
  email,
  ISO_4217_CURRENCIES,
  money,
  NUMBER_CAPS,
  rawText,
  text,
  TEXT_CAPS,
} from './input-text';
import { isDecimal } from './money';
import { TASK_QUEUES } from './shared';

export * from './flexybox-workflow';

export const FLEXYBOX_TASK_QUEUE = TASK_QUEUES.flexybox;
export const FLEXYBOX_WORKFLOW_TYPE = 'flexyboxGiftCertificateOrder';

/** The customer who receives the receipt with the gift certificates (Flexybox CRM). */
export const flexyboxCustomerSchema = z
  .object({
    fullName: text('fullName', { max: TEXT_CAPS.name }),
    email: email('email'),
    // Passed through untrimmed as before; bounded like the rest (Flexybox documents no sizes).
    phoneNumber: rawText('phoneNumber', { max: TEXT_CAPS.phone }).optional(),
    streetAddress: rawText('streetAddress', { max: TEXT_CAPS.name }).optional(),
    postalCode: rawText('postalCode', { max: TEXT_CAPS.postcode }).optional(),
    postalDistrict: rawText('postalDistrict', { max: TEXT_CAPS.name }).optional(),
    countryCode: z
      .string()
      .regex(/^[A-Z]{2}$/, 'countryCode must be two capital letters (ISO 3166-1 alpha-2)')
      .default('DK'),
    birthDate: z.iso.date({ error: 'birthDate must be a date YYYY-MM-DD' }).optional(),
    gender: rawText('gender', { max: TEXT_CAPS.id }).optional(),
  })
  .strict();

/** One line of the sales order: a certificate type (ID or exact name), how many, at what price. */
export const flexyboxCertificateLineSchema = z
  .object({
    type: text('type (a gift-certificate type ID or name)', { max: TEXT_CAPS.name }),
    quantity: z
      .number()
      .int('quantity must be a whole number')
      .min(1, 'quantity must be at least 1')
      .max(NUMBER_CAPS.quantity, `quantity must be at most ${NUMBER_CAPS.quantity} (split larger orders)`)
      .default(1),
    // Its decimals depend on the order's currency: checked on the order below.
    price: money('price'),
  })
  .strict();

/** What a backend sends to place a Flexybox gift-certificate order. */
export const flexyboxOrderInputSchema = z
  .object({
    customer: flexyboxCustomerSchema,
    departmentId: text('departmentId', { max: TEXT_CAPS.id }),
    certificates: z
      .array(flexyboxCertificateLineSchema)
      .min(1, 'certificates must hold at least one line')
      .max(NUMBER_CAPS.lines, `certificates must hold at most ${NUMBER_CAPS.lines} lines`),
    currency: currency('currency').default('DKK'),
    debitMethod: rawText('debitMethod', { max: TEXT_CAPS.id })
      .min(1, 'debitMethod must not be empty')
      .default('OnlinePayment'),
    /** Card scheme or method recorded on the external payment, e.g. Mastercard. */
    paymentType: rawText('paymentType', { max: TEXT_CAPS.id })
      .min(1, 'paymentType must not be empty')
      .default('Mastercard'),
  })
  .strict()
  // A price may have as many decimals as the currency (ISO 4217): none in JPY, three in KWD.
  // Run even when other fields have issues (so one answer lists every problem); hence the guards.
  .superRefine(
    (order, ctx) => {
      if (!ISO_4217_CURRENCIES.has(order.currency) || !Array.isArray(order.certificates)) return;
      order.certificates.forEach((line, index) => {
        const price: unknown = line?.price;
        const problem =
          (typeof price === 'number' || typeof price === 'string') &&
          isDecimal(price) &&
          currencyDecimalsProblem('price', price, order.currency);
        if (problem) ctx.addIssue({ code: 'custom', path: ['certificates', index, 'price'], message: problem });
      });
    },
    { when: () => true },
  );

export type FlexyboxOrderInput = z.input<typeof flexyboxOrderInputSchema>;
export type FlexyboxOrder = z.output<typeof flexyboxOrderInputSchema>;
export type FlexyboxCustomer = FlexyboxOrder['customer'];

/** A certificate line after its type was resolved against Flexybox's catalogue. */
export interface ResolvedCertificateLine {
  typeId: string;
  typeName: string;
  quantity: number;
  price: number;
}

/** The IDs Flexybox knows this order by, derived in the workflow from its ID. */
export interface FlexyboxIds {
  customerId: string;
  salesOrderId: string;
  externalPaymentId: string;
}

/** What the workflow returns once the sales order is committed. */
export interface FlexyboxOrderResult extends FlexyboxIds {
  total: number;
  currency: string;
  departmentId: string;
  certificates: ResolvedCertificateLine[];
  /**
   * The certificates Flexybox issued, or null when its commit answer had no body (a 204):
   * the order is committed and paid, but the numbers must be looked up at Flexybox.
   */
  issuedCertificates: { number: string; typeId: string; amount: number }[] | null;
  /** Set when a cancellation arrived once the commit had started: it cannot be undone. */
  cancellationIgnored?: string;
}
