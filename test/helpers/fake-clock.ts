// A manual clock for unit tests of timing logic: time moves only when the test says so.
import type { Clock, TimerHandle } from "../../src/controller/clock.ts";

export class FakeClock implements Clock {
  private time = 0;
  private timers: { at: number; fn: () => void; handle: TimerHandle }[] = [];

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = { id: Symbol("timer") };
    this.timers.push({ at: this.time + ms, fn, handle });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.handle !== handle);
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const next = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.at;
      next.fn();
    }
    this.time = target;
  }
}
