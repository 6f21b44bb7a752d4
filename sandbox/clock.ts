/**
 * The sandbox's injectable clock: providers read `now()` instead of `Date.now()`, and a test
 * moves it forward with POST /__sandbox/clock to make time-based behaviour (expiring
 * reservations, tokens) happen without waiting.
 */
export class SandboxClock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  state(): { now: string; offsetMs: number } {
    return { now: new Date(this.now()).toISOString(), offsetMs: this.offsetMs };
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
