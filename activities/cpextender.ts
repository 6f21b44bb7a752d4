/**
 * CP Extender activities: one per documented call (ReserveIds, Create, BalanceCheck,
 * Certificate, Authorize, Authorize/Confirm, Authorize/Cancel). They describe requests;
 * transport, auth and failure classification live in the shared HTTP layer.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { GiftflowConfig } from '../config';
import { CPEXTENDER_REASONS, type CpExtenderReason, type StoredCertificate } from '../contracts/cpextender';
import {
  CPEXTENDER_PATHS,
  cpExtenderAuthorizeResponse,
  cpExtenderBalanceResponse,
  cpExtenderCreateResponse,
  cpExtenderNoContent,
  cpExtenderReserveResponse,
  type CpExtenderError,
  type CpExtenderRequests,
} from '../contracts/cpextender-wire';
import { PROVIDER_SCALES } from '../contracts/money';
import { FAILURE_TYPES } from '../contracts/shared';
import { providerAmount } from './amounts';
import { createArtifactStore, type ArtifactStore } from './artifact-store';
import { earlierRuns, placedByEarlierRun } from './earlier-runs';
import { withoutEchoes } from './echoes';
import { currentAttempt, ProviderClient } from './http';

// CP Extender names no currency; its documented amounts have two decimals (contracts/money.ts).
const SCALE = PROVIDER_SCALES.cpextender;

/** A card as BalanceCheck shows it. */
export interface CpExtenderCard {
  id: string;
  status: string;
  balance: number;
  openAuthorizations: number;
  availableBalance: number;
  history: { activity: string; date: string; amount: number; document: string | null }[];
}

