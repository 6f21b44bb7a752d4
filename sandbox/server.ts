/**
 * The sandbox: one fastify server that plays every gift-card provider under its own
 * prefix, plus /__sandbox control routes (ledger, request log, faults, reset).
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { CONTROL_PREFIX, FaultRegistry, RequestLog, installFaultHooks, parseFaultSpec } from './faults';
import { createFlexyboxSandbox } from './flexybox';

/** Options for {@link createSandboxServer}; tokens default to the environment, then dev tokens. */
export interface SandboxOptions {
  tokens?: { flexybox?: string };
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

/** Builds the sandbox server without listening; the caller listens and closes it. */
export function createSandboxServer(options: SandboxOptions = {}): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false });
  const providers: SandboxProvider[] = [
    createFlexyboxSandbox({ token: options.tokens?.flexybox ?? process.env.FLEXYBOX_TOKEN ?? 'flexybox-dev-token' }),
  ];
  const faults = new FaultRegistry();
  const requests = new RequestLog();

  installFaultHooks(app, faults, requests);
  registerControlRoutes(app, { providers, faults, requests });
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

function registerControlRoutes(
  app: FastifyInstance,
  { providers, faults, requests }: { providers: SandboxProvider[]; faults: FaultRegistry; requests: RequestLog },
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

  app.post(`${CONTROL_PREFIX}/reset`, async () => {
    for (const provider of providers) provider.reset();
    faults.clear();
    requests.clear();
    return { reset: true };
  });
}
