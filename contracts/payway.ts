/**
 * Payway (Tulo) gift subscriptions: the input a backend sends (the fields of
 * create_gift_order, as documented), the result, the task queue, the derived
 * merchant_reference and the operator's `reconcile` answer. Shared by client, workflow,
 * activities and sandbox.
 */
import { z } from 'zod';
import { hasInvisibleCharacters, rawText, text, TEXT_CAPS } from './input-text';
import { PAYWAY_PATTERNS } from './payway-wire';
import { TASK_QUEUES, type CreatedAnswer } from './shared';

export * from './payway-workflow';

export const PAYWAY_TASK_QUEUE = TASK_QUEUES.payway;
export const PAYWAY_WORKFLOW_TYPE = 'paywayGiftOrder';

export { PAYWAY_PATHS, PAYWAY_PATTERNS, PAYWAY_WRITE_SCOPE } from './payway-wire';

/**
 * Payway documents sizes only for its ids (..24) and giver_email (..1024); the other fields get
 * input-text.ts's caps (names and places 200, codes 100, postcodes 20, phones 50) or the
 * longest a value of their kind can be: a user agent 1024, a BCP 47 language tag in practice
 * 35, an IPv6 address in text 45.
 */
const name = (field: string) => text(field, { max: TEXT_CAPS.name });
const paywayId = (field: string) =>
  z
    .string({ error: `${field} is required` })
    .max(24, `${field} must be at most 24 characters`)
    .regex(PAYWAY_PATTERNS.id, `${field} must be a Payway id: 24 hexadecimal characters`);

/** The recipient's address. Payway documents no rules for its fields; these are the sandbox's (see sandbox/payway.ts). */
export const paywayGiftDeliveryAddressSchema = z.strictObject(
  {
    first_name: name('gift_delivery_address.first_name'),
    last_name: name('gift_delivery_address.last_name'),
    street: name('gift_delivery_address.street'),
    // Passed through untrimmed as before; only bounded.
    street_number: rawText('gift_delivery_address.street_number', { max: TEXT_CAPS.id }).optional(),
    city: name('gift_delivery_address.city'),
    zip_code: text('gift_delivery_address.zip_code', { max: TEXT_CAPS.postcode }),
    country_code: name('gift_delivery_address.country_code'),
    mobile_number: rawText('gift_delivery_address.mobile_number', { max: TEXT_CAPS.phone }).optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'gift_delivery_address is required (an object)' : undefined) },
);

/** What a backend sends to place a Payway gift subscription (create_gift_order without merchant_reference). */
export const paywayOrderInputSchema = z
  .strictObject({
    giver_account_id: paywayId('giver_account_id').optional(),
    // Payway's documented pattern, not input-text.ts's internationalised one: Payway refuses
    // what it does not match (its \w is ASCII), so accepting more would only fail at Payway.
    giver_email: z
      .string()
      .max(1024, 'giver_email must be at most 1024 characters')
      .regex(PAYWAY_PATTERNS.email, 'giver_email must be an e-mail address')
      .refine(
        (value) => !hasInvisibleCharacters(value),
        'giver_email must not contain control or invisible characters (such as zero-width spaces)',
      )
      .optional(),
    product_code: text('product_code', { max: TEXT_CAPS.id }),
    period_id: paywayId('period_id'),
    start_date: z.iso
      .datetime({ offset: true, error: 'start_date must be an ISO 8601 date-time, e.g. 2019-05-01T00:00:00+00:00' })
      .refine((value) => /(Z|[+-]00:?00)$/.test(value), 'start_date must be in UTC (end in Z or +00:00)')
      .optional(),
    gift_delivery_address: paywayGiftDeliveryAddressSchema,
    traffic_source: rawText('traffic_source', { max: TEXT_CAPS.name }).optional(),
    secure_identification: z
      .strictObject({ trusted_identity_id: paywayId('secure_identification.trusted_identity_id') })
      .optional(),
    client_info: z
      .strictObject({
        user_agent: text('client_info.user_agent', { max: 1024 }),
        language: text('client_info.language', { max: 35 }),
        ip_address: text('client_info.ip_address', { max: 45 }),
      })
      .optional(),
    // Derived in the workflow from the workflow ID, so a caller's value would defeat reconciliation.
    merchant_reference: z
      .never({ error: 'merchant_reference is set by giftflow from the order reference; leave it out' })
      .optional(),
  })
  .refine((order) => order.giver_account_id !== undefined || order.giver_email !== undefined, {
    path: ['giver_account_id'],
    error: 'giver_account_id or giver_email is required',
    when: () => true,
  });

export type PaywayOrderInput = z.input<typeof paywayOrderInputSchema>;
export type PaywayOrder = z.output<typeof paywayOrderInputSchema>;

/** The IDs Payway knows this order by: ours (merchant_reference) and, once created, its own. */
export interface PaywayIds {
  merchantReference: string;
  orderId: string;
  paymentId: string;
}

/** What the workflow returns once Payway has the gift order. */
export interface PaywayOrderResult {
  merchantReference: string;
  /** Payway's `id`; null when an operator reconciled the order (the answer carries order_id only). */
  id: string | null;
  orderId: string;
  paymentId: string | null;
  /** True when the order ID came from an operator's `reconcile` answer instead of Payway's response. */
  reconciled: boolean;
  /** Set when a cancellation arrived while the create was under way: it cannot be undone. */
  cancellationIgnored?: string;
}

/** The operator's `reconcile` answer for a Payway create whose outcome is unknown (checked with checkReconcileAnswer). */
export type PaywayReconcileAnswer = CreatedAnswer<'orderId', 'paymentId'> | { outcome: 'not-created' };