/** Creates the CP Extender activities bound to one configuration (and artifact store). */
export function createCpExtenderActivities(
  config: GiftflowConfig,
  artifacts: ArtifactStore = createArtifactStore(config),
) {
  const baseUrl = config.cpextender.url;
  const cpextender = new ProviderClient({
    provider: 'cpextender',
    timeouts: config.http,
    authHeaders: () => ({ authorization: `Bearer ${config.cpextender.token}` }),
    credentialVariable: 'CPEXTENDER_TOKEN',
    secrets: () => [config.cpextender.token],
  });

  /** Reads a card's status, balances and history. */
  async function checkBalance(args: {
    step: string;
    giftCardId: string;
  }): Promise<{ card: CpExtenderCard; attempt: number }> {
    const { GiftCard: card } = await cpextender.call({
      step: args.step,
      method: 'GET',
      baseUrl,
      path: CPEXTENDER_PATHS.balanceCheck,
      params: { id: args.giftCardId },
      response: cpExtenderBalanceResponse,
      idempotent: true,
    });
    return {
      card: {
        id: card.Id,
        status: card.Status,
        balance: card.Balance,
        openAuthorizations: card.OpenAuthorizations,
        availableBalance: card.AvailableBalance,
        history: card.History.map((entry) => ({
          activity: entry.Activity,
          date: entry.Date,
          amount: entry.Amount,
          document: entry.Document,
        })),
      },
      attempt: currentAttempt(),
    };
  }

  /** True when BalanceCheck finds the card, false when CP Extender answers that it has no such ID. */
  async function cardExists(giftCardId: string): Promise<boolean> {
    try {
      await checkBalance({ step: 'createGiftCard', giftCardId });
      return true;
    } catch (error) {
      if (error instanceof ApplicationFailure && error.type === FAILURE_TYPES.rejected) return false;
      throw error;
    }
  }

  return {
    /** Reserves GiftCardIds: one temporary ID (`single`, expires after 1 h) or a pool batch (capped by the provider). */
    async reserveCpExtenderIds(args: {
      step: string;
      requestType: 'single' | 'pool';
      count?: number;
      agency: string;
      requestName?: string;
      /**
       * A single reservation for a card order: when an earlier run of the order (before a
       * reset or re-run) already sent Create, its GiftCardId is returned instead, so the order
       * keeps its card and Create answers "Already Exists" rather than issuing a second card.
       */
      reuseEarlierRun?: boolean;
    }): Promise<{ giftCardIds: string[]; attempt: number }> {
      if (args.reuseEarlierRun) {
        const { sends } = await earlierRuns('createCpExtenderGiftCard');
        const earlier = sends.at(-1)?.input as { giftCardId?: string } | undefined;
        if (earlier?.giftCardId) return { giftCardIds: [earlier.giftCardId], attempt: currentAttempt() };
      }
      const { GiftCards } = await cpextender.call({
        step: args.step,
        method: 'POST',
        baseUrl,
        path: CPEXTENDER_PATHS.reserveIds,
        body: {
          ...(args.requestName && { RequestName: args.requestName }),
          RequestType: args.requestType,
          ...(args.requestType === 'pool' && { PoolCount: args.count }),
          Agency: args.agency,
        } satisfies CpExtenderRequests['reserveIds'],
        response: cpExtenderReserveResponse,
        // A lost reservation costs nothing: a single one expires, a pool batch is just not used.
        idempotent: true,
      });
      return { giftCardIds: GiftCards, attempt: currentAttempt() };
    },

    /**
     * Creates the card under a reserved GiftCardId. CP Extender answers a repeat with
     * "GiftcardId Already Exists", which makes the call safe to retry: that answer is
     * returned as `already-exists` for the workflow to confirm with BalanceCheck.
     */
    async createCpExtenderGiftCard(
      args: Parameters<typeof cpExtenderCreateBody>[0],
    ): Promise<{ outcome: 'created' | 'already-exists'; attempt: number }> {
      // CP Extender's reason for refusing Create, read from its error body (not from a message).
      let refused = null as CpExtenderReason | null;
      try {
        const body = cpExtenderCreateBody(args);
        const created = await withoutEchoes(body, () =>
          cpextender.call<{ GiftCard: { Id: string } } | typeof ALREADY_EXISTS>({
            step: 'createGiftCard',
            method: 'POST',
            baseUrl,
            path: CPEXTENDER_PATHS.create,
            body,
            response: cpExtenderCreateResponse,
            idempotent: true,
            recover: (status, answer) => {
              refused = status === 400 ? cpExtenderReasonIn(answer) : null;
              return refused === 'alreadyExists' ? ALREADY_EXISTS : undefined;
            },
          }),
        );
        if (created === ALREADY_EXISTS) return { outcome: 'already-exists', attempt: currentAttempt() };
        if (created.GiftCard.Id !== args.giftCardId) {
          throw ApplicationFailure.create({
            type: FAILURE_TYPES.rejected,
            message: `cpextender step 'createGiftCard': CP Extender issued card ${created.GiftCard.Id} instead of the reserved GiftCardId ${args.giftCardId}; check both cards at CP Extender`,
            nonRetryable: true,
          });
        }
        return { outcome: 'created', attempt: currentAttempt() };
      } catch (error) {
        // The docs do not say which check comes first: a repeat of a Create that landed may
        // answer "Not Reserved" (the ID stopped being a reservation when it became a card).
        // Only a card that does not exist means the reservation really expired.
        if (refused === 'notReserved' && (await cardExists(args.giftCardId)))
          return { outcome: 'already-exists', attempt: currentAttempt() };
        throw withReason(error, refused);
      }
    },

    /** Reads a card's status, balances and history. */
    checkCpExtenderBalance: checkBalance,

    /** Fetches the card's certificate (JPEG) and stores it; returns the reference, never the bytes. */
    async storeCpExtenderCertificate(args: {
      giftCardId: string;
    }): Promise<{ certificate: StoredCertificate; attempt: number }> {
      const request = {
        step: 'storeCertificate',
        method: 'GET',
        baseUrl,
        path: CPEXTENDER_PATHS.certificate,
        params: { id: args.giftCardId },
        idempotent: true,
      } as const;
      const { bytes, contentType } = await cpextender.callForBytes(request, 'image/jpeg');
      const isJpeg = bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
      if (!contentType.startsWith('image/jpeg') || !isJpeg) {
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.ambiguous,
          message: `cpextender step 'storeCertificate' (GET ${request.path}) answered '${contentType}' (${bytes.length} bytes), not a JPEG image`,
          nonRetryable: false,
        });
      }
      const certificate = await artifacts.put(`cpextender/${args.giftCardId}.jpg`, bytes, 'image/jpeg');
      return { certificate, attempt: currentAttempt() };
    },

    /** Holds an amount (or points) on the card. Not deduplicated by CP Extender: never retried blindly. */
    async authorizeCpExtender(args: {
      giftCardId: string;
      saleId: string;
      amount?: number;
      points?: number;
      /** Set once an earlier run's send of unknown outcome is settled (an operator's `reconcile`, or BalanceCheck once it can no longer land). */
      earlierRunsSettled?: boolean;
    }): Promise<AuthorizeOutcome> {
      const earlier = await heldByEarlierRun(args.earlierRunsSettled ?? false);
      if (earlier) return earlier;
      const response = await cpextender.call({
        step: 'authorize',
        method: 'POST',
        baseUrl,
        path: CPEXTENDER_PATHS.authorize,
        body: cpExtenderAuthorizeBody(args),
        response: cpExtenderAuthorizeResponse,
        idempotent: false,
      });
      return {
        authCode: response.AuthCode,
        requestId: response.RequestId,
        authorizedAmount: response.AuthorizedAmount,
        attempt: currentAttempt(),
      };
    },

    /** Confirms (captures) a held amount; a repeat of the same AuthCode is a no-op. */
    async confirmCpExtenderAuthorization(args: { giftCardId: string; authCode: string }): Promise<{ attempt: number }> {
      await closeAuthorization('confirm', CPEXTENDER_PATHS.confirm, args);
      return { attempt: currentAttempt() };
    },

    /** Releases a held amount; a repeat of the same AuthCode is a no-op. */
    async cancelCpExtenderAuthorization(args: { giftCardId: string; authCode: string }): Promise<{ attempt: number }> {
      await closeAuthorization('cancel', CPEXTENDER_PATHS.cancel, args);
      return { attempt: currentAttempt() };
    },
  };

  function closeAuthorization(step: string, path: string, args: { giftCardId: string; authCode: string }) {
    return cpextender.call({
      step,
      method: 'POST',
      baseUrl,
      path,
      body: { Ref: args.giftCardId, AuthCode: args.authCode } satisfies CpExtenderRequests['close'],
      response: cpExtenderNoContent,
      idempotent: true,
    });
  }
}

