/**
 * The failure converter of every giftflow process and of the workflow sandbox. Failure messages
 * and stack traces name what went wrong with an order (gift-card numbers, caller-supplied voucher
 * codes, provider reasons), and Temporal stores them in history as plain text unless they are
 * moved into the failure's `encodedAttributes` payload, which the payload codec then encrypts.
 *
 * This module is loaded by path (`DataConverter.failureConverterPath`), both by the worker and
 * client in Node and by the workflow bundler: the workflow isolate cannot receive converter
 * instances. So it must stay workflow-safe: no Node APIs, no imports beyond @temporalio/common.
 * Decoding does not depend on the option, so histories with plain failures still replay and read.
 */
import {
  DefaultFailureConverter,
  type PayloadConverter,
  type ProtoFailure,
  type SerializationContext,
} from '@temporalio/common';

/** Error names whose failures stay plain text (matched by name: payload-codec.ts is not workflow-safe). */
const PLAIN_ERRORS = new Set([
  // "payload is encrypted with codec key 'x', which is not configured here": a workflow task
  // failure the operator must read to fix the key ring, possibly without the key it names.
  // It carries key IDs only, never order data.
  'UnknownCodecKeyError',
]);

class GiftflowFailureConverter extends DefaultFailureConverter {
  constructor() {
    super({ encodeCommonAttributes: true });
  }

  // Causes come through this method too, so only the listed error itself stays plain, not what wraps it.
  override errorToFailure(
    err: unknown,
    payloadConverter: PayloadConverter,
    context?: SerializationContext,
  ): ProtoFailure {
    if (err instanceof Error && PLAIN_ERRORS.has(err.name))
      return this.errorToFailureInner(err, payloadConverter, context);
    return super.errorToFailure(err, payloadConverter, context);
  }
}

export const failureConverter = new GiftflowFailureConverter();
