/**
 * CP Extender on the wire (provider-docs/cp-extender-giftcard.txt, cp-extender-authorize.md):
 * the paths, the request bodies, the answers giftflow checks, the error body and its texts.
 * The activities (activities/cpextender.ts) send and read through it and the sandbox
 * (sandbox/cpextender.ts) answers through it, so the two cannot drift apart. It imports zod:
 * workflow code takes the reasons it acts on from ./cpextender-workflow.ts instead.
 */
import { z } from 'zod';
import { amountInResponse } from '../activities/amounts';
import { CPEXTENDER_REASONS } from './cpextender-workflow';
import { PROVIDER_SCALES } from './money';

/** Paths after CPEXTENDER_URL; `{id}` is the GiftCardId. */
export const CPEXTENDER_PATHS = {
  reserveIds: '/Giftcard/ReserveIds',
  create: '/Giftcard/Create',
  balanceCheck: '/Giftcard/{id}/BalanceCheck',
  certificate: '/Giftcard/{id}/Certificate',
  authorize: '/Giftcard/Authorize',
  confirm: '/Authorize/Confirm',
  cancel: '/Authorize/Cancel',
} as const;

/**
 * Every error answers `{ Message }` with one of these texts: the documented ones, then the
 * sandbox's choices where the documents are silent (see sandbox/cpextender.ts).
 */
export const CPEXTENDER_ERRORS = {
  ...CPEXTENDER_REASONS,
  badRequest: 'Bad Request',
  saleIdRequired: 'SaleId is Required',
  codeNotFound: 'Gift Card Code Not Found',
  valueNotPositive: 'Gift Card Value must be greater than 0',
  fixedValue: 'GiftCardCode specified does not allow value change',
  customerNotFound: 'Customer Not Found',
  idNotFound: 'Id not found',
  authorizeRequired: 'Required: Type, Ref, SaleId, and (RequestedAmount or RequestedPoints)',
  typeRequired: 'Type is required',
  voided: 'GiftCard has been voided',
  expired: 'GiftCard has expired',
  noBalance: 'No Balance Remaining',
  internal: 'Internal Server Error',
  // Sandbox choices.
  unauthorized: 'Unauthorized',
  authorizationNotFound: 'Authorization Not Found',
  authorizationClosed: (state: string) => `Authorization already ${state}`,
} as const;

export interface CpExtenderError {
  Message: string;
}

/** The request bodies, by call. */
export interface CpExtenderRequests {
  /** POST /Giftcard/ReserveIds. */
  reserveIds: { RequestName?: string; RequestType: 'single' | 'pool'; PoolCount?: number; Agency: string };
  /** POST /Giftcard/Create; PointsToRedeem is a string in CP Extender's example. */
  create: {
    CustomerNumber: string;
    GiftCardId?: string;
    GiftCardCode: string;
    GiftCardValue: number;
    SaleId?: string;
    PointsToRedeem?: string;
  };
  /** POST /Giftcard/Authorize: an amount or points held on the card. */
  authorize: { Type: string; Ref: string; SaleId: string; RequestedAmount?: number; RequestedPoints?: number };
  /** POST /Authorize/Confirm and /Authorize/Cancel; both answer 204. */
  close: { Ref: string; AuthCode: string };
}

// CP Extender names no currency; its documented amounts have two decimals (contracts/money.ts).
const responseAmount = amountInResponse(PROVIDER_SCALES.cpextender);

export const cpExtenderReserveResponse = z.looseObject({ GiftCards: z.array(z.string()) });
export const cpExtenderCreateResponse = z.looseObject({ GiftCard: z.looseObject({ Id: z.string() }) });
export const cpExtenderBalanceResponse = z.looseObject({
  GiftCard: z.looseObject({
    Id: z.string(),
    Type: z.string(),
    Status: z.string(),
    Balance: responseAmount,
    OpenAuthorizations: responseAmount,
    AvailableBalance: responseAmount,
    History: z
      .array(
        z.looseObject({
          Activity: z.string(),
          Date: z.string(),
          Amount: responseAmount,
          Location: z.string().nullable(),
          Document: z.string().nullable(),
        }),
      )
      .default([]),
  }),
});
export const cpExtenderAuthorizeResponse = z.looseObject({
  RequestId: z.string(),
  Type: z.string(),
  AuthorizedAmount: responseAmount,
  AuthCode: z.string(),
});
/** Confirm and Cancel answer 204 without a body. */
export const cpExtenderNoContent = z.undefined();

/** The answers, by call, as a server writes them (the sandbox). */
export interface CpExtenderAnswers {
  reserveIds: z.input<typeof cpExtenderReserveResponse>;
  create: z.input<typeof cpExtenderCreateResponse>;
  balanceCheck: z.input<typeof cpExtenderBalanceResponse>;
  authorize: z.input<typeof cpExtenderAuthorizeResponse>;
}
