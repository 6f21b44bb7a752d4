/**
 * Flexybox activities: one per call of the seed guide (CRM customer, certificate types,
 * departments, sales order, commit). They describe requests; transport, auth and failure
 * classification live in the shared HTTP layer.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { GiftflowConfig } from '../config';
import { FAILURE_TYPES } from '../contracts/shared';
import type { FlexyboxCustomer, ResolvedCertificateLine } from '../contracts/flexybox';
import {
  FLEXYBOX_PATHS,
  flexyboxCertificateTypesResponse,
  flexyboxCommitResponse,
  flexyboxCustomerResponse,
  flexyboxDepartmentsResponse,
  flexyboxSalesOrderResponse,
  isCommittedRefusal,
} from '../contracts/flexybox-wire';
import { currencyScale, MAX_EXPONENT } from '../contracts/money';
import { providerAmount, totalOf } from './amounts';
import { withoutEchoes } from './echoes';
import { earlierRuns } from './earlier-runs';
import { currentAttempt, ProviderClient } from './http';

export interface CertificateRequest {
  type: string;
  quantity: number;
  price: number;
}

/** Creates the Flexybox activities bound to one configuration. */
export function createFlexyboxActivities(config: GiftflowConfig) {
  const { crmUrl, posUrl, apiUrl } = config.flexybox;
  const flexybox = new ProviderClient({
    provider: 'flexybox',
    timeouts: config.http,
    authHeaders: () => ({ authorization: `Bearer ${config.flexybox.token}` }),
    credentialVariable: 'FLEXYBOX_TOKEN',
    secrets: () => [config.flexybox.token],
  });

  return {
    /** Lists the gift-certificate types and resolves each requested type (ID, or a name that names exactly one type). */
    async resolveFlexyboxCertificateTypes(
      lines: CertificateRequest[],
    ): Promise<{ lines: ResolvedCertificateLine[]; attempt: number }> {
      const { value: types } = await flexybox.call({
        step: 'resolveCatalog',
        method: 'GET',
        baseUrl: posUrl,
        path: FLEXYBOX_PATHS.pos.certificateTypes,
        response: flexyboxCertificateTypesResponse,
        idempotent: true,
      });
      const resolved = lines.map((line) => {
        const byId = types.find((type) => type.Id.toLowerCase() === line.type.toLowerCase());
        const byName = types.filter((type) => type.Name.toLowerCase() === line.type.trim().toLowerCase());
        const match = byId ?? (byName.length === 1 ? byName[0] : undefined);
        if (!match) {
          const choices = (byName.length > 1 ? byName : types).map((type) => `${type.Name} (${type.Id})`).join(', ');
          const problem =
            byName.length > 1
              ? `names ${byName.length} gift-certificate types; use one of their IDs`
              : 'is not a gift-certificate type';
          throw ApplicationFailure.create({
            type: FAILURE_TYPES.rejected,
            message: `flexybox step 'resolveCatalog': certificate type '${line.type}' ${problem}. Choices: ${choices}`,
            nonRetryable: true,
          });
        }
        return { typeId: match.Id, typeName: match.Name, quantity: line.quantity, price: line.price };
      });
      return { lines: resolved, attempt: currentAttempt() };
    },

    /** Lists the departments and checks that the order's department is one of them. */
    async checkFlexyboxDepartment(departmentId: string): Promise<{ departmentName: string; attempt: number }> {
      const departments = await flexybox.call({
        step: 'resolveCatalog',
        method: 'GET',
        baseUrl: apiUrl,
        path: FLEXYBOX_PATHS.api.departments,
        response: flexyboxDepartmentsResponse,
        idempotent: true,
      });
      const department = departments.find((d) => d.Id.toLowerCase() === departmentId.toLowerCase());
      if (!department) {
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.rejected,
          message: `flexybox step 'resolveCatalog': department '${departmentId}' is not one of Flexybox's departments. Choices: ${departments
            .map((d) => `${d.Name} (${d.Id})`)
            .join(', ')}`,
          nonRetryable: true,
        });
      }
      return { departmentName: department.Name, attempt: currentAttempt() };
    },

    /** Creates or updates the CRM customer under the workflow-derived ID (PUT is keyed by the URL ID). */
    async upsertFlexyboxCustomer(args: {
      customerId: string;
      customer: FlexyboxCustomer;
    }): Promise<{ attempt: number }> {
      const body = flexyboxCustomerBody(args.customer);
      await withoutEchoes(body, () =>
        flexybox.call({
          step: 'upsertCustomer',
          method: 'PUT',
          baseUrl: crmUrl,
          path: FLEXYBOX_PATHS.crm.customer,
          params: { customerId: args.customerId },
          body,
          response: flexyboxCustomerResponse,
          idempotent: true,
        }),
      );
      return { attempt: currentAttempt() };
    },

    /** Creates (or, on a repeat, replaces) the open sales order keyed by the workflow-derived Id. */
    async createFlexyboxSalesOrder(
      args: Parameters<typeof flexyboxSalesOrderBody>[0],
    ): Promise<{ total: number; attempt: number; alreadyCommitted?: true }> {
      const order = await flexybox.call<{ Total: number } | typeof ALREADY_COMMITTED>({
        step: 'createSalesOrder',
        method: 'PUT',
        baseUrl: posUrl,
        path: FLEXYBOX_PATHS.pos.salesOrders,
        body: flexyboxSalesOrderBody(args),
        response: flexyboxSalesOrderResponse(currencyScale(args.currency)),
        idempotent: true,
        // A run after a reset or re-run finds the sales order committed by an earlier run:
        // that is this order, paid; the commit that follows is a no-op for its payment Id.
        recover: (status, body) =>
          status >= 400 && status < 500 && isCommittedRefusal(body) ? ALREADY_COMMITTED : undefined,
      });
      if (order !== ALREADY_COMMITTED) return { total: order.Total, attempt: currentAttempt() };
      return {
        total: await committedTotal(args.lines, args.currency),
        attempt: currentAttempt(),
        alreadyCommitted: true,
      };
    },

    /**
     * Commits the sales order with one external payment; Flexybox ignores a repeated payment Id.
     * `issuedCertificates` is null when Flexybox answered without a body: committed, numbers unknown.
     */
    async commitFlexyboxSalesOrder(args: {
      salesOrderId: string;
      payment: { id: string; type: string; amount: number };
    }): Promise<{ issuedCertificates: { number: string; typeId: string; amount: number }[] | null; attempt: number }> {
      const committed = await flexybox.call({
        step: 'commitSalesOrder',
        method: 'POST',
        baseUrl: posUrl,
        path: FLEXYBOX_PATHS.pos.commit,
        params: { salesOrderId: args.salesOrderId },
        body: flexyboxCommitBody(args.payment),
        response: flexyboxCommitResponse,
        idempotent: true,
      });
      return {
        issuedCertificates:
          committed?.IssuedGiftCertificates.map((c) => ({
            number: c.Number,
            typeId: c.GiftCertificateTypeId,
            amount: c.Amount,
          })) ?? null,
        attempt: currentAttempt(),
      };
    },
  };
}

