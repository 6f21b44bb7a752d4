/**
 * AES-256-GCM payload encryption for everything giftflow puts into Temporal: workflow
 * inputs, activity arguments and results, query and update payloads. Temporal then stores,
 * shows and exports only ciphertext; the key ID travels in each payload's metadata so that
 * rotated keys keep decrypting what they encrypted.
 */
import { webcrypto } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;

/** A named 256-bit key. */
export interface CodecKey {
  id: string;
  key: Uint8Array;
}

/** Raised when a payload was encrypted with a key this process does not have. */
export class UnknownCodecKeyError extends Error {
  override name = 'UnknownCodecKeyError';
  constructor(keyId: string, known: string[]) {
    super(
      `payload is encrypted with codec key '${keyId}', which is not configured here (known keys: ${known.join(', ') || 'none'}); add it to GIFTFLOW_CODEC_KEYS`,
    );
  }
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private constructor(
    private readonly activeKeyId: string,
    private readonly keys: Map<string, webcrypto.CryptoKey>,
  ) {}

  /** `activeKeyId` encrypts; every key in `keys` decrypts. */
  static async create(keys: CodecKey[], activeKeyId: string): Promise<AesGcmPayloadCodec> {
    if (!keys.some((k) => k.id === activeKeyId))
      throw new Error(`active codec key '${activeKeyId}' is not among the configured keys`);
    const imported = new Map<string, webcrypto.CryptoKey>();
    for (const { id, key } of keys) {
      imported.set(id, await webcrypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt']));
    }
    return new AesGcmPayloadCodec(activeKeyId, imported);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.activeKeyId)!;
    return Promise.all(
      payloads.map(async (payload) => {
        const iv = webcrypto.getRandomValues(new Uint8Array(IV_BYTES));
        const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
        const ciphertext = new Uint8Array(await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plaintext));
        const data = new Uint8Array(IV_BYTES + ciphertext.length);
        data.set(iv);
        data.set(ciphertext, IV_BYTES);
        return {
          metadata: {
            [METADATA_ENCODING_KEY]: new TextEncoder().encode(ENCRYPTED_ENCODING),
            [KEY_ID_METADATA]: new TextEncoder().encode(this.activeKeyId),
          },
          data,
        };
      }),
    );
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
        if (!encoding || new TextDecoder().decode(encoding) !== ENCRYPTED_ENCODING) return payload;
        const keyId = new TextDecoder().decode(payload.metadata?.[KEY_ID_METADATA] ?? new Uint8Array());
        const key = this.keys.get(keyId);
        if (!key) throw new UnknownCodecKeyError(keyId, [...this.keys.keys()]);
        const data = payload.data ?? new Uint8Array();
        const plaintext = await webcrypto.subtle.decrypt(
          { name: 'AES-GCM', iv: data.subarray(0, IV_BYTES) },
          key,
          data.subarray(IV_BYTES),
        );
        return temporal.api.common.v1.Payload.decode(new Uint8Array(plaintext));
      }),
    );
  }
}
