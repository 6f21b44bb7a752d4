/**
 * The harness's answer to the dev server going away: the SDK already retries an UNAVAILABLE
 * call about ten times (some 20 s), and a call that still fails on the connection is repeated
 * here until the run's deadline. Starting an order again is safe: the same reference attaches.
 */

/** gRPC status codes UNAVAILABLE (14) and DEADLINE_EXCEEDED (4). */
const CONNECTION_CODES = new Set([14, 4]);

/** True when `error` (or one of its causes) is a lost or refused connection to Temporal. */
export function isConnectionError(error: unknown): boolean {
  for (
    let e = error as { code?: unknown; cause?: unknown; message?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.code === 'number' && CONNECTION_CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && /UNAVAILABLE|ECONNREFUSED|ECONNRESET|Connection dropped/.test(e.message))
      return true;
  }
  return false;
}

/** Runs `call`, repeating it on connection errors until `deadline` (epoch ms); other errors are thrown. */
export async function retryOnConnection<T>(call: () => Promise<T>, deadline: number, onRetry?: () => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isConnectionError(error) || Date.now() > deadline) throw error;
      onRetry?.();
      await sleep(Math.min(2_000, 250 * attempt));
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
