/**
 * Flexybox on the wire (provider-docs/flexybox-gift-certificate-order.txt): the paths of its
 * three APIs, the request bodies as the sandbox checks them, the answers giftflow checks and
 * the error body with its texts. The activities (activities/flexybox.ts) send and read through
 * it and the sandbox (sandbox/flexybox.ts) answers through it, so the two cannot drift apart.
 * The guide shows requests only; the answers are the sandbox's choice (see sandbox/flexybox.ts).
 */
import { z } from 'zod';
import { amountInResponse } from '../activities/amounts';
import type { AmountScale } from './money';

/** Paths after FLEXYBOX_CRM_URL, FLEXYBOX_POS_URL and FLEXYBOX_API_URL. */
export const FLEXYBOX_PATHS = {
  crm: { customer: '/customers/{customerId}' },
  pos: {
    certificateTypes: '/odata/giftcertificatetypes',
    salesOrders: '/salesorders',
    commit: '/salesorders/{salesOrderId}/commit',
  },
  api: { departments: '/departments' },
} as const;

/** Every error answers `{ Message }`, worded like Flexybox's ASP.NET API. */
export interface FlexyboxError {
  Message: string;
}

export const FLEXYBOX_ERRORS = {
  unauthorized: 'Authorization has been denied for this request.',
  notAnObject: 'The request body must be a JSON object.',
  required: (field: string) => `The ${field} field is required.`,
  invalid: (field: string) => `The ${field} field is invalid.`,
  unknown: (field: string, value: string) => `Unknown ${field} '${value}'`,
  priceDecimals: (decimals: number, currency: string) =>
    `The Price field must have at most ${decimals} decimals in ${currency}.`,
  /** A PUT of a sales order once it is committed: the activities recognise it by COMMITTED. */
  committed: (id: string) => `Sales order '${id}' is committed and cannot be changed`,
  alreadyCommitted: (id: string) => `Sales order '${id}' is already committed`,
  salesOrderNotFound: (id: string) => `Sales order '${id}' not found`,
  paymentMismatch: (amount: number | string, total: number) =>
    `Payment amount ${amount} does not match order total ${total}`,
} as const;

/** Matches FLEXYBOX_ERRORS.committed (and not alreadyCommitted, a different payment on a committed order). */
export const COMMITTED = /is committed/i;

/** True when a refusal's body is FLEXYBOX_ERRORS.committed. */
export function isCommittedRefusal(body: unknown): boolean {
  return COMMITTED.test(String((body as { Message?: unknown } | undefined)?.Message));
}

const nonBlank = z.string().regex(/\S/);
const quantityMessage = 'The Quantity field must be a whole number of at least 1.';
const optionalString = z.string().nullable().default(null);

/** PUT /customers/{customerId}. */
export const flexyboxCustomerRequest = z.object({
  FullName: nonBlank,
  EmailAddress: nonBlank.refine((value) => value.includes('@'), {
    error: 'The EmailAddress field is not a valid e-mail address.',
  }),
  BirthDate: optionalString,
  Gender: z.union([z.string(), z.number()]).nullable().default(null),
  DepartmentId: optionalString,
  PhoneNumber: optionalString,
  StreetAddress: optionalString,
  PostalDistrict: optionalString,
  PostalCode: optionalString,
  CountryCode: optionalString,
});

/** PUT /salesorders. */
export const flexyboxSalesOrderRequest = z.object({
  Id: nonBlank,
  GiftCertificates: z.object({
    GiftCertificates: z
      .array(
        z.object({
          GiftCertificateTypeId: nonBlank,
          Quantity: z.number().int({ error: quantityMessage }).min(1, { error: quantityMessage }),
          Price: z.number().positive({ error: 'The Price field must be greater than 0.' }),
        }),
      )
      .min(1, { error: 'The GiftCertificates field must contain at least one gift certificate.' }),
  }),
  CustomerId: nonBlank,
  DepartmentId: nonBlank,
  Currency: z.string().regex(/^[A-Za-z]{3}$/, { error: 'The Currency field must be a 3-letter currency code.' }),
  DebitMethod: nonBlank,
});

/** POST /salesorders/{salesOrderId}/commit. */
export const flexyboxCommitRequest = z.object({
  Payments: z
    .array(
      z.object({
        ExternalPayment: z.object({ Id: nonBlank, Type: nonBlank, Amount: z.number() }),
      }),
    )
    .min(1),
});

export const flexyboxCertificateTypesResponse = z.object({
  value: z.array(z.looseObject({ Id: z.string(), Name: z.string() })),
});
export const flexyboxDepartmentsResponse = z.array(z.looseObject({ Id: z.string(), Name: z.string() }));
export const flexyboxCustomerResponse = z.looseObject({ Id: z.string() });
/** The sales order's Total, exact at the decimals of the order's currency. */
export const flexyboxSalesOrderResponse = (scale: AmountScale) =>
  z.looseObject({ Id: z.string(), Total: amountInResponse(scale) });
// The guide documents the commit request only. A 2xx without a body (e.g. 204) means
// committed with the issued certificates unknown: the HTTP layer parses an empty body as
// undefined, which `.optional()` accepts. A body, when there is one, must be the order.
export const flexyboxCommitResponse = z
  .looseObject({
    Id: z.string(),
    State: z.literal('Committed'),
    IssuedGiftCertificates: z
      .array(z.looseObject({ Number: z.string(), GiftCertificateTypeId: z.string(), Amount: z.number() }))
      .default([]),
  })
  .optional();