/*
 * The request bodies, as pure functions of the order (no clock, no randomness, no I/O), so
 * the same order always sends the same bytes. Amounts exact, at two decimals (SCALE).
 */

/** POST /Giftcard/Create; PointsToRedeem is a string in CP Extender's example, so it is sent as one. */
export function cpExtenderCreateBody(args: {
  giftCardId: string;
  customerNumber: string;
  giftCardCode: string;
  giftCardValue: number;
  saleId?: string;
  pointsToRedeem?: number;
}): CpExtenderRequests['create'] {
  return {
    CustomerNumber: args.customerNumber,
    GiftCardId: args.giftCardId,
    GiftCardCode: args.giftCardCode,
    GiftCardValue: providerAmount(args.giftCardValue, SCALE, 'giftCardValue'),
    ...(args.saleId !== undefined && { SaleId: args.saleId }),
    ...(args.pointsToRedeem !== undefined && { PointsToRedeem: String(args.pointsToRedeem) }),
  };
}

/** POST /Giftcard/Authorize: an amount or points held on the card. */
export function cpExtenderAuthorizeBody(args: {
  giftCardId: string;
  saleId: string;
  amount?: number;
  points?: number;
}): CpExtenderRequests['authorize'] {
  return {
    Type: 'giftcard',
    Ref: args.giftCardId,
    SaleId: args.saleId,
    ...(args.amount !== undefined
      ? { RequestedAmount: providerAmount(args.amount, SCALE, 'amount') }
      : { RequestedPoints: args.points }),
  };
}

const ALREADY_EXISTS = Symbol('GiftcardId Already Exists');

/** Which of CPEXTENDER_REASONS an error body gives, or null. */
function cpExtenderReasonIn(body: unknown): CpExtenderReason | null {
  const message = (body as Partial<CpExtenderError> | undefined)?.Message;
  return (
    (Object.keys(CPEXTENDER_REASONS) as CpExtenderReason[]).find((reason) => CPEXTENDER_REASONS[reason] === message) ??
    null
  );
}

/**
 * Create's rejection with CP Extender's reason as a typed `reason` in its details (null for
 * none), for the workflow to act on (contracts/cpextender-workflow.ts: cpExtenderReasonOf).
 */
function withReason(error: unknown, reason: CpExtenderReason | null): unknown {
  if (!(error instanceof ApplicationFailure) || error.type !== FAILURE_TYPES.rejected) return error;
  const detail = (error.details?.[0] ?? {}) as Record<string, unknown>;
  return ApplicationFailure.create({
    type: error.type,
    message: error.message,
    nonRetryable: error.nonRetryable === true,
    details: [{ ...detail, reason }],
  });
}

type AuthorizeOutcome = {
  authCode: string;
  requestId: string;
  authorizedAmount: number;
  attempt: number;
  /** The result of an earlier run of this redemption that completed (before a reset): the redemption is over. */
  earlierResult?: unknown;
};

/**
 * The hold an earlier run of this redemption placed: its completed result (the redemption is
 * over), or the AuthCode of an Authorize that answered. One of unknown outcome throws
 * AmbiguousOutcome, so the workflow looks for it in BalanceCheck History before anything is
 * sent, unless it is settled already.
 */
async function heldByEarlierRun(unknownSettled: boolean): Promise<AuthorizeOutcome | undefined> {
  const earlier = await placedByEarlierRun('authorizeCpExtender', {
    unknownSettled,
    unknownSend: (send) =>
      `cpextender step 'authorize': an earlier run of this redemption (${send.runId}) sent Authorize and never saw its answer; it may hold an amount`,
  });
  if (!earlier) return undefined;
  if ('sendResult' in earlier) return { ...(earlier.sendResult as AuthorizeOutcome), attempt: currentAttempt() };
  const done = earlier.runResult as { authCode: string; authorizedAmount: number };
  return {
    authCode: done.authCode,
    requestId: '',
    authorizedAmount: done.authorizedAmount,
    attempt: currentAttempt(),
    earlierResult: earlier.runResult,
  };
}

export type CpExtenderActivities = ReturnType<typeof createCpExtenderActivities>;
