/**
 * Exact money (contracts/money.ts, activities/amounts.ts): amounts read as integer minor units
 * by the currency's ISO 4217 exponent, sent as the exact JSON number the provider documents,
 * summed and compared exactly. Unit checks, then the activities against the real sandbox, then
 * whole orders through the client, the workflows and the sandbox.
 */
import { createCpExtenderActivities } from '../activities/cpextender';
import { createFlexyboxActivities } from '../activities/flexybox';
import { closeHttpPools } from '../activities/http';
import { flexyboxOrderInputSchema } from '../contracts/flexybox';
import { currencyExponent, formatMinorUnits, fromMinorUnits, toMinorUnits } from '../contracts/money';
import { flexyboxSeed } from '../sandbox/flexybox';
import { cardById, cpExtenderIssue, issueTestCard } from './support/cpextender';
import { flexyboxLedgerFor, flexyboxOrder } from './support/flexybox';
import { failureOf, uniqueRef, useInProcessStack } from './support/stack';

describe('minor units', () => {
  it('uses the ISO 4217 exponent of each currency', () => {
    expect(['JPY', 'ISK', 'KRW', 'CLP', 'XOF'].map(currencyExponent)).toEqual([0, 0, 0, 0, 0]);
    expect(['DKK', 'EUR', 'NOK', 'SEK', 'USD', 'GBP'].map(currencyExponent)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(['KWD', 'BHD', 'JOD', 'OMR', 'TND', 'IQD', 'LYD'].map(currencyExponent)).toEqual([3, 3, 3, 3, 3, 3, 3]);
  });

  it.each([
    [12.5, 2, 1250],
    ['12.50', 2, 1250],
    ['12.500', 2, 1250],
    [1500, 0, 1500],
    [1.125, 3, 1125],
    [0.1 + 0.2, 2, undefined],
    [0.001, 2, undefined],
    [1.5, 0, undefined],
    [1e-7, 3, undefined],
    ['-1', 2, undefined],
    ['1e3', 2, undefined],
  ])('reads %p at %i decimals as %p', (amount, decimals, minor) => {
    expect(toMinorUnits(amount, decimals)).toBe(minor);
  });

  it('turns every amount up to 10,000.00 into the JSON number that prints exactly its decimal', () => {
    for (let minor = 1; minor <= 1_000_000; minor++) {
      const written = JSON.stringify(fromMinorUnits(minor, 2));
      if (written !== formatMinorUnits(minor, 2).replace(/\.?0+$/, ''))
        throw new Error(`${minor} cents printed as ${written}`);
    }
    expect(fromMinorUnits(30, 2)).toBe(0.3);
    expect(fromMinorUnits(30, 2)).not.toBe(0.1 + 0.2);
  });
});

describe('the activities send and read exact amounts', () => {
  const env = useInProcessStack();
  afterAll(() => closeHttpPools());
  let sequence = 0;
  const newId = () => `00000000-0000-4000-9000-${String(++sequence).padStart(12, '0')}`;
  const gavekort = flexyboxSeed.giftCertificateTypes.gavekort;

  it('Flexybox: a KWD order of 3 × 0.1 totals 0.3 (a float sum gives 0.30000000000000004) and commits', async () => {
    const flexybox = createFlexyboxActivities(env.sandbox.config());
    const customerId = newId();
    const salesOrderId = newId();
    await flexybox.upsertFlexyboxCustomer({
      customerId,
      customer: { fullName: 'Karen Jensen', email: 'karen.jensen@example.com', countryCode: 'DK' },
    });
    const lines = [{ typeId: gavekort.Id, typeName: gavekort.Name, quantity: 3, price: 0.1 }];
    const created = await flexybox.createFlexyboxSalesOrder({
      salesOrderId,
      customerId,
      departmentId: flexyboxSeed.departments.hotelNordlys.Id,
      lines,
      currency: 'KWD',
      debitMethod: 'OnlinePayment',
    });
    expect(created.total).toBe(0.3);
    const committed = await flexybox.commitFlexyboxSalesOrder({
      salesOrderId,
      payment: { id: newId(), type: 'Mastercard', amount: created.total },
    });
    expect(committed.issuedCertificates?.map((c) => c.amount)).toEqual([0.1, 0.1, 0.1]);
  });

  it('Flexybox: an amount the currency cannot hold (1.5 JPY, recorded before amounts were exact) is refused and nothing is sent', async () => {
    const flexybox = createFlexyboxActivities(env.sandbox.config());
    const salesOrderId = newId();
    const lines = [{ typeId: gavekort.Id, typeName: gavekort.Name, quantity: 1, price: 1.5 }];
    const failure = await failureOf(
      flexybox.createFlexyboxSalesOrder({
        salesOrderId,
        customerId: newId(),
        departmentId: flexyboxSeed.departments.hotelNordlys.Id,
        lines,
        currency: 'JPY',
        debitMethod: 'OnlinePayment',
      }),
    );
    expect(failure).toMatchObject({
      type: 'InvalidInput',
      nonRetryable: true,
      message: 'price must have at most 0 decimals (JPY has 0); got 1.5; nothing was sent',
    });
    const { flexybox: ledger } = await env.sandbox.ledger();
    expect(ledger.salesOrders.filter((order: { id: string }) => order.id === salesOrderId)).toEqual([]);
  });

  it('CP Extender: a card of 100.30 redeemed by 0.10 and 0.20 has exactly 100 left (a float subtraction leaves 99.99999999999999)', async () => {
    const cpextender = createCpExtenderActivities(env.sandbox.config());
    const giftCardId = await issueTestCard(cpextender, 100.3);
    for (const amount of [0.1, 0.2]) {
      const { authCode, authorizedAmount } = await cpextender.authorizeCpExtender({
        giftCardId,
        saleId: newId(),
        amount,
      });
      expect(authorizedAmount).toBe(amount);
      await cpextender.confirmCpExtenderAuthorization({ giftCardId, authCode });
    }
    const { card } = await cpextender.checkCpExtenderBalance({ step: 'readBalance', giftCardId });
    expect(card.balance).toBe(100);
    expect(card.availableBalance).toBe(100);
    expect(card.history.map((entry) => entry.amount)).toEqual([100.3, 0.1, 0.1, 0.2, 0.2]);
  });

  it('CP Extender: an amount with more than its two decimals is refused before Authorize is sent', async () => {
    const cpextender = createCpExtenderActivities(env.sandbox.config());
    const giftCardId = await issueTestCard(cpextender, 50);
    const failure = await failureOf(cpextender.authorizeCpExtender({ giftCardId, saleId: newId(), amount: 0.1 + 0.2 }));
    expect(failure.message).toBe(
      "amount must have at most 2 decimals (CP Extender's currency has 2); got 0.30000000000000004; nothing was sent",
    );
    expect((await cardById(env.sandbox, giftCardId))?.openAuthorizations ?? 0).toBe(0);
  });

  describe('whole orders, with amounts given as decimal strings', () => {
    it('Flexybox in KWD: prices "0.100" × 3 and "1.125" total 1.425, paid exactly', async () => {
      const orderRef = uniqueRef('money-kwd');
      const input = flexyboxOrder({
        currency: 'KWD',
        certificates: [
          { type: 'Gavekort', quantity: 3, price: '0.100' },
          { type: 'Gavekort', quantity: 1, price: '1.125' },
        ],
      });
      expect(flexyboxOrderInputSchema.parse(input).certificates.map((line) => line.price)).toEqual([0.1, 1.125]);
      const result = await (
        await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input })
      ).result();
      expect(result.total).toBe(1.425);
      const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
      expect(ledger.salesOrders).toEqual([expect.objectContaining({ total: 1.425 })]);
      expect(ledger.payments).toEqual([expect.objectContaining({ amount: 1.425 })]);
    });

    it('CP Extender: a card of "100.30" passes the exact balance check and is issued', async () => {
      const orderRef = uniqueRef('money-card');
      const handle = await env.stack.giftflow.startGiftOrder({
        provider: 'cpextender',
        orderRef,
        input: cpExtenderIssue({ giftCardValue: '100.30' }),
      });
      const result = await handle.result();
      expect(result.balance).toBe(100.3);
      expect((await cardById(env.sandbox, result.giftCardId))?.balance).toBe(100.3);
    });
  });
});
