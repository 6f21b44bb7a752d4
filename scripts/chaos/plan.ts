/**
 * What the chaos run orders: a seeded plan of orders over every provider workflow (a few
 * with input the provider refuses), how each is started from the client library, and how
 * each is found in the sandbox ledger afterwards.
 */
import { CPEXTENDER_ID_STEPS, poolWorkflowId, redemptionWorkflowId } from '../../contracts/cpextender';
import { FLEXYBOX_ID_STEPS } from '../../contracts/flexybox';
import { PAYWAY_ID_STEPS } from '../../contracts/payway';
import { orderWorkflowId, type Provider } from '../../contracts/shared';
import { SMARTGIFT_ID_STEPS } from '../../contracts/smartgift';
import { createCpExtenderActivities } from '../../activities/cpextender';
import type { GiftflowClient } from '../../client';
import type { GiftflowConfig } from '../../config';
import { cpExtenderSeed } from '../../sandbox/cpextender';
import { flexyboxSeed } from '../../sandbox/flexybox';
import { paywaySeed } from '../../sandbox/payway';
import { deriveProviderId } from '../../workflows/ids';

export type Kind = 'flexybox' | 'cpextender-issue' | 'cpextender-redeem' | 'cpextender-pool' | 'smartgift' | 'payway';

/**
 * Share of each workflow in the mix. Smart Gift is kept small on purpose: its task queue is
 * paced to its documented 60 requests per minute (1 activity/s across all workers), so each
 * Smart Gift order costs about 2 s of the whole run; 4 % keeps the default run to minutes.
 */
export const KIND_SHARES: Record<Kind, number> = {
  flexybox: 0.3,
  payway: 0.26,
  'cpextender-issue': 0.2,
  'cpextender-redeem': 0.15,
  'cpextender-pool': 0.05,
  smartgift: 0.04,
};
export const KINDS = Object.keys(KIND_SHARES) as Kind[];

/** Share of orders sent with input the provider refuses (pools have no such input). */
const REFUSED_SHARE = 0.03;
/** Share of orders a caller sends a second time with the same reference and input. */
const RESUBMIT_SHARE = 0.01;

export const PROVIDER_OF: Record<Kind, Provider> = {
  flexybox: 'flexybox',
  'cpextender-issue': 'cpextender',
  'cpextender-redeem': 'cpextender',
  'cpextender-pool': 'cpextender',
  smartgift: 'smartgift',
  payway: 'payway',
};

export interface PlannedOrder {
  kind: Kind;
  ref: string;
  workflowId: string;
  input: Record<string, any>;
  refused: boolean;
  /** When to submit, in ms after submissions begin. */
  at: number;
  /** When the caller sends it again (same ref, same input), if it does. */
  resubmitAt?: number;
  /** The operator's reset of this order, if it gets one (chaos/resets.ts). */
  reset?: ResetPlan;
}

/** An operator's reset of one order (chaos/resets.ts carries it out). */
export interface ResetPlan {
  /** `running`: reset while the order runs; `completed`: reset once it completed. */
  mode: 'running' | 'completed';
  /** Wait before the reset: after submission (`running`) or after the outcome (`completed`). */
  delayMs: number;
  /** `running`: how many workflow tasks the run completes before it is reset (1 to 4; most orders take 2 to 6). */
  progress: number;
  /** `running`: which workflow task it goes back to, as a share of those completed so far. */
  pick: number;
}

/** mulberry32: a small seeded generator, so a seed replays the same plan and the same fault schedule. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** At least one order of every workflow; the rest by share, then shuffled over the submit window. */
export function planOrders(count: number, random: () => number, run: string, windowMs: number): PlannedOrder[] {
  const counts = Object.fromEntries(
    KINDS.map((kind) => [kind, Math.max(1, Math.round(KIND_SHARES[kind] * count))]),
  ) as Record<Kind, number>;
  counts.flexybox = Math.max(1, count - KINDS.filter((k) => k !== 'flexybox').reduce((sum, k) => sum + counts[k], 0));
  const kinds = KINDS.flatMap((kind) => Array<Kind>(counts[kind]).fill(kind));
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  const resubmits = Math.max(1, Math.round(count * RESUBMIT_SHARE));
  return kinds.map((kind, index) => {
    const ref = `chaos-${run}-${index}`;
    const refused = kind !== 'cpextender-pool' && random() < REFUSED_SHARE;
    const at = Math.floor(random() * windowMs);
    const order: PlannedOrder = {
      kind,
      ref,
      workflowId: workflowIdOf(kind, ref),
      input: inputFor(kind, refused, random),
      refused,
      at,
    };
    if (index < resubmits) order.resubmitAt = at + Math.floor(random() * 3000);
    return order;
  });
}

function workflowIdOf(kind: Kind, ref: string): string {
  if (kind === 'cpextender-redeem') return redemptionWorkflowId(ref);
  if (kind === 'cpextender-pool') return poolWorkflowId(ref);
  return orderWorkflowId(PROVIDER_OF[kind], ref);
}

