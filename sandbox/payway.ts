/**
 * Payway (Tulo) in the sandbox: the OAuth client-credentials token endpoint and
 * create_gift_order, as documented in provider-docs/payway-create-gift-order.txt and
 * payway-api-conventions.md. Where the documentation is silent, the sandbox decides:
 *
 * - Token endpoint: `POST /payway/api/oauth/token` (form: grant_type=client_credentials,
 *   client_id, client_secret, optional space-separated scope). Tokens live one hour on the
 *   sandbox clock (`POST /__sandbox/clock` expires them); the client may ask for
 *   `/external/account/r` and `/external/account/w`, and gets both when it names none.
 * - Every error, token endpoint included, has one shape: `{ message, code }`, plus
 *   `errors: [{ field, message }]` for validation (400). Business rules answer 422.
 * - gift_delivery_address needs first_name, last_name, street, city, zip_code and
 *   country_code; street_number and mobile_number are optional.
 * - Payment-method limits (documented): a gift order can only be created for a campaign
 *   configured to be sold as a gift, and only with a period whose payment method is
 *   invoice or free. The seed catalog has one of each case.
 * - giver_account_id must name a seeded account; a giver_email is accepted as is.
 * - Nothing is deduplicated: the same merchant_reference twice makes two orders, and the
 *   ledger lists every order with its merchant_reference so a lost answer can be checked.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PAYWAY_PATHS, PAYWAY_PATTERNS, PAYWAY_WRITE_SCOPE, type PaywayError } from '../contracts/payway-wire';
import type { SandboxClock } from './clock';
import type { SandboxProvider } from './provider';

export const PAYWAY_PREFIX = '/payway';
const TOKEN_LIFETIME_SECONDS = 3600;
const CLIENT_SCOPES = ['/external/account/r', PAYWAY_WRITE_SCOPE];

type PaymentMethod = 'invoice' | 'free' | 'card';

/** The fixed catalog every sandbox starts with (and keeps across resets). */
export const paywaySeed = {
  accounts: { giver: '5c6291d537c2ed78a11518b7' },
  campaigns: {
    /** Sold as a gift; the documented example's product and period. */
    digital: {
      productCode: 'adeprimo_digital',
      soldAsGift: true,
      periods: {
        invoice: '5cb804811d41c82b5c518ea8',
        free: '5cb804811d41c82b5c518eb1',
        card: '5cb804811d41c82b5c518ec2',
      },
    },
    /** Not configured with gift rules. */
    print: { productCode: 'adeprimo_print', soldAsGift: false, periods: { invoice: '5cb804811d41c82b5c518ed3' } },
  },
} as const;

const campaigns = Object.values(paywaySeed.campaigns);
const periodMethod = (periods: Record<string, string>, periodId: string) =>
  Object.entries(periods).find(([, id]) => id.toLowerCase() === periodId.toLowerCase())?.[0] as
    PaymentMethod | undefined;

const present = z.string().trim().min(1);
const objectId = z
  .string()
  .max(24, { error: 'is too long (maximum is 24 characters)' })
  .regex(PAYWAY_PATTERNS.id, { error: 'is invalid' });

const createBody = z
  .object({
    giver_account_id: objectId.optional(),
    giver_email: z
      .string()
      .max(1024, { error: 'is too long (maximum is 1024 characters)' })
      .regex(PAYWAY_PATTERNS.email, { error: 'is invalid' })
      .optional(),
    product_code: present,
    period_id: objectId,
    start_date: z
      .string()
      .refine((value) => !Number.isNaN(Date.parse(value)), { error: 'is not a valid date-time', abort: true })
      .refine((value) => /(Z|[+-]00:?00)$/.test(value), { error: 'must be in UTC' })
      .optional(),
    gift_delivery_address: z.object({
      first_name: present,
      last_name: present,
      street: present,
      street_number: z.string().optional(),
      city: present,
      zip_code: present,
      country_code: present,
      mobile_number: z.string().optional(),
    }),
    traffic_source: z.string().optional(),
    merchant_reference: z.string().optional(),
    secure_identification: z.object({ trusted_identity_id: objectId }).optional(),
    client_info: z.object({ user_agent: present, language: present, ip_address: present }).optional(),
  })
  .refine((body) => body.giver_account_id !== undefined || body.giver_email !== undefined, {
    path: ['giver_account_id'],
    error: 'or giver_email must be given',
    when: () => true,
  });

interface Token {
  scopes: string[];
  expiresAt: number;
}

interface Order {
  id: string;
  order_id: string;
  payment_id: string;
  merchant_reference: string | null;
  product_code: string;
  period_id: string;
  payment_method: PaymentMethod;
  giver_account_id: string | null;
  giver_email: string | null;
  created_at: string;
}

