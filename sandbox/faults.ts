/**
 * Fault injection and the request log for provider routes. Faults are matched on the
 * method and URL path of a request; control routes under /__sandbox are never faulted.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

export const CONTROL_PREFIX = '/__sandbox';
const REQUEST_LOG_LIMIT = 10_000;

export const faultSpecSchema = z.strictObject(
  {
    method: z.string().min(1).optional(),
    path: z.string().min(1).refine(isValidRegex, { error: 'must be a valid regular expression' }),
    kind: z.enum(['status', 'delay', 'reset', 'drop-response']),
    status: z.number().int().min(100).max(599).optional(),
    body: z.unknown().optional(),
    retryAfter: z.number().min(0).optional(),
    delayMs: z.number().int().min(0).optional(),
    /**
     * For `delay`: hold the request once it has been received, before the provider handles it
     * (default), or hold the answer after it did. A held request is handled even if its client
     * hangs up meanwhile, as on a real server; the answer then goes nowhere.
     */
    delayPhase: z.enum(['before', 'after']).default('before'),
    times: z.number().int().min(0).default(1),
    /** Chance that a matching request gets the fault (1 = every one); a request it spares is matched against the next fault. */
    probability: z
      .number({ error: 'must be a number from 0 to 1' })
      .min(0, 'must be from 0 to 1')
      .max(1, 'must be from 0 to 1')
      .default(1),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'body: must be a JSON object' : undefined) },
);

/** The body of POST /__sandbox/faults. */
export type FaultSpec = z.infer<typeof faultSpecSchema>;
export type FaultKind = FaultSpec['kind'];

/** A registered fault; `remaining` is null when it applies until cleared (times: 0). */
export interface Fault extends FaultSpec {
  id: string;
  remaining: number | null;
  hits: number;
}

/**
 * One handled provider request. `status` is what the sandbox answered (for drop-response,
 * what it would have answered); null when the connection was reset before any answer.
 */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number | null;
  fault?: FaultKind;
}

/** Parses a fault spec, or returns a message naming the offending field. */
export function parseFaultSpec(body: unknown): FaultSpec | string {
  const result = faultSpecSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
  }
  const spec = result.data;
  if (spec.kind === 'status' && spec.status === undefined) return "status: required when kind is 'status'";
  if (spec.kind === 'delay' && spec.delayMs === undefined) return "delayMs: required when kind is 'delay'";
  return spec;
}

/** Registered faults, matched in registration order. */
export class FaultRegistry {
  private entries: { fault: Fault; pattern: RegExp }[] = [];
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    const fault: Fault = {
      ...spec,
      id: `fault-${this.nextId++}`,
      remaining: spec.times === 0 ? null : spec.times,
      hits: 0,
    };
    this.entries.push({ fault, pattern: new RegExp(spec.path) });
    return fault;
  }

  /** The first fault matching the request that has uses left and whose probability strikes; counts the use. */
  take(method: string, path: string): Fault | undefined {
    const match = this.entries.find(
      ({ fault, pattern }) =>
        fault.remaining !== 0 &&
        (fault.method === undefined || fault.method.toUpperCase() === method.toUpperCase()) &&
        pattern.test(path) &&
        (fault.probability >= 1 || Math.random() < fault.probability),
    );
    if (!match) return undefined;
    match.fault.hits += 1;
    if (match.fault.remaining !== null) match.fault.remaining -= 1;
    return match.fault;
  }

  list(): Fault[] {
    return this.entries.map(({ fault }) => ({ ...fault }));
  }

  clear(): number {
    const count = this.entries.length;
    this.entries = [];
    return count;
  }
}

/** The most recent provider requests, oldest first. */
export class RequestLog {
  private entries: RequestLogEntry[] = [];

  record(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > REQUEST_LOG_LIMIT) this.entries.shift();
  }

  list(): RequestLogEntry[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }
}

interface Tracking {
  path: string;
  fault?: Fault;
  status: number | null;
  /** The client's connection has closed. */
  closed: boolean;
  /** For a delay before: `holding` from the hold until the provider's answer, then `done`. */
  hold?: 'holding' | 'done';
}

/** Adds the hooks that apply faults to provider requests and log them. */
export function installFaultHooks(app: FastifyInstance, faults: FaultRegistry, requests: RequestLog): void {
  const tracked = new WeakMap<FastifyRequest, Tracking>();

  const record = (request: FastifyRequest, { path, status, fault }: Tracking) =>
    requests.record({ method: request.method, path, status, ...(fault && { fault: fault.kind }) });

  // Root onRequest hooks run before any provider's auth or body parsing, as a
  // gateway or network fault would.
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0];
    if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) return;
    const fault = faults.take(request.method, path);
    const tracking: Tracking = { path, fault, status: null, closed: false };
    tracked.set(request, tracking);
    // A request still held when its client leaves is logged once it has been handled (onSend).
    reply.raw.once('close', () => {
      tracking.closed = true;
      if (tracking.hold !== 'holding') record(request, tracking);
    });

    if (fault?.kind === 'reset') {
      reply.hijack();
      request.raw.socket.resetAndDestroy();
      return reply;
    }
    if (fault?.kind === 'status') {
      if (fault.retryAfter !== undefined) reply.header('Retry-After', String(fault.retryAfter));
      return reply.code(fault.status ?? 500).send(fault.body);
    }
  });

  // The hold comes after the body has been read (fastify parses it before preHandler): a
  // server that has received a request handles it even when the client hangs up meanwhile.
  // Held any earlier, the body would be lost with the connection and the request never land.
  app.addHook('preHandler', async (request) => {
    const tracking = tracked.get(request);
    if (tracking?.fault?.kind !== 'delay' || tracking.fault.delayPhase !== 'before') return;
    tracking.hold = 'holding';
    await sleep(tracking.fault.delayMs ?? 0);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const tracking = tracked.get(request);
    if (!tracking) return payload;
    tracking.status = reply.statusCode;
    if (tracking.hold === 'holding') {
      tracking.hold = 'done';
      // Its client left during the hold: the answer goes nowhere, but the request was handled.
      if (tracking.closed) record(request, tracking);
    } else if (
      tracking.fault?.kind === 'delay' &&
      tracking.fault.delayPhase === 'before' &&
      tracking.hold === undefined
    ) {
      // Answered without reaching the hold (a 401 or 429 before the body was read, a body that
      // does not parse): the answer waits instead, so every request a delay strikes is slow.
      await sleep(tracking.fault.delayMs ?? 0);
    }
    // The operation has run; killing the socket before the head is written leaves the
    // client with a socket error and no way to know that it did.
    if (tracking.fault?.kind === 'drop-response') request.raw.socket.resetAndDestroy();
    // The operation has run and its answer waits: a client that dies meanwhile never learns it landed.
    if (tracking.fault?.kind === 'delay' && tracking.fault.delayPhase === 'after')
      await sleep(tracking.fault.delayMs ?? 0);
    return payload;
  });
}

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
