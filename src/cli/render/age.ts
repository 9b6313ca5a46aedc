// Ages as kubectl prints them (apimachinery's HumanDuration rules, ../shared/reference/ecosystem.md
// §1.5): coarser the older, so a column stays narrow: 40s, 9m30s, 3h59m, 7d, 2y30d.

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

function withRest(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${minor}${minorUnit}`;
}

export function humanDuration(ms: number): string {
  if (ms < -S) return "<invalid>";
  if (ms < S) return "0s";
  const seconds = Math.floor(ms / S);
  if (ms < 2 * M) return `${seconds}s`;
  const minutes = Math.floor(ms / M);
  if (ms < 10 * M) return withRest(minutes, "m", seconds % 60, "s");
  if (ms < 3 * H) return `${minutes}m`;
  const hours = Math.floor(ms / H);
  if (ms < 8 * H) return withRest(hours, "h", minutes % 60, "m");
  if (ms < 48 * H) return `${hours}h`;
  const days = Math.floor(ms / D);
  if (ms < 8 * D) return withRest(days, "d", hours % 24, "h");
  if (ms < 2 * Y) return `${days}d`;
  const years = Math.floor(ms / Y);
  if (ms < 8 * Y) return withRest(years, "y", days % 365, "d");
  return `${years}y`;
}

/** Age of an object from its creationTimestamp at `now`; "" when it has none. */
export function age(creationTimestamp: string | undefined, now: Date): string {
  if (!creationTimestamp) return "";
  const created = Date.parse(creationTimestamp);
  return Number.isNaN(created) ? "" : humanDuration(now.getTime() - created);
}
