/**
 * An OAuth access token kept in the worker process until shortly before it expires. It
 * lives only in memory: activities put it in a header and never return or log it, so it
 * never reaches workflow history.
 */

export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

/** Renew this long before `expires_in` runs out, at most a tenth of the lifetime. */
const RENEW_BEFORE_MS = 60_000;

export class TokenCache {
  private cached?: { value: string; renewAt: number };
  private pending?: Promise<string>;

  constructor(private readonly fetchToken: () => Promise<IssuedToken>) {}

  /** The cached token, or a new one; concurrent callers share a single token request. */
  async get(): Promise<string> {
    if (this.cached && Date.now() < this.cached.renewAt) return this.cached.value;
    this.pending ??= this.fetchToken()
      .then(({ accessToken, expiresInSeconds }) => {
        const lifetimeMs = expiresInSeconds * 1000;
        this.cached = {
          value: accessToken,
          renewAt: Date.now() + lifetimeMs - Math.min(RENEW_BEFORE_MS, lifetimeMs / 10),
        };
        return accessToken;
      })
      .finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Drops the cached token (the provider refused it), so the next get() fetches a new one. */
  invalidate(): void {
    this.cached = undefined;
  }

  /** The cached token, for redaction of provider error texts. */
  current(): string | undefined {
    return this.cached?.value;
  }
}
