/**
 * The sandbox: one fastify server that plays every gift-card provider under its own
 * prefix, plus /__sandbox control routes (ledger, request log, faults, behaviour, reset).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { SandboxClock } from './clock';
import { createCpExtenderSandbox } from './cpextender';
import { CONTROL_PREFIX, FaultRegistry, RequestLog, installFaultHooks, parseFaultSpec } from './faults';
import { createFlexyboxSandbox } from './flexybox';
import { createPaywaySandbox } from './payway';
import { createSmartGiftSandbox, type RateLimit } from './smartgift';
import {
  DEFAULT_SANDBOX_BEHAVIOUR,
  parseSandboxBehaviour,
  type SandboxBehaviour,
  type SandboxProvider,
} from './provider';

export type { SandboxBehaviour, SandboxProvider } from './provider';

/** Options for {@link createSandboxServer}; tokens default to the environment, then dev tokens. */
export interface SandboxOptions {
  tokens?: { flexybox?: string; cpextender?: string; smartgift?: string };
  /** Smart Gift's rate limit per secret key (default: the documented 60 requests per minute). */
  smartgiftRateLimit?: RateLimit;
  /** CP Extender's "Max GiftCard Count per batch" setting for pool reservations (default 500). */
  cpextenderPoolBatchMax?: number;
  logger?: boolean;
}

/** Builds the sandbox server without listening; the caller listens and closes it. */
export function createSandboxServer(options: SandboxOptions = {}): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false });
  const clock = new SandboxClock();
  // One mutable object shared with the providers, which read it on every request.
  const behaviour: SandboxBehaviour = { ...DEFAULT_SANDBOX_BEHAVIOUR };
  const providers: SandboxProvider[] = [
    createFlexyboxSandbox({
      token: options.tokens?.flexybox ?? process.env.FLEXYBOX_TOKEN ?? 'flexybox-dev-token',
      behaviour,
    }),
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

function registerControlRoutes(
  app: FastifyInstance,
  { providers, faults, requests, clock, behaviour }: ControlState,
): void {
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
