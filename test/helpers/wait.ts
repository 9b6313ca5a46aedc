// waitFor: poll until a probe says done, or fail with what was asked and what was last seen.
const PENDING = Symbol("pending");

export interface Pending {
  [PENDING]: true;
  seen: string;
}

/** Returned by a probe that is not done yet; `seen` goes into the timeout message. */
export function pending(seen: string): Pending {
  return { [PENDING]: true, seen };
}

function isPending(value: unknown): value is Pending {
  return typeof value === "object" && value !== null && PENDING in value;
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

export class WaitTimeoutError extends Error {}

/**
 * Calls `probe` until it returns something other than `pending(...)`. A probe that throws counts
 * as pending (the error text is what was seen), so transient API errors do not end the wait.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | Pending> | T | Pending,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 100;
  const started = Date.now();
  let seen = "nothing yet";
  for (;;) {
    try {
      const result = await probe();
      if (!isPending(result)) return result;
      seen = result.seen;
    } catch (error) {
      seen = `error: ${(error as Error).message.split("\n")[0]}`;
    }
    const elapsed = Date.now() - started;
    if (elapsed >= timeoutMs) {
      throw new WaitTimeoutError(`timed out after ${timeoutMs}ms waiting for ${what}; last seen: ${seen}`);
    }
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, timeoutMs - elapsed)));
  }
}

/**
 * Waits until the wall clock reads `atMs` or later. Only for time that must pass on purpose (a
 * second-resolution timestamp must move on, a deadline must elapse), never instead of a condition.
 */
export async function clockReaches(atMs: number, clock: () => number = Date.now): Promise<void> {
  for (let left = atMs - clock(); left > 0; left = atMs - clock()) {
    await new Promise((r) => setTimeout(r, left));
  }
}
