/**
 * Provider rejections may quote what we sent: "Customer 'Karen Jensen' at Strandvejen 12 is
 * blocked". The HTTP layer masks what has a shape (e-mails, phone and card numbers, codes;
 * security/redact.ts), but a name or a street has none, and the worker logs every failed
 * activity with its message, without the request beside it. So the calls that carry customer
 * data mask, in their failure's message, every value the request held under a sensitive field
 * name, the same masking the worker log applies to an entry's own fields (redactLogEntry).
 * History holds the message encrypted anyway (security/failure-converter.ts).
 */
import { ApplicationFailure } from '@temporalio/common';
import { redactLogEntry } from '../security/redact';

/** Runs `call`; an ApplicationFailure it throws comes back with `body`'s sensitive values masked in its message. */
export async function withoutEchoes<T>(body: object, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    // Only a failure the HTTP layer made from a provider's answer (it names the provider in its
    // details) quotes the provider; our own messages, such as the taken voucher codes an
    // operator must look up, stay as they are.
    if (!(error instanceof ApplicationFailure) || !isProviderAnswer(error)) throw error;
    const message = redactLogEntry({ message: error.message, meta: { body } }).message;
    if (message === error.message) throw error;
    throw ApplicationFailure.create({
      type: error.type ?? undefined,
      message,
      nonRetryable: error.nonRetryable ?? undefined,
      details: error.details ?? undefined,
      nextRetryDelay: error.nextRetryDelay ?? undefined,
      cause: error.cause,
    });
  }
}

function isProviderAnswer(error: ApplicationFailure): boolean {
  const [first] = error.details ?? [];
  return typeof first === 'object' && first !== null && 'provider' in first;
}
