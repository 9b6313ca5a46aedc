// Durations as the peer writes them: an integer number of seconds, or a string of
// <number><unit> parts with units ms, s, m, h ("30s", "5m", "1h30m", "1.5h"); a bare numeric string
// is seconds too. Used by Rollout pause steps and by the controller's own flags.

export class DurationError extends Error {}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of `value`; throws DurationError with a message naming `what` when malformed. */
export function parseDuration(value: number | string, what = "duration"): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0)
      throw new DurationError(`${what}: ${value} is not a duration ≥ 0`);
    return value * 1000;
  }
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (text.length === 0) throw new DurationError(`${what}: empty duration`);
  let total = 0;
  let rest = text;
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!match?.[1] || !match[2]) {
      throw new DurationError(
        `${what}: "${value}" is not a duration (e.g. 30s, 5m, 1h30m, or seconds as a number)`,
      );
    }
    total += Number(match[1]) * (UNIT_MS[match[2]] ?? 0);
    rest = rest.slice(match[0].length);
  }
  return total;
}
