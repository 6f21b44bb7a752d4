/**
 * Payway (Tulo) activities: create_gift_order with a token without identity, obtained with
 * the OAuth client-credentials grant and cached in the worker process. The token and the
 * client secret stay inside this module: they are never returned, logged or put in errors.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { GiftflowConfig } from '../config';
import type { PaywayOrder } from '../contracts/payway';
import { PAYWAY_PATHS, PAYWAY_WRITE_SCOPE, paywayCreateResponse, paywayTokenResponse } from '../contracts/payway-wire';
import { FAILURE_TYPES } from '../contracts/shared';
import { placedByEarlierRun } from './earlier-runs';
import { withoutEchoes } from './echoes';
import { ProviderClient } from './http';
import { TokenCache } from './token-cache';

const CREDENTIALS = 'PAYWAY_CLIENT_ID and PAYWAY_CLIENT_SECRET';

/** Payway's documented limits, added to its refusal so the caller knows what to change. */
const LIMITS = [
  {
    match: /payment method/i,
    explain:
      'Payway creates gift orders only with the payment methods invoice and free, and the period_id decides the method: choose an invoice or free period',
  },
  {
    match: /sold as a gift|gift rules/i,
    explain:
      'Payway creates gift orders only on campaigns configured to be sold as gifts (campaign gift rules): choose such a product_code or ask Payway to configure it',
  },
];

/** Creates the Payway activities bound to one configuration; the token cache lives as long as they do. */
export function createPaywayActivities(config: GiftflowConfig) {
  const { url, clientId, clientSecret } = config.payway;
  const tokenUrl = new URL(config.payway.tokenUrl);
  const secrets = (): string[] => [clientSecret, tokens.current() ?? ''];

  const tokenClient = new ProviderClient({
    provider: 'payway',
    timeouts: config.http,
    authHeaders: () => ({}),
    credentialVariable: CREDENTIALS,
    secrets,
  });
  const tokens: TokenCache = new TokenCache(async () => {
    const issued = await tokenClient.call({
      step: 'obtainToken',
      method: 'POST',
      baseUrl: tokenUrl.origin,
      path: tokenUrl.pathname,
      form: {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        scope: PAYWAY_WRITE_SCOPE,
      },
      response: paywayTokenResponse,
      idempotent: true,
    });
    return { accessToken: issued.access_token, expiresInSeconds: issued.expires_in };
  });
  const payway = new ProviderClient({
    provider: 'payway',
    timeouts: config.http,
    authHeaders: async () => ({ authorization: `Bearer ${await tokens.get()}` }),
    // A 401 means Payway refused the token before doing anything, so sending once more is safe.
    refreshCredentials: async () => {
      tokens.invalidate();
      return true;
    },
    credentialVariable: CREDENTIALS,
    secrets,
  });

  return {
    /**
     * Sends create_gift_order once. Payway does not deduplicate it, so every failure is
     * final here (the workflow runs this activity with a single attempt and decides). An
     * earlier run of the order (before a reset or a re-run) that placed it answers instead,
     * and one whose send has no known outcome stops the send, unless an operator settled it.
     */
    async createPaywayGiftOrder(args: {
      order: PaywayOrder;
      merchantReference: string;
      earlierRunsSettled?: boolean;
    }): Promise<PaywayCreated> {
      const earlier = await placedByEarlierPaywayRun(args.earlierRunsSettled ?? false);
      if (earlier) return earlier;
      try {
        const body = paywayCreateBody(args.order, args.merchantReference);
        const created = await withoutEchoes(body, () =>
          payway.call({
            step: 'createGiftOrder',
            method: 'POST',
            baseUrl: url,
            path: PAYWAY_PATHS.createGiftOrder,
            body,
            response: paywayCreateResponse,
            idempotent: false,
          }),
        );
        return { id: created.id, orderId: created.order_id, paymentId: created.payment_id ?? null };
      } catch (error) {
        throw explainLimits(error);
      }
    },
  };
}

/** create_gift_order's body: the order as given and our merchant_reference; pure, so the same order always sends the same bytes. */
export function paywayCreateBody(order: PaywayOrder, merchantReference: string) {
  return { ...order, merchant_reference: merchantReference };
}

type PaywayCreated = { id: string | null; orderId: string; paymentId: string | null };

/**
 * The order an earlier run of this workflow ID placed (the run's result, or a create that
 * answered); a create of unknown outcome throws AmbiguousOutcome unless an operator settled it.
 */
async function placedByEarlierPaywayRun(unknownSettled: boolean): Promise<PaywayCreated | undefined> {
  const earlier = await placedByEarlierRun('createPaywayGiftOrder', {
    unknownSettled,
    unknownSend: (send) =>
      `payway step 'createGiftOrder': an earlier run of this order (${send.runId}) sent create_gift_order and ${
        send.outcome === 'unknown' ? 'never saw its answer' : `got '${send.failureMessage}'`
      }; it may have landed, so giftflow does not send it again`,
  });
  if (!earlier) return undefined;
  const placed = ('runResult' in earlier ? earlier.runResult : earlier.sendResult) as PaywayCreated;
  return { id: placed.id ?? null, orderId: placed.orderId, paymentId: placed.paymentId ?? null };
}

function explainLimits(error: unknown): unknown {
  if (!(error instanceof ApplicationFailure) || error.type !== FAILURE_TYPES.rejected) return error;
  const limit = LIMITS.find(({ match }) => match.test(error.message));
  if (!limit) return error;
  return ApplicationFailure.create({
    type: error.type,
    message: `${error.message}. ${limit.explain}`,
    nonRetryable: true,
    details: error.details ?? undefined,
  });
}
