// Delays for retrying: per-key exponential backoff for the work queue (client-go's
// ItemExponentialFailureRateLimiter) and jittered exponential backoff for reconnecting watches.

export interface RateLimiter<K> {
  /** Delay before the next retry of `key`; each call counts one more failure. */
  when(key: K): number;
  /** Forget the failures of `key` (after a success). */
  forget(key: K): void;
  numRequeues(key: K): number;
}

export class ExponentialRateLimiter<K> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  constructor(
    readonly baseDelayMs = 5,
    readonly maxDelayMs = 30_000,
  ) {}

  when(key: K): number {
    const exp = this.failures.get(key) ?? 0;
    this.failures.set(key, exp + 1);
    // 2^exp overflows to Infinity long after it passes any sane cap; min() handles both.
    return Math.min(this.baseDelayMs * 2 ** exp, this.maxDelayMs);
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }
}

/**
 * Delay before reconnect attempt `attempt` (1-based): exponential from `initialMs`, capped at
 * `maxMs`, with full jitter in [delay/2, delay] so many informers do not reconnect in lockstep.
 */
export function jitteredBackoff(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const delay = Math.min(initialMs * 2 ** Math.max(0, attempt - 1), maxMs);
  return Math.round(delay / 2 + (random() * delay) / 2);
}
