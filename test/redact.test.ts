import { ApplicationFailure } from '@temporalio/common';
import { isSensitiveKey, MASK, redact, redactFields, redactLogEntry, SENSITIVE_KEYS } from '../security/redact';

describe('redaction helper', () => {
  it.each([
    ['Customer karen.jensen@example.com is invalid', 'Customer <email> is invalid'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc', 'Authorization: Bearer <redacted>'],
    ['Smart-Auth: sk_live_4f9a8b7c6d5e', 'Smart-Auth: sk_<redacted>'],
    ['call +45 12 34 56 78 now', 'call <phone> now'],
    [
      'no secrets in here, order 1042 at 2026-11-23T05:00:00Z',
      'no secrets in here, order 1042 at 2026-11-23T05:00:00Z',
    ],
    // phone numbers in any format, not only with a leading '+'
    ['call 20 30 40 50 now', 'call <phone> now'],
    ['mobile 0701234567', 'mobile <phone>'],
    ['call (555) 123-4567', 'call <phone>'],
    ['call 0045-2030-4050', 'call <phone>'],
    ['customer (20 30 40 50) is locked', 'customer (<phone>) is locked'],
    // gift-card numbers, auth codes, voucher codes
    ['reservation of GiftCardId 99-12345678901234567 expires', 'reservation of GiftCardId <number> expires'],
    ['card WEB-1234567890123456 issued', 'card <card> issued'],
    ['hold GDA3F9A0B1C2D3E4F5061728394A5B6C7 placed', 'hold <code> placed'],
    ['codes already taken (LOGTEST7CODE, SBX000000001)', 'codes already taken (<code>, <code>)'],
  ])('masks %j', (text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it.each([
    'workflow giftorder-flexybox-order-1042 run 01a22796-f7b7-7de3-af40-b80d83065cd9',
    'listening on 127.0.0.1:43081, retry after 1500 ms',
    'delivery date 2026-12-24',
    'ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT, HTTP 503',
    "flexybox step 'upsertCustomer' (PUT /customers/{customerId}) answered HTTP 503",
  ])('leaves operational text alone: %j', (text) => {
    expect(redact(text)).toBe(text);
  });

  it('masks configured secret values wherever they appear', () => {
    expect(redact('token=s3cr3t-value&x=s3cr3t-value', ['s3cr3t-value'])).toBe('token=<secret>&x=<secret>');
  });
});

describe('structured redaction of log metadata', () => {
  it('knows the field names of every contract, in any spelling', () => {
    for (const key of [
      'fullName',
      'first_name',
      'LastName',
      'streetAddress',
      'street',
      'address1',
      'phoneNumber',
      'mobile_number',
      'email',
      'giver_email',
    ]) {
      expect(isSensitiveKey(key)).toBe(true);
    }
    for (const key of [
      'giftCardId',
      'GiftCardId',
      'authCode',
      'AuthCode',
      'voucherCodes',
      'code',
      'message',
      'to',
      'from',
      'gift_delivery_address',
      'customerNumber',
    ]) {
      expect(isSensitiveKey(key)).toBe(true);
    }
    for (const key of [
      'step',
      'provider',
      'workflowId',
      'salesOrderId',
      'orderId',
      'saleId',
      'status',
      'durationMs',
      'attempt',
    ]) {
      expect(isSensitiveKey(key)).toBe(false);
    }
    expect(SENSITIVE_KEYS.length).toBeGreaterThan(30);
  });

  it('masks values under sensitive keys at any depth, and keeps the rest', () => {
    const meta = {
      step: 'createGiftCard',
      provider: 'cpextender',
      workflowId: 'giftorder-cpextender-ORDER20261129001',
      providerIds: {
        giftCardId: 'WEB-1234567890123456',
        saleId: 'b6f1c7e2-6f2a-5d1e-9c3b-0a1b2c3d4e5f',
        authCode: 'GDA0011',
      },
      customer: { fullName: 'Karen Jensen', email: 'karen@example.com' },
      gift_delivery_address: { first_name: 'John', street: 'Sunset Boulevard', mobile_number: '0501231234' },
      items: [{ id: 1, code: 'xmasgift', message: 'Happy birthday Maja', to: 'Maja', from: 'Karen' }],
      result: { voucherCodes: ['ABC', 'DEF'], issuedCertificates: [{ number: '000123', amount: 250 }] },
      note: 'call 20 30 40 50',
      attempt: 2,
    };
    expect(redactFields(meta)).toEqual({
      step: 'createGiftCard',
      provider: 'cpextender',
      // operational fields skip the pattern pass: the upper-case order reference stays
      workflowId: 'giftorder-cpextender-ORDER20261129001',
      providerIds: { giftCardId: MASK, saleId: 'b6f1c7e2-6f2a-5d1e-9c3b-0a1b2c3d4e5f', authCode: MASK },
      customer: MASK,
      gift_delivery_address: MASK,
      items: [{ id: 1, code: MASK, message: MASK, to: MASK, from: MASK }],
      result: { voucherCodes: MASK, issuedCertificates: [{ number: MASK, amount: 250 }] },
      note: 'call <phone>',
      attempt: 2,
    });
  });

  it('prints errors by name, type, redacted message, details and cause, and survives cycles and bigints', () => {
    const cause = new Error('Customer karen@example.com not found');
    const failure = ApplicationFailure.create({
      type: 'ProviderRejected',
      message: 'left at the provider: GiftCardId 99-12345678901234567',
      nonRetryable: true,
      details: [{ step: 'createGiftCard', providerIds: { giftCardId: '99-12345678901234567', saleId: 's-1' } }],
      cause,
    });
    const cyclic: Record<string, unknown> = { big: 10n };
    cyclic.self = cyclic;
    const out = redactFields({ error: failure, cyclic }) as any;
    expect(out.error).toEqual({
      name: 'ApplicationFailure',
      type: 'ProviderRejected',
      message: 'left at the provider: GiftCardId <number>',
      nonRetryable: true,
      details: [{ step: 'createGiftCard', providerIds: { giftCardId: MASK, saleId: 's-1' } }],
      cause: { name: 'Error', message: 'Customer <email> not found' },
    });
    expect(out.cyclic).toEqual({ big: '10', self: '[circular]' });
    expect(() => JSON.stringify(out)).not.toThrow();
  });

  it('masks a sensitive field value wherever the same entry repeats it in free text', () => {
    const entry = redactLogEntry(
      {
        level: 'WARN',
        message: 'voucher xmasgift for Karen Jensen rejected',
        meta: {
          code: 'xmasgift',
          customer: { fullName: 'Karen Jensen' },
          reason: 'xmasgift is taken',
          step: 'placeOrder',
        },
      },
      ['s3cr3t-value'],
    );
    expect(entry).toEqual({
      level: 'WARN',
      message: `voucher ${MASK} for ${MASK} rejected`,
      meta: { code: MASK, customer: MASK, reason: `${MASK} is taken`, step: 'placeOrder' },
    });
    expect(
      redactLogEntry({ message: 'token s3cr3t-value', meta: { workflowId: 'wf-s3cr3t-value' } }, ['s3cr3t-value']),
    ).toEqual({
      message: 'token <secret>',
      meta: { workflowId: 'wf-<secret>' },
    });
  });

  it('leaves an entry without metadata without metadata', () => {
    expect(redactLogEntry({ message: 'Worker state changed' })).toEqual({
      message: 'Worker state changed',
      meta: undefined,
    });
  });
});