function inputFor(kind: Kind, refused: boolean, random: () => number): Record<string, any> {
  switch (kind) {
    case 'flexybox':
      return {
        customer: { fullName: 'Chaos Customer', email: 'chaos@example.com' },
        // An unknown department is refused at the catalogue check, before anything is created.
        departmentId: refused ? '00000000-0000-4000-8000-000000000000' : flexyboxSeed.departments.hotelNordlys.Id,
        certificates: [{ type: 'Gavekort', quantity: 1 + Math.floor(random() * 2), price: 100 }],
      };
    case 'cpextender-issue':
      return {
        customerNumber: refused ? '0000000000' : cpExtenderSeed.customers[0],
        giftCardCode: 'GC',
        giftCardValue: 50 + Math.floor(random() * 100),
        agency: 'Website',
      };
    case 'cpextender-redeem':
      // The card of a non-refused redemption is filled in once the cards are issued (issueRedeemCards).
      return {
        giftCardId: refused ? cpExtenderSeed.cards.voided.Id : '',
        amount: 5 + Math.floor(random() * 40),
        autoConfirm: true,
      };
    case 'cpextender-pool':
      return { count: 2 + Math.floor(random() * 4), agency: 'Website' };
    case 'smartgift':
      return {
        items: [{ id: 1, price: 100 }],
        customer: { email: 'chaos@example.com' },
        delivery: { method: 1, email: 'recipient@example.com' },
        payment_method: refused ? 9 : 1,
      };
    case 'payway':
      return {
        giver_account_id: paywaySeed.accounts.giver,
        product_code: paywaySeed.campaigns.digital.productCode,
        period_id: refused ? paywaySeed.campaigns.digital.periods.card : paywaySeed.campaigns.digital.periods.invoice,
        gift_delivery_address: {
          first_name: 'Chaos',
          last_name: 'Monkey',
          street: 'Storgatan',
          city: 'Umeå',
          zip_code: '90326',
          country_code: 'SE',
        },
      };
  }
}

/** Issues one card per redemption that is not meant to be refused, straight through the activities, before any fault is set. */
export async function issueRedeemCards(orders: PlannedOrder[], config: GiftflowConfig): Promise<void> {
  const cpextender = createCpExtenderActivities(config);
  for (const order of orders.filter((o) => o.kind === 'cpextender-redeem' && !o.refused)) {
    const [giftCardId] = (
      await cpextender.reserveCpExtenderIds({ step: 'reserveId', requestType: 'single', agency: 'Website' })
    ).giftCardIds;
    await cpextender.createCpExtenderGiftCard({
      giftCardId,
      customerNumber: cpExtenderSeed.customers[0],
      giftCardCode: 'GC',
      giftCardValue: 100,
      saleId: `${order.ref}-card`,
    });
    order.input.giftCardId = giftCardId;
  }
}

/** Starts (or attaches to) the order from the client library, as a backend would. */
export async function submit(giftflow: GiftflowClient, order: PlannedOrder): Promise<void> {
  const { kind, ref, input } = order;
  if (kind === 'cpextender-redeem') await giftflow.cpextender.redeem({ redemptionRef: ref, input: input as any });
  else if (kind === 'cpextender-pool') await giftflow.cpextender.reservePool({ poolRef: ref, input: input as any });
  else await giftflow.startGiftOrder({ provider: PROVIDER_OF[kind] as any, orderRef: ref, input: input as any });
}

/**
 * What the ledger holds for one order: `entries` counts what the provider created for it
 * (more than one is a duplicate), `matches` says whether that entry is the one the result names.
 */
export function ledgerEntries(order: PlannedOrder, result: any, ledger: any): { entries: number; matches: boolean } {
  const id = (step: string) => deriveProviderId(order.workflowId, step);
  switch (order.kind) {
    case 'flexybox': {
      const customerId = id(FLEXYBOX_ID_STEPS.customerId);
      const salesOrderId = id(FLEXYBOX_ID_STEPS.salesOrderId);
      const salesOrders = ledger.flexybox.salesOrders.filter((o: any) => o.customerId === customerId);
      const payments = ledger.flexybox.payments.filter((p: any) => p.salesOrderId === salesOrderId);
      const matches =
        salesOrders.length === 1 &&
        salesOrders[0].id === salesOrderId &&
        salesOrders[0].state === 'Committed' &&
        payments.length === 1;
      return { entries: Math.max(salesOrders.length, payments.length), matches };
    }
    case 'cpextender-issue': {
      const cards = ledger.cpextender.giftCards.filter(
        (card: any) => card.saleId === id(CPEXTENDER_ID_STEPS.issueSaleId),
      );
      return {
        entries: cards.length,
        matches:
          cards.length === 1 && cards[0].id === result?.giftCardId && cards[0].balance === order.input.giftCardValue,
      };
    }
    case 'cpextender-redeem': {
      const holds = ledger.cpextender.authorizations.filter(
        (a: any) => a.saleId === id(CPEXTENDER_ID_STEPS.redeemSaleId),
      );
      return {
        entries: holds.length,
        matches: holds.length === 1 && holds[0].state === 'confirmed' && holds[0].authCode === result?.authCode,
      };
    }
    case 'cpextender-pool': {
      // Extra reservations under the pool's name are harmless (an ambiguous ReserveIds asked again); what counts is the result.
      const reserved = new Set(
        ledger.cpextender.reservations
          .filter((r: any) => r.requestName === order.workflowId && r.requestType === 'pool')
          .map((r: any) => r.id),
      );
      const ids: string[] = result?.giftCardIds ?? [];
      return {
        entries: reserved.size > 0 ? 1 : 0,
        matches:
          ids.length === order.input.count && new Set(ids).size === ids.length && ids.every((i) => reserved.has(i)),
      };
    }
    case 'smartgift': {
      const orders = ledger.smartgift.orders.filter((o: any) => o.orderId === id(SMARTGIFT_ID_STEPS.orderId));
      return {
        entries: orders.length,
        matches:
          orders.length === 1 && (result?.orderReference == null || orders[0].orderReference === result.orderReference),
      };
    }
    case 'payway': {
      const orders = ledger.payway.orders.filter(
        (o: any) => o.merchant_reference === id(PAYWAY_ID_STEPS.merchantReference),
      );
      return { entries: orders.length, matches: orders.length === 1 && orders[0].order_id === result?.orderId };
    }
  }
}
