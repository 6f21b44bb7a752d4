/**
 * The sandbox faults of a chaos run: a steady share of 5xx and drop-response on every
 * provider route (probabilistic faults), plus bursts of 429 with Retry-After and latency
 * spikes at seeded moments.
 */
import { PROVIDERS } from '../../contracts/shared';
import type { ChaosStack } from './stack';
import { sleep } from './retry';

const PROVIDER_ROUTES = `^/(${PROVIDERS.join('|')})/`;

/** 5xx answered before the provider acts (nothing landed) and answers dropped after it acted (it landed). */
export async function installSteadyFaults(
  stack: ChaosStack,
  rates: { errorRate: number; dropRate: number },
): Promise<void> {
  const { errorRate, dropRate } = rates;
  // Faults are tried in order, each on the requests the earlier ones spared: scale so the overall shares are the given rates.
  const half = errorRate / 2;
  const steady = [
    { kind: 'status', status: 500, body: { Message: 'chaos: internal error' }, probability: half },
    { kind: 'status', status: 503, body: { Message: 'chaos: service unavailable' }, probability: half / (1 - half) },
    { kind: 'drop-response', probability: dropRate / (1 - errorRate) },
  ];
  for (const fault of steady) {
    if (fault.probability > 0) await stack.control('POST', '/faults', { path: PROVIDER_ROUTES, times: 0, ...fault });
  }
}

/**
 * Until `done()`, every ~`everyMs` (seeded), a burst of 429s or a latency spike on the next
 * provider requests, whichever provider they are for: aimed at one provider, a burst would
 * fall on its few orders alone (Smart Gift's, paced to 1 request/s) and stall them.
 */
export async function runBursts(
  stack: ChaosStack,
  random: () => number,
  everyMs: number,
  done: () => boolean,
): Promise<void> {
  const path = PROVIDER_ROUTES;
  for (;;) {
    await sleep(everyMs * (0.5 + random()));
    if (done()) return;
    const burst =
      random() < 0.5
        ? {
            path,
            kind: 'status',
            status: 429,
            retryAfter: 1,
            body: { message: 'chaos: too many requests' },
            times: 3 + Math.floor(random() * 8),
          }
        : {
            path,
            kind: 'delay',
            delayMs: 1_000 + Math.floor(random() * (MAX_DELAY_MS - 1_000)),
            times: 5 + Math.floor(random() * 15),
          };
    await stack.control('POST', '/faults', burst).catch(() => undefined);
  }
}

/**
 * The longest a latency spike holds a request before the sandbox acts on it: a send can land
 * that long after it went out, even once its sender gave up or its run was reset.
 */
export const MAX_DELAY_MS = 3_000;

/** How often each kind of fault struck, e.g. { 'status 500': 41, 'drop-response': 20, ... }. */
export async function faultHits(stack: ChaosStack): Promise<Record<string, number>> {
  const faults: { kind: string; status?: number; hits: number }[] = await stack.control('GET', '/faults');
  const hits: Record<string, number> = {};
  for (const fault of faults) {
    const name = fault.kind === 'status' ? `status ${fault.status}` : fault.kind;
    hits[name] = (hits[name] ?? 0) + fault.hits;
  }
  return hits;
}
