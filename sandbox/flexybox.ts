/**
 * Flexybox in the sandbox: CRM customers, POS gift-certificate sales orders and the API's
 * department list, as documented in provider-docs/flexybox-gift-certificate-order.txt.
 * The guide shows requests only; the response bodies here are the sandbox's choice, and the
 * commit's can be switched off (SandboxBehaviour.flexyboxCommitNoContent).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  FLEXYBOX_ERRORS,
  FLEXYBOX_PATHS,
  flexyboxCommitRequest,
  flexyboxCustomerRequest,
  flexyboxSalesOrderRequest,
  type flexyboxCustomerResponse,
  type FlexyboxError,
} from '../contracts/flexybox-wire';
import { currencyExponent, fromMinorUnits, toMinorUnits } from '../contracts/money';
import { sandboxRoute, type SandboxBehaviour, type SandboxProvider } from './provider';

/** Where each Flexybox API is mounted; the documented paths follow these. */
export const FLEXYBOX_PREFIXES = {
  crm: '/flexybox/crm/api/v2',
  pos: '/flexybox/pos/api/v1',
  api: '/flexybox/api/api/v2',
} as const;

const hotelNordlys = { Id: '6f0f1f9e-3b6a-4c8e-9a51-2d7c0e4b1a01', Name: 'Hotel Nordlys' };
const spaFjord = { Id: 'b2c4e6a8-5d1f-4e3a-8b7c-9f0a1d2e3c02', Name: 'Spa Fjord' };

/** The fixed catalog every sandbox starts with (and keeps across resets). */
export const flexyboxSeed = {
  departments: { hotelNordlys, spaFjord },
  giftCertificateTypes: {
    gavekort: { Id: '0d6b8f3a-1c2e-4f5a-9b8c-7d6e5f4a3b10', Name: 'Gavekort', DepartmentId: null, IsActive: true },
    spaOplevelse: {
      Id: '1e7c9a4b-2d3f-4a6b-8c9d-0e1f2a3b4c20',
      Name: 'Spa-oplevelse',
      DepartmentId: spaFjord.Id,
      IsActive: true,
    },
    julegavekortHotel: {
      Id: '2f8dab5c-3e4a-4b7c-9dae-1f2a3b4c5d30',
      Name: 'Julegavekort',
      DepartmentId: hotelNordlys.Id,
      IsActive: true,
    },
    julegavekortSpa: {
      Id: '3a9ebc6d-4f5b-4c8d-8ebf-2a3b4c5d6e40',
      Name: 'Julegavekort',
      DepartmentId: spaFjord.Id,
      IsActive: true,
    },
  },
} as const;

const { crm, pos, api } = FLEXYBOX_PREFIXES;
const departments = Object.values(flexyboxSeed.departments);
const giftCertificateTypes = Object.values(flexyboxSeed.giftCertificateTypes);

type Customer = z.infer<typeof flexyboxCustomerRequest> & { Id: string };
type CertificateLine = z.infer<typeof flexyboxSalesOrderRequest>['GiftCertificates']['GiftCertificates'][number];
interface Payment {
  Id: string;
  Type: string;
  Amount: number;
}
interface IssuedGiftCertificate {
  Number: string;
  GiftCertificateTypeId: string;
  Amount: number;
}
interface SalesOrder {
  Id: string;
  CustomerId: string;
  DepartmentId: string;
  Currency: string;
  DebitMethod: string;
  State: 'Open' | 'Committed';
  Total: number;
  GiftCertificates: CertificateLine[];
  Payments: Payment[];
  IssuedGiftCertificates: IssuedGiftCertificate[];
}

