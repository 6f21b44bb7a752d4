/**
 * Payway on the wire (provider-docs/payway-create-gift-order.txt, payway-api-conventions.md):
 * the paths, the token scope, the documented allowed values, the answers giftflow checks and
 * the error body. The activities (activities/payway.ts) send and read through it and the
 * sandbox (sandbox/payway.ts) answers through it; contracts/payway.ts re-exports what the
 * input schema, the config and the tests use.
 */
import { z } from 'zod';

/** Paths after PAYWAY_URL: the documented create path, and the sandbox's token path (Payway's docs name none). */
export const PAYWAY_PATHS = {
  createGiftOrder: '/external/api/v3/accounts/create_gift_order',
  token: '/api/oauth/token',
} as const;

/** The scope create_gift_order requires of a token without identity. */
export const PAYWAY_WRITE_SCOPE = '/external/account/w';

/**
 * The documented "allowed values", translated from Ruby (`\A`, `\z`) to JavaScript. The
 * e-mail pattern's dots are unescaped in Payway's documentation, so it is looser than it
 * looks; we apply it as documented rather than refuse what Payway accepts.
 */
export const PAYWAY_PATTERNS = {
  id: /^[a-f\d]{24}$/i,
  email: /^[\w+\-.]+@[a-z\d-]+(.[a-z]+)*.[a-z]+$/i,
} as const;

/** Every error, the token endpoint's included: `{ message, code }`, plus `errors` for a refused body (400). */
export interface PaywayError {
  message: string;
  code: string;
  errors?: { field: string; message: string }[];
}

export const paywayTokenResponse = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
});
export const paywayCreateResponse = z.looseObject({
  id: z.string(),
  order_id: z.string(),
  payment_id: z.string().nullish(),
});

/** The answers, by call, as a server writes them (the sandbox). */
export interface PaywayAnswers {
  token: z.input<typeof paywayTokenResponse>;
  createGiftOrder: z.input<typeof paywayCreateResponse>;
}
