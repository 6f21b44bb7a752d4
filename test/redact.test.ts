import { redact } from '../security/redact';

describe('redaction helper', () => {
  it.each([
    ['Customer karen.jensen@example.com is invalid', 'Customer <email> is invalid'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc', 'Authorization: Bearer <redacted>'],
    ['Smart-Auth: sk_live_4f9a8b7c6d5e', 'Smart-Auth: sk_<redacted>'],
    ['call +45 12 34 56 78 now', 'call <phone> now'],
    ['no secrets in here, order 1042 at 2026-11-23T05:00:00Z', 'no secrets in here, order 1042 at 2026-11-23T05:00:00Z'],
  ])('masks %j', (text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it('masks configured secret values wherever they appear', () => {
    expect(redact('token=s3cr3t-value&x=s3cr3t-value', ['s3cr3t-value'])).toBe('token=<secret>&x=<secret>');
  });
});
