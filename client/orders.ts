/**
 * The order types a backend can start with `startGiftOrder`: for each provider, its order workflow
 * from the provider catalogue (contracts/catalogue.ts) and the order's static summary in the Web UI.
 */
import type { z } from 'zod';
import { CATALOGUE } from '../contracts/catalogue';
import type { CpExtenderIssue, CpExtenderIssueInput, CpExtenderIssueResult } from '../contracts/cpextender';
import type { FlexyboxOrder, FlexyboxOrderInput, FlexyboxOrderResult } from '../contracts/flexybox';
import type { PaywayOrder, PaywayOrderInput, PaywayOrderResult } from '../contracts/payway';
import type { SmartGiftOrder, SmartGiftOrderInput, SmartGiftOrderResult } from '../contracts/smartgift';
import { currencyScale, formatMinorUnits, PROVIDER_SCALES, toMinorUnits, type AmountScale } from '../contracts/money';

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

/** The provider's order workflow, its task queue and input schema, from the catalogue. */
const orderEntry = (provider: OrderProvider) => {
  const { taskQueue, workflows } = CATALOGUE[provider];
  return { workflowType: workflows.order.workflowType, taskQueue, schema: workflows.order.schema };
};

export const ORDER_TYPES: { [P in OrderProvider]: OrderType<any> } = {
  flexybox: {
    ...orderEntry('flexybox'),
    summary: (order: FlexyboxOrder) => {
      const cards = order.certificates.reduce((sum, line) => sum + line.quantity, 0);
      return `${total(order.certificates, currencyScale(order.currency))} ${order.currency}, ${count(cards, 'certificate')}`;
    },
  } satisfies OrderType<FlexyboxOrder>,
  cpextender: {
    ...orderEntry('cpextender'),
    summary: (card: CpExtenderIssue) =>
      `${total([{ price: card.giftCardValue, quantity: 1 }], PROVIDER_SCALES.cpextender)}${card.pointsToRedeem === undefined ? '' : ` for ${card.pointsToRedeem} points`}, 1 gift card`,
  } satisfies OrderType<CpExtenderIssue>,
  payway: {
    ...orderEntry('payway'),
    // Payway prices the subscription by product and period; the input holds no amount.
    summary: (order: PaywayOrder) => `product ${order.product_code}, period ${order.period_id}, 1 gift subscription`,
  } satisfies OrderType<PaywayOrder>,
  smartgift: {
    ...orderEntry('smartgift'),
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
  return `${CATALOGUE[provider].name} order ${ref}: ${ORDER_TYPES[provider].summary(input)}`;
}

/** The sum of `lines` as a decimal at `scale`, added in minor units so that 0.1 + 0.2 shows 0.30. */
function total(lines: { price: number; quantity: number }[], scale: AmountScale): string {
  const minor = lines.reduce(
    (sum, line) =>
      sum + (toMinorUnits(line.price, scale.decimals) ?? Math.round(line.price * 10 ** scale.decimals)) * line.quantity,
    0,
  );
  return formatMinorUnits(minor, scale.decimals);
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function isOrderProvider(name: string): name is OrderProvider {
  return Object.prototype.hasOwnProperty.call(ORDER_TYPES, name);
}
