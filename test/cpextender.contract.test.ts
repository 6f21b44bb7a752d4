/**
 * CP Extender's reasons that steer the workflows travel as a typed `reason` in the rejection's
 * details (contracts/cpextender-workflow.ts), read from the provider's error body; failures
 * recorded before that carry only the text, which the workflows still read.
 */
import { createCpExtenderActivities } from '../activities/cpextender';
import { closeHttpPools } from '../activities/http';
import { CPEXTENDER_REASONS, cpExtenderReasonOf } from '../contracts/cpextender-workflow';
import { failureOf, TestSandbox } from './support/stack';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await TestSandbox.start();
});
afterAll(async () => {
  await closeHttpPools();
  await sandbox?.close();
});

const createMessage = (text: string) =>
  `cpextender step 'createGiftCard' (POST /Giftcard/Create) rejected the request (HTTP 400): ${text}`;

describe('CP Extender reasons', () => {
  it('puts the reason of a refused Create in the failure details, and null for a reason no workflow acts on', async () => {
    const cpextender = createCpExtenderActivities(sandbox.config());
    const card = {
      customerNumber: '2059378440',
      giftCardCode: 'GC',
      giftCardValue: 10,
      saleId: `reason-${Date.now()}`,
    };
    const notReserved = await failureOf(
      cpextender.createCpExtenderGiftCard({ ...card, giftCardId: '99-00000000000000000' }),
    );
    expect(notReserved.details?.[0]).toMatchObject({
      provider: 'cpextender',
      step: 'createGiftCard',
      reason: 'notReserved',
    });
    expect(cpExtenderReasonOf(notReserved)).toBe('notReserved');
    const { giftCardIds } = await cpextender.reserveCpExtenderIds({
      step: 'reserveId',
      requestType: 'single',
      agency: 'Website',
    });
    const unknownCode = await failureOf(
      cpextender.createCpExtenderGiftCard({ ...card, giftCardId: giftCardIds[0], giftCardCode: 'NOPE' }),
    );
    expect(unknownCode.details?.[0]).toMatchObject({ reason: null });
    expect(cpExtenderReasonOf(unknownCode)).toBeNull();
  });

  it('reads the typed reason, not the message, and falls back to the message for failures recorded without one', () => {
    const message = createMessage(CPEXTENDER_REASONS.notReserved);
    expect(
      cpExtenderReasonOf({ message: createMessage('Customer Not Found'), details: [{ reason: 'notReserved' }] }),
    ).toBe('notReserved');
    expect(
      cpExtenderReasonOf({ message, details: [{ provider: 'cpextender', step: 'createGiftCard', reason: null }] }),
    ).toBeNull();
    expect(cpExtenderReasonOf({ message, details: [{ provider: 'cpextender', step: 'createGiftCard' }] })).toBe(
      'notReserved',
    );
    expect(cpExtenderReasonOf({ message: createMessage(CPEXTENDER_REASONS.alreadyExists), details: null })).toBe(
      'alreadyExists',
    );
    expect(cpExtenderReasonOf({ message: createMessage('Customer Not Found') })).toBeNull();
  });
});
