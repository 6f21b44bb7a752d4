/** CP Extender test data and ledger look-ups shared by the CP Extender test files. */
import type { CpExtenderActivities } from '../../activities/cpextender';
import { CPEXTENDER_ID_STEPS, type CpExtenderIssueInput } from '../../contracts/cpextender';
import { orderWorkflowId } from '../../contracts/shared';
import { deriveProviderId } from '../../workflows/ids';
import type { GiftflowClient } from '../../client';
import type { RedemptionHandle } from '../../client/cpextender';
import type { TestSandbox } from './stack';

export function cpExtenderIssue(overrides: Partial<CpExtenderIssueInput> = {}): CpExtenderIssueInput {
  return { customerNumber: '2059378440', giftCardCode: 'GC', giftCardValue: 100, agency: 'Website', ...overrides };
}

/** The IDs the issue workflow for `orderRef` derives, computed independently of any run. */
export function cpExtenderIdsFor(orderRef: string) {
  const workflowId = orderWorkflowId('cpextender', orderRef);
  return { workflowId, saleId: deriveProviderId(workflowId, CPEXTENDER_ID_STEPS.issueSaleId) };
}

export interface LedgerCard {
  id: string;
  status: string;
  saleId: string | null;
  balance: number;
  openAuthorizations: number;
  availableBalance: number;
}

export async function cpExtenderLedger(sandbox: TestSandbox): Promise<{
  reservations: { id: string; requestName: string; requestType: string; used: boolean; expired: boolean }[];
  giftCards: LedgerCard[];
  authorizations: { authCode: string; ref: string; saleId: string; amount: number; state: string }[];
}> {
  return (await sandbox.ledger()).cpextender;
}

/** The cards issued for `saleId`: exactly-once means one. */
export async function cardsForSale(sandbox: TestSandbox, saleId: string): Promise<LedgerCard[]> {
  return (await cpExtenderLedger(sandbox)).giftCards.filter((card) => card.saleId === saleId);
}

export async function cardById(sandbox: TestSandbox, id: string): Promise<LedgerCard | undefined> {
  return (await cpExtenderLedger(sandbox)).giftCards.find((card) => card.id === id);
}

/** Issues a card worth `value` straight through the activities (for redemption tests). */
export async function issueTestCard(
  activities: CpExtenderActivities,
  value = 100,
  saleId = `sale-${Math.random().toString(36).slice(2)}`,
): Promise<string> {
  const [giftCardId] = (
    await activities.reserveCpExtenderIds({ step: 'reserveId', requestType: 'single', agency: 'Website' })
  ).giftCardIds;
  await activities.createCpExtenderGiftCard({
    giftCardId,
    customerNumber: '2059378440',
    giftCardCode: 'GC',
    giftCardValue: value,
    saleId,
  });
  return giftCardId;
}

/**
 * Starts a one-shot redemption that parks: CP Extender refuses our token at Confirm (401), once
 * the AuthCode is recorded. Clear the sandbox's faults and `retry` the order to finish it.
 */
export async function startRedemptionParkedAtConfirm(
  sandbox: TestSandbox,
  giftflow: GiftflowClient,
  giftCardId: string,
  redemptionRef: string,
): Promise<RedemptionHandle> {
  await sandbox.fault({
    method: 'POST',
    path: '/cpextender/Authorize/Confirm$',
    kind: 'status',
    status: 401,
    body: { Message: 'token expired' },
  });
  return giftflow.cpextender.redeem({ redemptionRef, input: { giftCardId, amount: 10, autoConfirm: true } });
}
