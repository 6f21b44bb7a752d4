/**
 * What every provider's sandbox shares with the server that mounts it: the plug-in shape and the
 * behaviour switches. Apart from server.ts, so a provider file never imports the server that imports it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';

/**
 * One provider's plug-in: its routes, its auth rule and its in-memory state. Each route
 * path includes the provider's documented prefix; the server enforces auth on all of them.
 */
export interface SandboxProvider {
  /** Key of this provider's entities in GET /__sandbox/ledger. */
  readonly name: string;
  isAuthorized(request: FastifyRequest): boolean;
  /** Body of the 401 sent when isAuthorized is false. */
  readonly unauthorizedBody: unknown;
  /** Registers the routes on an encapsulated scope (its own error handler is allowed). */
  routes(app: FastifyInstance): void;
  ledger(): unknown;
  /** Empties state; the seed catalog stays. */
  reset(): void;
}

/**
 * A documented path (`/Giftcard/{id}/BalanceCheck`, as the wire modules in contracts/ and the
 * activities write it) as a fastify route under the provider's prefix (`/cpextender/Giftcard/:id/BalanceCheck`).
 */
export function sandboxRoute(prefix: string, path: string): string {
  return prefix + path.replace(/\{(\w+)\}/g, ':$1');
}

/**
 * Switches for provider behaviour the documents leave open, each set to the pessimistic
 * reading, so tests can prove the workflows never duplicate under it. All are off by
 * default: the sandbox then answers as it always has.
 */
const sandboxBehaviourSchema = z.strictObject({
  /** CP Extender BalanceCheck answers every `History[].Document` as null, as its documented example shows, instead of the SaleId. */
  cpextenderHistoryDocumentNull: z.boolean(),
  /**
   * CP Extender Create checks "GiftcardId Not Reserved" before "GiftcardId Already Exists":
   * a repeat of a Create that landed then answers Not Reserved, as the ID is no longer reserved once its card exists.
   */
  cpextenderNotReservedFirst: z.boolean(),
  /** Flexybox commit answers 204 without a body (the guide shows none), on the first commit and on a repeat. */
  flexyboxCommitNoContent: z.boolean(),
});

export type SandboxBehaviour = z.infer<typeof sandboxBehaviourSchema>;

export const DEFAULT_SANDBOX_BEHAVIOUR: Readonly<SandboxBehaviour> = Object.freeze({
  cpextenderHistoryDocumentNull: false,
  cpextenderNotReservedFirst: false,
  flexyboxCommitNoContent: false,
});

/**
 * Parses the body of PUT /__sandbox/behaviour: the switches to set, any omitted one back to
 * its default. Returns the whole behaviour, or a message naming the offending field.
 */
export function parseSandboxBehaviour(body: unknown): SandboxBehaviour | string {
  const result = sandboxBehaviourSchema.partial().safeParse(body);
  if (result.success) return { ...DEFAULT_SANDBOX_BEHAVIOUR, ...result.data };
  const issue = result.error.issues[0];
  const switches = Object.keys(DEFAULT_SANDBOX_BEHAVIOUR).join(', ');
  if (issue.code === 'unrecognized_keys')
    return `${issue.keys.join(', ')}: not a behaviour switch (switches: ${switches})`;
  if (issue.path.length === 0) return 'body: must be a JSON object';
  return `${issue.path.join('.')}: must be true or false`;
}
