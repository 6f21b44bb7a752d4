/**
 * CP Extender in the sandbox: the five Giftcard endpoints and the Authorize controller, as
 * documented in provider-docs/cp-extender-giftcard.txt and cp-extender-authorize.md.
 *
 * Choices where the documents are silent (each marked "sandbox choice" below): error bodies
 * are `{ Message }`; Authorize on an unknown card answers 404 `Id not found`; Authorize holds
 * at most the available balance (AuthorizedAmount may be lower than requested); a point is
 * worth 0.01 (the Create example pays a value of 50 with 5000 points); Confirm or Cancel of
 * an unknown authorization answers 404 `Authorization Not Found`; repeating the same Confirm
 * or Cancel is a no-op 204, and the opposite call after one of them answers 400.
 *
 * Two of these choices have a pessimistic alternative behind a behaviour switch (see
 * SandboxBehaviour): BalanceCheck's `History[].Document` null, and Create's order of checks.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  CPEXTENDER_ERRORS,
  CPEXTENDER_PATHS,
  type CpExtenderAnswers,
  type CpExtenderError,
  type CpExtenderRequests,
} from '../contracts/cpextender-wire';
import type { SandboxClock } from './clock';
import { renderCertificate } from './cpextender-certificate';
import { sandboxRoute, type SandboxBehaviour, type SandboxProvider } from './provider';

export const CPEXTENDER_PREFIX = '/cpextender';
const SINGLE_RESERVATION_MS = 60 * 60 * 1000;
const LOCATION = 'giftflow sandbox';

/** Customers, gift-card codes and pre-existing cards every sandbox starts with (kept across resets). */
export const cpExtenderSeed = {
  customers: ['2059378440', '3141592653'],
  /** `fixedValue`: the code does not allow a value change. */
  codes: { GC: { fixedValue: null }, GC50: { fixedValue: 50 } } as Record<string, { fixedValue: number | null }>,
  cards: {
    voided: { Id: 'WEB-0000000000000001', Status: 'voided', Balance: 25 },
    expired: { Id: 'WEB-0000000000000002', Status: 'expired', Balance: 25 },
    empty: { Id: 'WEB-0000000000000003', Status: 'active', Balance: 0 },
  },
} as const;

interface Reservation {
  id: string;
  requestName: string | null;
  requestType: 'single' | 'pool';
  agency: string;
  reservedAt: number;
  /** Null for pool reservations, which do not expire. */
  expiresAt: number | null;
  used: boolean;
}

// A type, not an interface: it must fit the wire module's loose History entries.
type HistoryEntry = {
  Activity: 'Issued' | 'Authorized' | 'Redeemed' | 'Authorization Cancelled';
  Date: string;
  Amount: number;
  Location: string;
  Document: string | null;
};

interface Card {
  Id: string;
  Status: string;
  Balance: number;
  OpenAuthorizations: number;
  History: HistoryEntry[];
  customerNumber: string | null;
  code: string | null;
  saleId: string | null;
  pointsToRedeem: string | null;
  seeded: boolean;
}

interface Authorization {
  authCode: string;
  requestId: string;
  ref: string;
  saleId: string;
  amount: number;
  state: 'open' | 'confirmed' | 'cancelled';
}

/** A request body as received: the documented fields (contracts/cpextender-wire.ts), each still to be checked. */
type Body<T> = { [K in keyof T]?: unknown };
const route = (path: string) => sandboxRoute(CPEXTENDER_PREFIX, path);

