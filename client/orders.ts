/**
 * The catalogue of order types a backend can start: for each provider, its workflow type,
 * task queue, input schema and the order's static summary. Adding a provider means adding one entry here.
 */
import type { z } from 'zod';
import {
  CPEXTENDER_ISSUE_WORKFLOW_TYPE,
  CPEXTENDER_TASK_QUEUE,
  cpExtenderIssueInputSchema,
  type CpExtenderIssue,
  type CpExtenderIssueInput,
  type CpExtenderIssueResult,
} from '../contracts/cpextender';
import {
  FLEXYBOX_TASK_QUEUE,
  FLEXYBOX_WORKFLOW_TYPE,
  flexyboxOrderInputSchema,
  type FlexyboxOrder,
  type FlexyboxOrderInput,
  type FlexyboxOrderResult,
} from '../contracts/flexybox';
import {
  PAYWAY_TASK_QUEUE,
  PAYWAY_WORKFLOW_TYPE,
  paywayOrderInputSchema,
  type PaywayOrder,
  type PaywayOrderInput,
  type PaywayOrderResult,
} from '../contracts/payway';
import {
  SMARTGIFT_TASK_QUEUE,
  SMARTGIFT_WORKFLOW_TYPE,
  smartGiftOrderInputSchema,
  type SmartGiftOrder,
  type SmartGiftOrderInput,
  type SmartGiftOrderResult,
} from '../contracts/smartgift';
import { currencyScale, formatMinorUnits, PROVIDER_SCALES, toMinorUnits, type AmountScale } from '../contracts/money';
import { PROVIDER_NAMES } from '../contracts/shared';

/** Input and result types per provider, for a typed `startGiftOrder`. */
export interface GiftOrderTypes {
  flexybox: { input: FlexyboxOrderInput; result: FlexyboxOrderResult };
  cpextender: { input: CpExtenderIssueInput; result: CpExtenderIssueResult };
  payway: { input: PaywayOrderInput; result: PaywayOrderResult };
  smartgift: { input: SmartGiftOrderInput; result: SmartGiftOrderResult };
}

export type OrderProvider = keyof GiftOrderTypes;

interface OrderType<Validated> {
  workflowType: string;
  taskQueue: string;
  schema: z.ZodType;
  /**
   * What the order is, for the Web UI's workflow list (the `staticSummary` start option): the
   * amount and currency and how many cards, from the validated input. Never personal data.
   */
  summary: (input: Validated) => string;
}

export const ORDER_TYPES: { [P in OrderProvider]: OrderType<any> } = {
  flexybox: {
    workflowType: FLEXYBOX_WORKFLOW_TYPE,
    taskQueue: FLEXYBOX_TASK_QUEUE,
    schema: flexyboxOrderInputSchema,
    summary: (order: FlexyboxOrder) => {
      const cards = order.certificates.reduce((sum, line) => sum + line.quantity, 0);
      return `${total(order.certificates, currencyScale(order.currency))} ${order.currency}, ${count(cards, 'certificate')}`;
    },
  } satisfies OrderType<FlexyboxOrder>,
  cpextender: {
    workflowType: CPEXTENDER_ISSUE_WORKFLOW_TYPE,
    taskQueue: CPEXTENDER_TASK_QUEUE,
    schema: cpExtenderIssueInputSchema,
    summary: (card: CpExtenderIssue) =>
      `${total([{ price: card.giftCardValue, quantity: 1 }], PROVIDER_SCALES.cpextender)}${card.pointsToRedeem === undefined ? '' : ` for ${card.pointsToRedeem} points`}, 1 gift card`,
  } satisfies OrderType<CpExtenderIssue>,
  payway: {
    workflowType: PAYWAY_WORKFLOW_TYPE,
    taskQueue: PAYWAY_TASK_QUEUE,
    schema: paywayOrderInputSchema,
    // Payway prices the subscription by product and period; the input holds no amount.
    summary: (order: PaywayOrder) => `product ${order.product_code}, period ${order.period_id}, 1 gift subscription`,
  } satisfies OrderType<PaywayOrder>,
  smartgift: {
    workflowType: SMARTGIFT_WORKFLOW_TYPE,
    taskQueue: SMARTGIFT_TASK_QUEUE,
    schema: smartGiftOrderInputSchema,
    summary: (order: SmartGiftOrder) => {
      const priced = order.items.flatMap((item) => (item.price == null ? [] : [{ price: item.price, quantity: 1 }]));
      const byProvider = order.items.length - priced.length;
      const amount = priced.length ? total(priced, PROVIDER_SCALES.smartgift) : 'priced by Smart Gift';
      return `${amount}${priced.length && byProvider ? ` + ${byProvider} priced by Smart Gift` : ''}, ${count(order.items.length, 'voucher')}`;
    },
  } satisfies OrderType<SmartGiftOrder>,
};

/**
 * The order's static summary in the Web UI: provider, reference, amount, how many cards.
 * Other clients set the same line as their start's static summary (docs/web-ui.md).
 */
export function orderSummary(provider: OrderProvider, ref: string, input: unknown): string {
  return `${PROVIDER_NAMES[provider]} order ${ref}: ${ORDER_TYPES[provider].summary(input)}`;
}

/** The sum of `lines` as a decimal at `scale`, added in minor units so that 0.1 + 0.2 shows 0.30. */
function total(lines: { price: number; quantity: number }[], scale: AmountScale): string {
  const minor = lines.reduce((sum, line) => sum + (toMinorUnits(line.price, scale.decimals) ?? Math.round(line.price * 10 ** scale.decimals)) * line.quantity, 0);
  return formatMinorUnits(minor, scale.decimals);
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function isOrderProvider(name: string): name is OrderProvider {
  return Object.prototype.hasOwnProperty.call(ORDER_TYPES, name);
}
