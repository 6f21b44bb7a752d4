import { createHash } from 'node:crypto';
import { deriveProviderId, sha1, uuidV5 } from '../workflows/ids';

const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('workflow-side ID derivation', () => {
  it('computes SHA-1 test vectors from FIPS 180-4', () => {
    expect(hex(sha1(new TextEncoder().encode('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(hex(sha1(new Uint8Array()))).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    const million = new TextEncoder().encode('a'.repeat(1_000_000));
    expect(hex(sha1(million))).toBe('34aa973cd4c4daa4f61eeb2bdbad27316534016f');
  });

  it('matches node:crypto on every length around block boundaries', () => {
    for (let length = 0; length < 200; length++) {
      const data = new TextEncoder().encode('é'.repeat(length).slice(0, length));
      expect(hex(sha1(data))).toBe(createHash('sha1').update(data).digest('hex'));
    }
  });

  it('computes the RFC 4122 v5 vector for www.example.com in the DNS namespace', () => {
    expect(uuidV5('www.example.com', DNS_NAMESPACE)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('pins the IDs giftflow derives, so a change cannot silently re-key live orders', () => {
    // Vectors computed independently with Python's uuid.uuid5 in GIFTFLOW_ID_NAMESPACE.
    expect(deriveProviderId('giftorder-flexybox-order-1', 'customer')).toBe('c676e778-e9e8-5232-938c-45428ac61e5b');
    expect(deriveProviderId('giftorder-flexybox-order-1', 'salesOrder')).toBe('ab369948-c4ee-5d89-b83c-540daceb8234');
  });
});
