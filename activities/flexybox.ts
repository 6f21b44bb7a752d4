/**
 * Flexybox activities: one per call of the seed guide (CRM customer, certificate types,
 * departments, sales order, commit). They describe requests; transport, auth and failure
 * classification live in the shared HTTP layer.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { GiftflowConfig } from '../config';
import { FAILURE_TYPES } from '../contracts/shared';
import type { FlexyboxCustomer, ResolvedCertificateLine } from '../contracts/flexybox';
import { currentAttempt, ProviderClient } from './http';

const certificateTypesResponse = z.object({
  value: z.array(z.looseObject({ Id: z.string(), Name: z.string() })),
});
const departmentsResponse = z.array(z.looseObject({ Id: z.string(), Name: z.string() }));
const customerResponse = z.looseObject({ Id: z.string() });
const salesOrderResponse = z.looseObject({ Id: z.string(), Total: z.number() });
const commitResponse = z.looseObject({
  Id: z.string(),
  State: z.literal('Committed'),
  IssuedGiftCertificates: z
    .array(z.looseObject({ Number: z.string(), GiftCertificateTypeId: z.string(), Amount: z.number() }))
    .default([]),
});

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
    async resolveFlexyboxCertificateTypes(lines: CertificateRequest[]): Promise<{ lines: ResolvedCertificateLine[]; attempt: number }> {
      const { value: types } = await flexybox.call({
        step: 'resolveCatalog',
        method: 'GET',
        baseUrl: posUrl,
        path: '/odata/giftcertificatetypes',
        response: certificateTypesResponse,
        idempotent: true,
      });
      const resolved = lines.map((line) => {
        const byId = types.find((type) => type.Id.toLowerCase() === line.type.toLowerCase());
        const byName = types.filter((type) => type.Name.toLowerCase() === line.type.trim().toLowerCase());
        const match = byId ?? (byName.length === 1 ? byName[0] : undefined);
        if (!match) {
          const choices = (byName.length > 1 ? byName : types).map((type) => `${type.Name} (${type.Id})`).join(', ');
          const problem = byName.length > 1 ? `names ${byName.length} gift-certificate types; use one of their IDs` : 'is not a gift-certificate type';
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
        path: '/departments',
        response: departmentsResponse,
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
    async upsertFlexyboxCustomer(args: { customerId: string; customer: FlexyboxCustomer }): Promise<{ attempt: number }> {
      const { customer } = args;
      await flexybox.call({
        step: 'upsertCustomer',
        method: 'PUT',
        baseUrl: crmUrl,
        path: '/customers/{customerId}',
        params: { customerId: args.customerId },
        body: {
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
        },
        response: customerResponse,
        idempotent: true,
      });
      return { attempt: currentAttempt() };
    },

    /** Creates (or, on a repeat, replaces) the open sales order keyed by the workflow-derived Id. */
    async createFlexyboxSalesOrder(args: {
      salesOrderId: string;
      customerId: string;
      departmentId: string;
      lines: ResolvedCertificateLine[];
      currency: string;
      debitMethod: string;
    }): Promise<{ total: number; attempt: number }> {
      const order = await flexybox.call({
        step: 'createSalesOrder',
        method: 'PUT',
        baseUrl: posUrl,
        path: '/salesorders',
        body: {
          GiftDetails: null,
          Id: args.salesOrderId,
          GiftCertificates: {
            GiftCertificates: args.lines.map((line) => ({
              GiftCertificateTypeId: line.typeId,
              Quantity: line.quantity,
              Price: line.price,
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
        },
        response: salesOrderResponse,
        idempotent: true,
      });
      return { total: order.Total, attempt: currentAttempt() };
    },

    /** Commits the sales order with one external payment; Flexybox ignores a repeated payment Id. */
    async commitFlexyboxSalesOrder(args: {
      salesOrderId: string;
      payment: { id: string; type: string; amount: number };
    }): Promise<{ issuedCertificates: { number: string; typeId: string; amount: number }[]; attempt: number }> {
      const committed = await flexybox.call({
        step: 'commitSalesOrder',
        method: 'POST',
        baseUrl: posUrl,
        path: '/salesorders/{salesOrderId}/commit',
        params: { salesOrderId: args.salesOrderId },
        body: {
          Payments: [
            {
              AccountFlowId: null,
              OnlinePaymentKey: null,
              ExternalPayment: { Id: args.payment.id, Type: args.payment.type, Amount: args.payment.amount },
            },
          ],
        },
        response: commitResponse,
        idempotent: true,
      });
      return {
        issuedCertificates: committed.IssuedGiftCertificates.map((c) => ({ number: c.Number, typeId: c.GiftCertificateTypeId, amount: c.Amount })),
        attempt: currentAttempt(),
      };
    },
  };
}

export type FlexyboxActivities = ReturnType<typeof createFlexyboxActivities>;