/** Creates a CP Extender sandbox whose every endpoint requires `Authorization: Bearer <token>`. */
export function createCpExtenderSandbox(options: {
  token: string;
  clock: SandboxClock;
  poolBatchMax: number;
  /** Read on every request; the server's control route changes it. */
  behaviour: Readonly<SandboxBehaviour>;
}): SandboxProvider {
  const { clock, behaviour } = options;
  const reservations = new Map<string, Reservation>();
  const cards = new Map<string, Card>();
  const authorizations = new Map<string, Authorization>();

  function seed(): void {
    for (const card of Object.values(cpExtenderSeed.cards)) {
      cards.set(card.Id, {
        ...card,
        OpenAuthorizations: 0,
        History: [],
        customerNumber: null,
        code: null,
        saleId: null,
        pointsToRedeem: null,
        seeded: true,
      });
    }
  }
  seed();

  const today = () => {
    const date = new Date(clock.now());
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}/${date.getUTCFullYear()}`;
  };
  const history = (card: Card, Activity: HistoryEntry['Activity'], Amount: number, Document: string | null) =>
    card.History.push({ Activity, Date: today(), Amount, Location: LOCATION, Document });

  function freshId(prefix: string, digits: number): string {
    for (;;) {
      const id = prefix + Array.from({ length: digits }, (_, i) => randomInt(i === 0 ? 1 : 0, 10)).join('');
      if (!reservations.has(id) && !cards.has(id)) return id;
    }
  }

  function isReserved(id: string): boolean {
    const reservation = reservations.get(id);
    return (
      !!reservation && !reservation.used && (reservation.expiresAt === null || clock.now() < reservation.expiresAt)
    );
  }

  function routes(app: FastifyInstance): void {
    app.setErrorHandler((error: { statusCode?: number }, _request, reply) =>
      (error.statusCode ?? 500) < 500
        ? fail(reply, 400, CPEXTENDER_ERRORS.badRequest)
        : fail(reply, 500, CPEXTENDER_ERRORS.internal),
    );

    app.post(route(CPEXTENDER_PATHS.reserveIds), async (request, reply) => {
      const body = asBody<CpExtenderRequests['reserveIds']>(request.body);
      const type = body?.RequestType ?? 'single';
      const name = body?.RequestName ?? null;
      if (
        !body ||
        !isText(body.Agency) ||
        (type !== 'single' && type !== 'pool') ||
        (name !== null && typeof name !== 'string')
      ) {
        return fail(reply, 400, 'Bad Request');
      }
      let count = 1;
      if (type === 'pool') {
        if (typeof body.PoolCount !== 'number' || !Number.isInteger(body.PoolCount) || body.PoolCount < 1)
          return fail(reply, 400, 'Bad Request');
        // Documented: a larger PoolCount is silently reduced to the batch maximum.
        count = Math.min(body.PoolCount, options.poolBatchMax);
      }
      const now = clock.now();
      const GiftCards = Array.from({ length: count }, () => {
        const id = freshId('99-', 17);
        reservations.set(id, {
          id,
          requestName: name || new Date(now).toISOString(),
          requestType: type,
          agency: body.Agency as string,
          reservedAt: now,
          expiresAt: type === 'single' ? now + SINGLE_RESERVATION_MS : null,
          used: false,
        });
        return id;
      });
      return { GiftCards } satisfies CpExtenderAnswers['reserveIds'];
    });

    app.post(route(CPEXTENDER_PATHS.create), async (request, reply) => {
      const body = asBody<CpExtenderRequests['create']>(request.body);
      const optionalText = (value: unknown) =>
        value === undefined || value === null || isText(value) || typeof value === 'number';
      if (
        !body ||
        !isText(body.CustomerNumber) ||
        !isText(body.GiftCardCode) ||
        typeof body.GiftCardValue !== 'number' ||
        !(body.GiftCardId === undefined || body.GiftCardId === null || isText(body.GiftCardId)) ||
        !optionalText(body.SaleId) ||
        !optionalText(body.PointsToRedeem)
      ) {
        return fail(reply, 400, 'Bad Request');
      }
      const saleId = body.SaleId == null ? null : String(body.SaleId);
      const points = body.PointsToRedeem == null ? null : String(body.PointsToRedeem);
      if (saleId === null && points === null) return fail(reply, 400, CPEXTENDER_ERRORS.saleIdRequired);
      if (body.GiftCardValue <= 0) return fail(reply, 400, CPEXTENDER_ERRORS.valueNotPositive);
      const code = cpExtenderSeed.codes[body.GiftCardCode];
      if (!code) return fail(reply, 404, CPEXTENDER_ERRORS.codeNotFound);
      if (code.fixedValue !== null && code.fixedValue !== body.GiftCardValue)
        return fail(reply, 400, CPEXTENDER_ERRORS.fixedValue);
      if (!(cpExtenderSeed.customers as readonly string[]).includes(body.CustomerNumber))
        return fail(reply, 404, CPEXTENDER_ERRORS.customerNotFound);
      const requestedId = body.GiftCardId as string | null | undefined;
      // Sandbox choice: the documents list both errors (Already Exists first) but not which is
      // checked first. In the listed order a repeat of a Create that landed answers Already Exists;
      // in the pessimistic order it answers Not Reserved, since a used ID is no longer reserved.
      const exists = requestedId && cards.has(requestedId);
      const notReserved = requestedId && !isReserved(requestedId);
      if (behaviour.cpextenderNotReservedFirst && notReserved) return fail(reply, 400, CPEXTENDER_ERRORS.notReserved);
      if (exists) return fail(reply, 400, CPEXTENDER_ERRORS.alreadyExists);
      if (notReserved) return fail(reply, 400, CPEXTENDER_ERRORS.notReserved);

      const id = requestedId || freshId('WEB-', 16);
      if (requestedId) reservations.get(requestedId)!.used = true;
      const card: Card = {
        Id: id,
        Status: 'active',
        Balance: body.GiftCardValue,
        OpenAuthorizations: 0,
        History: [],
        customerNumber: body.CustomerNumber,
        code: body.GiftCardCode,
        saleId,
        pointsToRedeem: points,
        seeded: false,
      };
      history(card, 'Issued', card.Balance, saleId);
      cards.set(id, card);
      return { GiftCard: { Id: id } } satisfies CpExtenderAnswers['create'];
    });

    app.get<{ Params: { id: string } }>(route(CPEXTENDER_PATHS.balanceCheck), async (request, reply) => {
      const card = cards.get(request.params.id);
      if (!card) return fail(reply, 404, CPEXTENDER_ERRORS.idNotFound);
      return {
        GiftCard: {
          Id: card.Id,
          Type: 'giftcard',
          Status: card.Status,
          Balance: card.Balance,
          OpenAuthorizations: card.OpenAuthorizations,
          AvailableBalance: available(card),
          // Sandbox choice: Document echoes the SaleId of the call that wrote the entry; the
          // documented example only ever shows null, which the pessimistic switch answers.
          History: behaviour.cpextenderHistoryDocumentNull
            ? card.History.map((entry) => ({ ...entry, Document: null }))
            : card.History,
        },
      } satisfies CpExtenderAnswers['balanceCheck'];
    });

    app.get<{ Params: { id: string } }>(route(CPEXTENDER_PATHS.certificate), async (request, reply) => {
      const card = cards.get(request.params.id);
      if (!card) return fail(reply, 404, CPEXTENDER_ERRORS.idNotFound);
      const issued = card.History.find((entry) => entry.Activity === 'Issued')?.Amount ?? card.Balance;
      return reply.type('image/jpeg').send(renderCertificate(card.Id, issued));
    });

    app.post(route(CPEXTENDER_PATHS.authorize), async (request, reply) => {
      const body = asBody<CpExtenderRequests['authorize']>(request.body) ?? {};
      const amount =
        typeof body.RequestedAmount === 'number'
          ? body.RequestedAmount
          : typeof body.RequestedPoints === 'number'
            ? body.RequestedPoints / 100
            : null;
      if (!isText(body.Ref) || !isText(body.SaleId) || amount === null || amount <= 0) {
        return fail(reply, 400, CPEXTENDER_ERRORS.authorizeRequired);
      }
      if (body.Type === undefined || body.Type === null || body.Type === '')
        return fail(reply, 400, CPEXTENDER_ERRORS.typeRequired);
      if (body.Type !== 'giftcard') return fail(reply, 400, CPEXTENDER_ERRORS.badRequest);
      const card = cards.get(body.Ref);
      if (!card) return fail(reply, 404, CPEXTENDER_ERRORS.idNotFound);
      if (card.Status === 'voided') return fail(reply, 400, CPEXTENDER_ERRORS.voided);
      if (card.Status === 'expired') return fail(reply, 400, CPEXTENDER_ERRORS.expired);
      if (available(card) <= 0) return fail(reply, 400, CPEXTENDER_ERRORS.noBalance);

      const authorized = cents(Math.min(amount, available(card)));
      const authorization: Authorization = {
        authCode: `GDA${randomUUID().replace(/-/g, '').toUpperCase()}`,
        requestId: randomUUID(),
        ref: card.Id,
        saleId: body.SaleId,
        amount: authorized,
        state: 'open',
      };
      authorizations.set(authorization.authCode, authorization);
      card.OpenAuthorizations = cents(card.OpenAuthorizations + authorized);
      history(card, 'Authorized', authorized, body.SaleId);
      return {
        RequestId: authorization.requestId,
        Type: 'giftcard',
        AuthorizedAmount: authorized,
        AuthCode: authorization.authCode,
      } satisfies CpExtenderAnswers['authorize'];
    });

    for (const action of ['Confirm', 'Cancel'] as const) {
      app.post(
        route(action === 'Confirm' ? CPEXTENDER_PATHS.confirm : CPEXTENDER_PATHS.cancel),
        async (request, reply) => {
          const body = asBody<CpExtenderRequests['close']>(request.body);
          if (!body || !isText(body.Ref) || !isText(body.AuthCode))
            return fail(reply, 400, CPEXTENDER_ERRORS.badRequest);
          const authorization = authorizations.get(body.AuthCode);
          const card = cards.get(body.Ref);
          if (!authorization || !card || authorization.ref !== body.Ref)
            return fail(reply, 404, CPEXTENDER_ERRORS.authorizationNotFound);
          const target = action === 'Confirm' ? 'confirmed' : 'cancelled';
          if (authorization.state === target) return reply.code(204).send();
          if (authorization.state !== 'open')
            return fail(reply, 400, CPEXTENDER_ERRORS.authorizationClosed(authorization.state));
          authorization.state = target;
          card.OpenAuthorizations = cents(card.OpenAuthorizations - authorization.amount);
          if (action === 'Confirm') card.Balance = cents(card.Balance - authorization.amount);
          history(
            card,
            action === 'Confirm' ? 'Redeemed' : 'Authorization Cancelled',
            authorization.amount,
            authorization.saleId,
          );
          return reply.code(204).send();
        },
      );
    }
  }

  return {
    name: 'cpextender',
    isAuthorized: (request) => request.headers.authorization === `Bearer ${options.token}`,
    unauthorizedBody: { Message: CPEXTENDER_ERRORS.unauthorized } satisfies CpExtenderError,
    routes,
    ledger: () => ({
      reservations: [...reservations.values()].map((r) => ({
        ...r,
        expired: r.expiresAt !== null && !r.used && clock.now() >= r.expiresAt,
      })),
      giftCards: [...cards.values()].map((card) => ({
        id: card.Id,
        status: card.Status,
        customerNumber: card.customerNumber,
        code: card.code,
        saleId: card.saleId,
        pointsToRedeem: card.pointsToRedeem,
        balance: card.Balance,
        openAuthorizations: card.OpenAuthorizations,
        availableBalance: available(card),
        seeded: card.seeded,
      })),
      authorizations: [...authorizations.values()],
    }),
    reset: () => {
      reservations.clear();
      cards.clear();
      authorizations.clear();
      seed();
    },
  };
}

function fail(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ Message: message } satisfies CpExtenderError);
}

function asBody<T>(body: unknown): Body<T> | undefined {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Body<T>) : undefined;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

function available(card: Card): number {
  return cents(card.Balance - card.OpenAuthorizations);
}

/**
 * A sum or difference of two-decimal amounts, as the exact amount (contracts/money.ts): the
 * float error of one addition is far below half a cent, so rounding the cents recovers the
 * exact sum, and dividing by 100 gives the number JSON prints as that decimal.
 */
function cents(amount: number): number {
  return Math.round(amount * 100) / 100;
}
