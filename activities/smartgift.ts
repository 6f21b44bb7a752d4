/**
 * Smart Gift activities: the payment-method look-up, the voucher codes and POST /pos-sale.
 * They describe requests; transport, the Smart-Auth header and failure classification live
 * in the shared HTTP layer.
 */
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { GiftflowConfig } from '../config';
import { FAILURE_TYPES } from '../contracts/shared';
import { PROVIDER_SCALES } from '../contracts/money';
import { DERIVED_CODE_LENGTH, type SmartGiftOrder } from '../contracts/smartgift';
import {
  itemOfCodeField,
  SMARTGIFT_PATHS,
  smartGiftPaymentMethodsResponse,
  smartGiftPosSaleResponse,
  smartGiftValidationErrors,
  TAKEN,
} from '../contracts/smartgift-wire';
import { providerAmount } from './amounts';
import { earlierRuns } from './earlier-runs';
import { withoutEchoes } from './echoes';
import { currentAttempt, ProviderClient } from './http';

/**
 * What placeSmartGiftOrder sends. Per item, `derivedCodes` holds the code recorded in the
 * workflow's history, or null when the caller fixed the code. `codeSeeds` (the seed of each
 * derived code) is what orders started before that patch still schedule.
 */
type PlaceOrderArgs = { order: SmartGiftOrder; orderId: string } & (
  { derivedCodes: (string | null)[] } | { codeSeeds: (string | null)[] }
);

interface PlacedOrder {
  orderReference: string | null;
  voucherCodes: string[];
  recovered: boolean;
}

/**
 * The voucher code for a workflow-derived seed: DERIVED_CODE_LENGTH uppercase base-36
 * characters of HMAC-SHA256(secret, seed). Without the secret nobody can compute the code
 * of someone else's order. Another secret gives another code, so the workflow computes the
 * codes once (deriveSmartGiftVoucherCodes) and every attempt of the POST sends the recorded
 * ones: a repeat collides with its first attempt even on a worker with a rotated secret.
 */
export function smartGiftVoucherCode(seed: string, secret: string): string {
  const digest = createHmac('sha256', secret).update(seed).digest();
  return (digest.readBigUInt64BE(0) >> 4n)
    .toString(36)
    .toUpperCase()
    .padStart(DERIVED_CODE_LENGTH, '0')
    .slice(-DERIVED_CODE_LENGTH);
}