const ALREADY_COMMITTED = Symbol('sales order already committed');

/**
 * The total of a sales order an earlier run of this order created and committed: Flexybox's
 * own figure as that run saw it, else the sum of the lines (what Flexybox charges for them).
 */
async function committedTotal(lines: ResolvedCertificateLine[], currency: string): Promise<number> {
  const { sends } = await earlierRuns('createFlexyboxSalesOrder');
  const seen = sends.find(
    (send) => send.outcome === 'completed' && typeof (send.result as { total?: unknown }).total === 'number',
  );
  if (seen) return (seen.result as { total: number }).total;
  return totalOf(
    lines.map((line) => ({ quantity: line.quantity, amount: line.price })),
    currencyScale(currency),
    'price',
  );
}

/*
 * The request bodies, as pure functions of the order (no clock, no randomness, no I/O), so
 * the same order always sends the same bytes: every attempt, every worker, every replay.
 * Fields and nulls as the seed guide's examples show them; amounts exact (./amounts.ts).
 */

/** PUT /customers/{customerId}: the CRM customer who receives the receipt. */
export function flexyboxCustomerBody(customer: FlexyboxCustomer) {
  return {
    FullName: customer.fullName,
    BirthDate: customer.birthDate ?? null,
    Gender: customer.gender ?? null,
    DepartmentId: null,
    EmailAddress: customer.email,
    PhoneNumber: customer.phoneNumber ?? null,
    StreetAddress: customer.streetAddress ?? null,
    PostalDistrict: customer.postalDistrict ?? null,
    PostalCode: customer.postalCode ?? null,
    CountryCode: customer.countryCode,
  };
}

/** PUT /salesorders: prices in the order's currency, at its ISO 4217 decimals. */
export function flexyboxSalesOrderBody(args: {
  salesOrderId: string;
  customerId: string;
  departmentId: string;
  lines: ResolvedCertificateLine[];
  currency: string;
  debitMethod: string;
}) {
  const scale = currencyScale(args.currency);
  return {
    GiftDetails: null,
    Id: args.salesOrderId,
    GiftCertificates: {
      GiftCertificates: args.lines.map((line) => ({
        GiftCertificateTypeId: line.typeId,
        Quantity: line.quantity,
        Price: providerAmount(line.price, scale, 'price'),
        Checksum: null,
      })),
    },
    CustomerId: args.customerId,
    DepartmentId: args.departmentId,
    AcceptUri: null,
    CancelUri: null,
    RequireSubscription: false,
    Currency: args.currency,
    DebitMethod: args.debitMethod,
  };
}

/**
 * POST /salesorders/{id}/commit with one external payment of the order's total. The total is
 * Flexybox's own (checked exact at the currency's decimals when it answered) or an exact sum;
 * the commit does not carry the currency, so here it is checked against the most decimals any
 * currency has.
 */
export function flexyboxCommitBody(payment: { id: string; type: string; amount: number }) {
  const amount = providerAmount(
    payment.amount,
    { decimals: MAX_EXPONENT, of: 'any ISO 4217 currency' },
    'payment amount',
  );
  return {
    Payments: [
      {
        AccountFlowId: null,
        OnlinePaymentKey: null,
        ExternalPayment: { Id: payment.id, Type: payment.type, Amount: amount },
      },
    ],
  };
}