/** Creates the Payway sandbox for one OAuth client (id and secret). */
export function createPaywaySandbox(options: {
  clientId: string;
  clientSecret: string;
  clock: SandboxClock;
}): SandboxProvider {
  const tokens = new Map<string, Token>();
  const orders: Order[] = [];
  let tokensIssued = 0;

  const bearer = (request: FastifyRequest) => /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
  const liveToken = (request: FastifyRequest) => {
    const token = tokens.get(bearer(request) ?? '');
    return token && token.expiresAt > options.clock.now() ? token : undefined;
  };

  function routes(app: FastifyInstance): void {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) =>
      fail(
        reply,
        error.statusCode ?? 500,
        error.statusCode && error.statusCode < 500 ? 'bad_request' : 'internal_error',
        error.message,
      ),
    );

    app.post(`${PAYWAY_PREFIX}${PAYWAY_PATHS.token}`, async (request, reply) => {
      const form = (request.body ?? {}) as Record<string, string | undefined>;
      if (form.grant_type !== 'client_credentials') {
        return fail(reply, 400, 'unsupported_grant_type', 'grant_type must be client_credentials');
      }
      if (form.client_id !== options.clientId || form.client_secret !== options.clientSecret) {
        return fail(reply, 401, 'invalid_client', 'Unknown client or wrong client secret');
      }
      const requested = form.scope?.split(' ').filter(Boolean) ?? CLIENT_SCOPES;
      const refused = requested.filter((scope) => !CLIENT_SCOPES.includes(scope));
      if (refused.length > 0)
        return fail(reply, 400, 'invalid_scope', `The client may not ask for the scope ${refused.join(' ')}`);
      const accessToken = randomBytes(24).toString('hex');
      tokens.set(accessToken, { scopes: requested, expiresAt: options.clock.now() + TOKEN_LIFETIME_SECONDS * 1000 });
      tokensIssued += 1;
      return {
        access_token: accessToken,
        token_type: 'bearer',
        expires_in: TOKEN_LIFETIME_SECONDS,
        scope: requested.join(' '),
      };
    });

    app.post(`${PAYWAY_PREFIX}${PAYWAY_PATHS.createGiftOrder}`, async (request, reply) => {
      if (!liveToken(request)?.scopes.includes(PAYWAY_WRITE_SCOPE)) {
        return fail(
          reply,
          403,
          'insufficient_scope',
          `The access token does not grant the scope ${PAYWAY_WRITE_SCOPE}`,
        );
      }
      const parsed = createBody.safeParse(request.body);
      if (!parsed.success) {
        const errors = parsed.error.issues.map((issue) => ({
          field: issue.path.join('.') || '(body)',
          message: issueMessage(issue),
        }));
        return reply.code(400).send({
          message: errors.map((e) => `${e.field} ${e.message}`).join('; '),
          code: 'validation_failed',
          errors,
        } satisfies PaywayError);
      }
      const body = parsed.data;
      if (body.giver_account_id && body.giver_account_id.toLowerCase() !== paywaySeed.accounts.giver) {
        return fail(reply, 422, 'account_not_found', `No account with id ${body.giver_account_id}`);
      }
      const campaign = campaigns.find((c) => c.productCode === body.product_code);
      if (!campaign)
        return fail(reply, 422, 'product_not_found', `No package or campaign with product_code ${body.product_code}`);
      if (!campaign.soldAsGift) {
        return fail(
          reply,
          422,
          'campaign_not_sold_as_gift',
          `The campaign ${body.product_code} is not configured to be sold as a gift (campaign gift rules)`,
        );
      }
      const method = periodMethod(campaign.periods, body.period_id);
      if (!method)
        return fail(reply, 422, 'period_not_found', `No period ${body.period_id} in the campaign ${body.product_code}`);
      if (method !== 'invoice' && method !== 'free') {
        return fail(
          reply,
          422,
          'payment_method_not_supported',
          `Gift orders support only the payment methods invoice and free; period ${body.period_id} is paid by ${method}`,
        );
      }
      const number = 1000 + orders.length + 1;
      const order: Order = {
        id: `ADEPRIMO-${number}`,
        order_id: `ADEPRIMO-${number}`,
        payment_id: randomBytes(9).toString('hex').toUpperCase(),
        merchant_reference: body.merchant_reference ?? null,
        product_code: body.product_code,
        period_id: body.period_id,
        payment_method: method,
        giver_account_id: body.giver_account_id ?? null,
        giver_email: body.giver_email ?? null,
        created_at: new Date(options.clock.now()).toISOString(),
      };
      orders.push(order);
      return reply.code(201).send({ id: order.id, order_id: order.order_id, payment_id: order.payment_id });
    });
  }

  return {
    name: 'payway',
    // The token endpoint authenticates the client itself; every other route needs a live token.
    isAuthorized: (request) =>
      request.url.split('?')[0] === `${PAYWAY_PREFIX}${PAYWAY_PATHS.token}` || liveToken(request) !== undefined,
    unauthorizedBody: {
      message: 'The access token is missing, invalid or expired',
      code: 'invalid_token',
    } satisfies PaywayError,
    routes,
    ledger: () => ({ orders: orders.map((order) => ({ ...order })), tokensIssued }),
    reset: () => {
      tokens.clear();
      orders.length = 0;
      tokensIssued = 0;
    },
  };
}

function fail(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ message, code } satisfies PaywayError);
}

/** Rails-style wording: the field name comes first, so the message reads "period_id is invalid". */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'custom' || issue.code === 'too_big' || issue.code === 'invalid_format') return issue.message;
  if (issue.code === 'invalid_type' && issue.input === undefined) return "can't be blank";
  if (issue.code === 'too_small') return "can't be blank";
  return 'is invalid';
}