/** Creates a Flexybox sandbox whose every endpoint requires `Authorization: Bearer <token>`. */
export function createFlexyboxSandbox(options: {
  token: string;
  /** Read on every request; the server's control route changes it. */
  behaviour: Readonly<SandboxBehaviour>;
}): SandboxProvider {
  const customers = new Map<string, { customer: Customer; upserts: number }>();
  const salesOrders = new Map<string, { order: SalesOrder; puts: number }>();
  const payments = new Map<string, Payment & { salesOrderId: string }>();
  let certificatesIssued = 0;

  function routes(app: FastifyInstance): void {
    app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) =>
      fail(reply, error.statusCode ?? 500, error.message),
    );

    app.put<{ Params: { customerId: string } }>(
      sandboxRoute(crm, FLEXYBOX_PATHS.crm.customer),
      async (request, reply) => {
        const body = parse(flexyboxCustomerRequest, request.body);
        if (typeof body === 'string') return fail(reply, 400, body);
        const customer: Customer = { Id: request.params.customerId, ...body };
        const upserts = (customers.get(customer.Id)?.upserts ?? 0) + 1;
        customers.set(customer.Id, { customer, upserts });
        return customer satisfies z.input<typeof flexyboxCustomerResponse>;
      },
    );

    app.get(sandboxRoute(pos, FLEXYBOX_PATHS.pos.certificateTypes), async (request) => ({
      '@odata.context': `${request.protocol}://${request.host}${pos}/odata/$metadata#GiftCertificateTypes`,
      value: giftCertificateTypes,
    }));

    app.put(sandboxRoute(pos, FLEXYBOX_PATHS.pos.salesOrders), async (request, reply) => {
      const body = parse(flexyboxSalesOrderRequest, request.body);
      if (typeof body === 'string') return fail(reply, 400, body);
      if (!customers.has(body.CustomerId))
        return fail(reply, 400, FLEXYBOX_ERRORS.unknown('CustomerId', body.CustomerId));
      if (!departments.some((d) => d.Id === body.DepartmentId)) {
        return fail(reply, 400, FLEXYBOX_ERRORS.unknown('DepartmentId', body.DepartmentId));
      }
      const lines = body.GiftCertificates.GiftCertificates;
      const unknownType = lines.find((line) => !giftCertificateTypes.some((t) => t.Id === line.GiftCertificateTypeId));
      if (unknownType)
        return fail(reply, 400, FLEXYBOX_ERRORS.unknown('GiftCertificateTypeId', unknownType.GiftCertificateTypeId));
      const decimals = currencyExponent(body.Currency.toUpperCase());
      if (lines.some((line) => toMinorUnits(line.Price, decimals) === undefined)) {
        return fail(reply, 400, FLEXYBOX_ERRORS.priceDecimals(decimals, body.Currency));
      }
      const existing = salesOrders.get(body.Id);
      if (existing?.order.State === 'Committed') {
        return fail(reply, 409, FLEXYBOX_ERRORS.committed(body.Id));
      }
      const order: SalesOrder = {
        Id: body.Id,
        CustomerId: body.CustomerId,
        DepartmentId: body.DepartmentId,
        Currency: body.Currency,
        DebitMethod: body.DebitMethod,
        State: 'Open',
        // In minor units, as a ledger sums: a float sum of 0.1 + 0.2 is not 0.3.
        Total: fromMinorUnits(
          lines.reduce((sum, line) => sum + line.Quantity * toMinorUnits(line.Price, decimals)!, 0),
          decimals,
        ),
        GiftCertificates: lines,
        Payments: [],
        IssuedGiftCertificates: [],
      };
      salesOrders.set(order.Id, { order, puts: (existing?.puts ?? 0) + 1 });
      return order;
    });

    app.post<{ Params: { salesOrderId: string } }>(
      sandboxRoute(pos, FLEXYBOX_PATHS.pos.commit),
      async (request, reply) => {
        const entry = salesOrders.get(request.params.salesOrderId);
        if (!entry) return fail(reply, 404, FLEXYBOX_ERRORS.salesOrderNotFound(request.params.salesOrderId));
        const body = parse(flexyboxCommitRequest, request.body);
        if (typeof body === 'string') return fail(reply, 400, body);
        const { order } = entry;
        // The guide shows no response body: the pessimistic switch answers 204 without one,
        // so a client learns that the order is committed but not its certificate numbers.
        const committed = () => (options.behaviour.flexyboxCommitNoContent ? reply.code(204).send() : order);
        // Duplicate ExternalPayment.Id posts are ignored, which makes a repeated commit a no-op.
        const fresh = new Map<string, Payment>();
        for (const { ExternalPayment: payment } of body.Payments) {
          if (!payments.has(payment.Id)) fresh.set(payment.Id, payment);
        }
        if (order.State === 'Committed') {
          return fresh.size === 0 ? committed() : fail(reply, 409, FLEXYBOX_ERRORS.alreadyCommitted(order.Id));
        }
        const decimals = currencyExponent(order.Currency.toUpperCase());
        const paid = [...fresh.values()].reduce<number | undefined>((sum, payment) => {
          const minor = toMinorUnits(payment.Amount, decimals);
          return sum === undefined || minor === undefined ? undefined : sum + minor;
        }, 0);
        if (paid !== toMinorUnits(order.Total, decimals)) {
          const amount =
            paid === undefined
              ? [...fresh.values()].map((payment) => payment.Amount).join(' + ')
              : fromMinorUnits(paid, decimals);
          return fail(reply, 400, FLEXYBOX_ERRORS.paymentMismatch(amount, order.Total));
        }
        for (const payment of fresh.values()) {
          payments.set(payment.Id, { ...payment, salesOrderId: order.Id });
          order.Payments.push(payment);
        }
        for (const line of order.GiftCertificates) {
          for (let unit = 0; unit < line.Quantity; unit++) {
            certificatesIssued += 1;
            const number = String(100_000_000_000 + certificatesIssued);
            order.IssuedGiftCertificates.push({
              Number: number,
              GiftCertificateTypeId: line.GiftCertificateTypeId,
              Amount: line.Price,
            });
          }
        }
        order.State = 'Committed';
        return committed();
      },
    );

    app.get(sandboxRoute(api, FLEXYBOX_PATHS.api.departments), async () => departments);
  }

  return {
    name: 'flexybox',
    isAuthorized: (request) => request.headers.authorization === `Bearer ${options.token}`,
    unauthorizedBody: { Message: FLEXYBOX_ERRORS.unauthorized } satisfies FlexyboxError,
    routes,
    ledger: () => ({
      customers: [...customers.values()].map(({ customer, upserts }) => ({
        id: customer.Id,
        fullName: customer.FullName,
        email: customer.EmailAddress,
        upserts,
      })),
      salesOrders: [...salesOrders.values()].map(({ order, puts }) => ({
        id: order.Id,
        customerId: order.CustomerId,
        departmentId: order.DepartmentId,
        total: order.Total,
        state: order.State,
        puts,
      })),
      payments: [...payments.values()].map((p) => ({
        id: p.Id,
        salesOrderId: p.salesOrderId,
        type: p.Type,
        amount: p.Amount,
      })),
      giftCertificates: [...salesOrders.values()].flatMap(({ order }) =>
        order.IssuedGiftCertificates.map((c) => ({
          number: c.Number,
          salesOrderId: order.Id,
          giftCertificateTypeId: c.GiftCertificateTypeId,
          amount: c.Amount,
        })),
      ),
    }),
    reset: () => {
      customers.clear();
      salesOrders.clear();
      payments.clear();
      certificatesIssued = 0;
    },
  };
}

function fail(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ Message: message } satisfies FlexyboxError);
}

/** Parses a body, or returns the first problem worded like Flexybox's model validation. */
function parse<T>(schema: z.ZodType<T>, body: unknown): T | string {
  const result = schema.safeParse(body, {
    error: (issue) => {
      const field = fieldName(issue.path ?? []);
      if (!field) return FLEXYBOX_ERRORS.notAnObject;
      const blank = issue.input == null || (typeof issue.input === 'string' && issue.input.trim() === '');
      return blank ? FLEXYBOX_ERRORS.required(field) : FLEXYBOX_ERRORS.invalid(field);
    },
  });
  return result.success ? result.data : result.error.issues[0].message;
}

/** `Payments[0].ExternalPayment.Id`, as ASP.NET names a nested field. */
function fieldName(path: PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}
