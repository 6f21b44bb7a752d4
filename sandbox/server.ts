/**
 * The sandbox: one fastify server that plays every gift-card provider under its own
 * prefix, plus /__sandbox control routes (ledger, request log, faults, behaviour, reset).
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SandboxClock } from './clock';
import { createCpExtenderSandbox } from './cpextender';
import { CONTROL_PREFIX, FaultRegistry, RequestLog, installFaultHooks, parseFaultSpec } from './faults';
import { createFlexyboxSandbox } from './flexybox';
import { createPaywaySandbox } from './payway';
import { createSmartGiftSandbox, type RateLimit } from './smartgift';

/** Options for {@link createSandboxServer}; tokens default to the environment, then dev tokens. */
export interface SandboxOptions {
  tokens?: { flexybox?: string; cpextender?: string; smartgift?: string };
  /** Smart Gift's rate limit per secret key (default: the documented 60 requests per minute). */
  smartgiftRateLimit?: RateLimit;
  /** CP Extender's "Max GiftCard Count per batch" setting for pool reservations (default 500). */
  cpextenderPoolBatchMax?: number;
  logger?: boolean;
}

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
 * Switches for provider behaviour the documents leave open, each set to the pessimistic
 * reading, so tests can prove the workflows never duplicate under it. All are off by
 * default: the sandbox then answers as it always has.
 */
export const sandboxBehaviourSchema = z.strictObject({
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
  if (issue.code === 'unrecognized_keys') return `${issue.keys.join(', ')}: not a behaviour switch (switches: ${switches})`;
  if (issue.path.length === 0) return 'body: must be a JSON object';
  return `${issue.path.join('.')}: must be true or false`;
}

/** Builds the sandbox server without listening; the caller listens and closes it. */
export function createSandboxServer(options: SandboxOptions = {}): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false });
  const clock = new SandboxClock();
  // One mutable object shared with the providers, which read it on every request.
  const behaviour: SandboxBehaviour = { ...DEFAULT_SANDBOX_BEHAVIOUR };
  const providers: SandboxProvider[] = [
    createFlexyboxSandbox({ token: options.tokens?.flexybox ?? process.env.FLEXYBOX_TOKEN ?? 'flexybox-dev-token', behaviour }),
    createPaywaySandbox({
      clientId: process.env.PAYWAY_CLIENT_ID ?? 'giftflow-dev',
      clientSecret: process.env.PAYWAY_CLIENT_SECRET ?? 'payway-dev-secret',
      clock,
    }),
    createCpExtenderSandbox({
      token: options.tokens?.cpextender ?? process.env.CPEXTENDER_TOKEN ?? 'cpextender-dev-token',
      clock,
      poolBatchMax: options.cpextenderPoolBatchMax ?? 500,
      behaviour,
    }),
    createSmartGiftSandbox({
      secretKey: options.tokens?.smartgift ?? process.env.SMARTGIFT_SECRET_KEY ?? 'sk_sandbox_dev',
      rateLimit: options.smartgiftRateLimit,
    }),
  ];
  const faults = new FaultRegistry();
  const requests = new RequestLog();

  installFaultHooks(app, faults, requests);
  registerControlRoutes(app, { providers, faults, requests, clock, behaviour });
  for (const provider of providers) {
    void app.register(async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        if (!provider.isAuthorized(request)) return reply.code(401).send(provider.unauthorizedBody);
      });
      provider.routes(scope);
    });
  }
  return app;
}

interface ControlState {
  providers: SandboxProvider[];
  faults: FaultRegistry;
  requests: RequestLog;
  clock: SandboxClock;
  behaviour: SandboxBehaviour;
}

function registerControlRoutes(app: FastifyInstance, { providers, faults, requests, clock, behaviour }: ControlState): void {
  app.get(`${CONTROL_PREFIX}/ledger`, async () =>
    Object.fromEntries(providers.map((provider) => [provider.name, provider.ledger()])),
  );

  app.get(`${CONTROL_PREFIX}/requests`, async () => requests.list());

  app.post(`${CONTROL_PREFIX}/faults`, async (request, reply) => {
    const spec = parseFaultSpec(request.body);
    if (typeof spec === 'string') return reply.code(400).send({ error: spec });
    return reply.code(201).send({ id: faults.add(spec).id });
  });

  app.get(`${CONTROL_PREFIX}/faults`, async () => faults.list());

  app.delete(`${CONTROL_PREFIX}/faults`, async () => ({ cleared: faults.clear() }));

  app.get(`${CONTROL_PREFIX}/clock`, async () => clock.state());

  app.post(`${CONTROL_PREFIX}/clock`, async (request, reply) => {
    const advanceMs = (request.body as { advanceMs?: unknown } | undefined)?.advanceMs;
    if (typeof advanceMs !== 'number' || !Number.isInteger(advanceMs) || advanceMs < 0) {
      return reply.code(400).send({ error: 'advanceMs: must be a whole number of milliseconds, at least 0' });
    }
    clock.advance(advanceMs);
    return clock.state();
  });

  app.get(`${CONTROL_PREFIX}/behaviour`, async () => ({ ...behaviour }));

  // PUT replaces the behaviour as a whole: the body names the switches to set, the rest
  // return to their defaults, so the outcome never depends on what an earlier test set.
  app.put(`${CONTROL_PREFIX}/behaviour`, async (request, reply) => {
    const next = parseSandboxBehaviour(request.body);
    if (typeof next === 'string') return reply.code(400).send({ error: next });
    Object.assign(behaviour, next);
    return { ...behaviour };
  });

  app.post(`${CONTROL_PREFIX}/reset`, async () => {
    for (const provider of providers) provider.reset();
    Object.assign(behaviour, DEFAULT_SANDBOX_BEHAVIOUR);
    clock.reset();
    faults.clear();
    requests.clear();
    return { reset: true };
  });
}
