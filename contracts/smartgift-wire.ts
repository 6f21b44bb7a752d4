/**
 * Smart Gift on the wire (provider-docs/smart-gift-pos-sale.txt, smart-gift-api-conventions.md):
 * the paths, the answers giftflow checks, the error bodies (Laravel's) and the texts giftflow
 * acts on. The activities (activities/smartgift.ts) send and read through it and the sandbox
 * (sandbox/smartgift.ts, smartgift-catalog.ts) answers through it, so the two cannot drift apart.
 */
import { z } from 'zod';

/** Paths after SMARTGIFT_URL. */
export const SMARTGIFT_PATHS = {
  vouchers: '/vouchers',
  paymentMethods: '/payment-methods',
  posSale: '/pos-sale',
} as const;

/** Every error answers `{ message }`; a refused body (422) adds Laravel's `errors: { field: [messages] }`. */
export interface SmartGiftError {
  message: string;
  errors?: Record<string, string[]>;
}

export const SMARTGIFT_ERRORS = {
  unauthenticated: 'Unauthenticated.',
  tooManyAttempts: 'Too Many Attempts.',
  /** Laravel's unique rule; it does not name the order holding the code. Recognised by TAKEN. */
  taken: (field: string) => `The ${field} has already been taken.`,
} as const;

/** Matches SMARTGIFT_ERRORS.taken. */
export const TAKEN = /already been taken/i;

/** The item index of an `items.N.code` error field, or undefined for another field. */
export function itemOfCodeField(field: string): number | undefined {
  const item = /^items\.(\d+)\.code$/.exec(field);
  return item ? Number(item[1]) : undefined;
}

export const smartGiftPaymentMethodsResponse = z.looseObject({
  data: z.array(z.looseObject({ id: z.number(), name: z.string() })),
});
export const smartGiftPosSaleResponse = z.looseObject({
  order_reference: z.string().min(1),
  voucher_codes: z.array(z.string()),
});
/** The `errors` of a 422. */
export const smartGiftValidationErrors = z.looseObject({ errors: z.record(z.string(), z.array(z.string())) });

/** The answers, by call, as a server writes them (the sandbox). */
export interface SmartGiftAnswers {
  paymentMethods: z.input<typeof smartGiftPaymentMethodsResponse>;
  posSale: z.input<typeof smartGiftPosSaleResponse>;
}