/** Creates the Smart Gift activities bound to one configuration. */
export function createSmartGiftActivities(config: GiftflowConfig) {
  const smartgift = new ProviderClient({
    provider: 'smartgift',
    timeouts: config.http,
    authHeaders: () => ({ 'smart-auth': config.smartgift.secretKey }),
    credentialVariable: 'SMARTGIFT_SECRET_KEY',
    secrets: () => [config.smartgift.secretKey],
  });

  return {
    /**
     * The voucher code of each item: null for an item whose code the caller fixed, else the
     * code of its seed under this worker's SMARTGIFT_CODE_SECRET. Run once per order (as a
     * local activity): its result in history fixes the codes for every attempt of the POST.
     * The secret stays here; only the codes leave.
     */
    async deriveSmartGiftVoucherCodes(codeSeeds: (string | null)[]): Promise<(string | null)[]> {
      return codeSeeds.map((seed) => (seed === null ? null : smartGiftVoucherCode(seed, config.smartgift.codeSecret)));
    },

    /** Lists Smart Gift's payment methods and checks that the order's one is among them. */
    async checkSmartGiftPaymentMethod(paymentMethod: number): Promise<{ paymentMethodName: string; attempt: number }> {
      const { data: methods } = await smartgift.call({
        step: 'checkPaymentMethod',
        method: 'GET',
        baseUrl: config.smartgift.url,
        path: SMARTGIFT_PATHS.paymentMethods,
        response: smartGiftPaymentMethodsResponse,
        idempotent: true,
      });
      const match = methods.find((method) => method.id === paymentMethod);
      if (!match) {
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.rejected,
          message: `smartgift step 'checkPaymentMethod': payment_method ${paymentMethod} is not one of Smart Gift's payment methods. Choices: ${methods
            .map((method) => `${method.name} (${method.id})`)
            .join(', ')}`,
          nonRetryable: true,
        });
      }
      return { paymentMethodName: match.name, attempt: currentAttempt() };
    },

    /**
     * Sends the order with a code on every item. When Smart Gift answers that all of those
     * codes are taken and one of them was derived from this order's workflow ID, an earlier
     * attempt placed the order: it is reported as recovered instead of failed.
     */
    async placeSmartGiftOrder(placeArgs: PlaceOrderArgs): Promise<PlacedOrder & { attempt: number }> {
      // A run after a reset or re-run answers with the order an earlier run placed, and
      // otherwise sends the codes that run sent (it may have derived them under another secret).
      const { sends } = await earlierRuns('placeSmartGiftOrder');
      const earlierOrder = sends.find((send) => send.outcome === 'completed')?.result as PlacedOrder | undefined;
      if (earlierOrder)
        return {
          orderReference: earlierOrder.orderReference,
          voucherCodes: earlierOrder.voucherCodes,
          recovered: earlierOrder.recovered,
          attempt: currentAttempt(),
        };
      const earlierCodes = sends
        .map((send) => (send.input as { derivedCodes?: (string | null)[] } | undefined)?.derivedCodes)
        .find(Array.isArray);
      const args: PlaceOrderArgs = earlierCodes
        ? { order: placeArgs.order, orderId: placeArgs.orderId, derivedCodes: earlierCodes }
        : placeArgs;
      const { order, orderId } = args;
      const voucherCodes = order.items.map((item, index) => {
        if (item.code) return item.code;
        if ('derivedCodes' in args) return checkedCode(args.derivedCodes[index], index);
        // Orders started before the codes were recorded in history still send seeds, and
        // derive here, under this worker's secret, as they always did.
        const seed = args.codeSeeds[index];
        return checkedCode(seed && smartGiftVoucherCode(seed, config.smartgift.codeSecret), index);
      });
      const anyDerived = order.items.some((item) => !item.code);
      const posSale = smartGiftPosSaleBody(order, orderId, voucherCodes);
      const placed = await withoutEchoes(posSale, () =>
        smartgift.call<PlacedOrder>({
          step: 'placeOrder',
          method: 'POST',
          baseUrl: config.smartgift.url,
          path: SMARTGIFT_PATHS.posSale,
          body: posSale,
          response: smartGiftPosSaleResponse.transform((answer) => ({
            orderReference: answer.order_reference,
            voucherCodes: answer.voucher_codes,
            recovered: false,
          })),
          // POST /pos-sale has no idempotency key and Smart Gift may rewrite order_id, so a
          // blind repeat would normally risk a second order. Repeating after an ambiguous
          // outcome (timeout, reset, 5xx) is safe here ONLY because every item carries a fixed
          // code, the same on every attempt (the caller's, or the one recorded in history): if
          // the first request landed, the repeat collides on those codes and is refused with
          // 422, which `recover` below turns into "placed". Never send an item without a code
          // from this activity.
          idempotent: true,
          recover: (status, body) => {
            const parsed = smartGiftValidationErrors.safeParse(body);
            if (status !== 422 || !parsed.success) return undefined;
            const taken = takenItems(parsed.data.errors);
            if (!voucherCodes.every((_, index) => taken.has(index))) return undefined;
            // A derived code is unique to this workflow, so finding all our codes taken means
            // our own earlier attempt placed them. With caller-fixed codes only, another order
            // may hold them: refuse, and say what an operator has to check.
            if (anyDerived) return { orderReference: null, voucherCodes, recovered: true };
            if (currentAttempt() === 1) return undefined;
            throw ApplicationFailure.create({
              type: FAILURE_TYPES.rejected,
              message: `smartgift step 'placeOrder' (POST /pos-sale): every voucher code is already taken (${voucherCodes.join(', ')}); all were fixed by the caller, so giftflow cannot tell whether an earlier attempt of this order, whose answer was lost, placed them or another order holds them. Look the codes up in Smart Gift`,
              nonRetryable: true,
            });
          },
        }),
      );
      return { ...placed, attempt: currentAttempt() };
    },
  };
}

/**
 * The derived code of an item without a caller code. Missing is a bug, not a provider
 * answer: sending the item without a code would make the repeat of the POST unsafe.
 */
function checkedCode(code: string | null | undefined, index: number): string {
  if (code) return code;
  throw ApplicationFailure.nonRetryable(
    `smartgift step 'placeOrder': items.${index} has neither a caller code nor a derived one; nothing was sent`,
    'MissingVoucherCode',
  );
}

/** Item indexes whose code Smart Gift reports as taken (Laravel's unique rule: "... has already been taken."). */
function takenItems(errors: Record<string, string[]>): Set<number> {
  const taken = new Set<number>();
  for (const [field, messages] of Object.entries(errors)) {
    const item = itemOfCodeField(field);
    if (item !== undefined && messages.some((message) => TAKEN.test(message))) taken.add(item);
  }
  return taken;
}

/**
 * POST /pos-sale, as a pure function of the order, its order_id and the voucher codes (no
 * clock, no randomness, no I/O), so the same order always sends the same bytes. Prices exact,
 * at Smart Gift's two decimals.
 */
export function smartGiftPosSaleBody(order: SmartGiftOrder, orderId: string, voucherCodes: string[]) {
  return {
    items: order.items.map((item, index) => ({
      ...withoutNulls(item),
      ...(typeof item.price === 'number' && {
        price: providerAmount(item.price, PROVIDER_SCALES.smartgift, `items.${index}.price`),
      }),
      code: voucherCodes[index],
    })),
    customer: withoutNulls(order.customer),
    delivery: withoutNulls(order.delivery),
    payment_method: order.payment_method,
    order_id: orderId,
  };
}

/** The documented body omits optional fields rather than sending null. */
function withoutNulls<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}
