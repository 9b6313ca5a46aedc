// Repeats of one Event (same object, type, reason and message) are folded into the Event already
// written, as client-go's recorder does: its count goes up and lastTimestamp moves, instead of a
// new object per repeat, so a loop that keeps reporting the same thing cannot flood etcd. Pure:
// time is passed in; the recorder does the I/O.

export interface Seen {
  namespace: string;
  name: string;
  count: number;
  firstTimestamp: string;
  lastSeenMs: number;
}

export type Decision = { action: "create" } | { action: "patch"; seen: Seen };

export class EventCorrelator {
  private readonly seen = new Map<string, Seen>();

  constructor(
    /** A repeat after this long is a new Event (client-go: 10 minutes). */
    private readonly windowMs = 10 * 60_000,
    /** Remembered Events, least recently seen dropped first. */
    private readonly maxKeys = 4096,
  ) {}

  static key(uid: string, type: string, reason: string, message: string): string {
    return JSON.stringify([uid, type, reason, message]);
  }

  decide(key: string, nowMs: number): Decision {
    const seen = this.seen.get(key);
    if (!seen || nowMs - seen.lastSeenMs > this.windowMs) return { action: "create" };
    return { action: "patch", seen };
  }

  /** Records that the Event for `key` now exists with this count. */
  remember(key: string, entry: Seen): void {
    this.seen.delete(key);
    this.seen.set(key, entry);
    if (this.seen.size > this.maxKeys) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }

  forget(key: string): void {
    this.seen.delete(key);
  }

  get size(): number {
    return this.seen.size;
  }
}
