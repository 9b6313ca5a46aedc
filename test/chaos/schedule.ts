// The fault schedule of a chaos run, a pure function of the seed and the run's shape. Faults go in
// four lanes that run side by side (the controller, the control plane, Prometheus, Git); within a
// lane they never overlap. Placement guarantees what the invariants rely on:
// - every Prometheus outage is shorter than the analysis's error tolerance, and outages are far
//   enough apart for a successful measurement in between (consecutive errors never add up across
//   two outages);
// - controller kills come in the first part of the window and a control-plane restart comes after
//   the last of them, so the surviving controller lives through at least one fault (its heap is
//   then measured);
// - the first Prometheus outage opens the window and has its first `clearMs` to itself, so an
//   analysis with no error tolerance surely sees it (the zero-tolerance Rollout must abort: a
//   decisive expectation, not a "may"); so does the first Git outage (sluice must notice it, or
//   "no prune while Git is unreachable" proves nothing; hung, it must outlast a poll and a fetch
//   deadline, run.ts).
import { type Random, seededRandom } from "./random.ts";

export type FaultKind =
  | "kill-controller"
  | "restart-apiserver"
  | "restart-etcd"
  | "stop-prometheus"
  | "break-git";

/** How a Git outage looks to a client: connections refused (server stopped) or never answered (hung). */
export type GitOutage = "refused" | "hang";

export interface Fault {
  kind: FaultKind;
  /** When the fault starts, ms after the chaos window opens. */
  atMs: number;
  /** How long the component stays down before it is started again. */
  downMs: number;
  /** HA runs only: which replica a kill-controller fault kills (withVictims). */
  victim?: "leader" | "standby";
  /** break-git only: how Git is unreachable (withGitOutages). */
  gitOutage?: GitOutage;
}

export interface ScheduleShape {
  windowMs: number;
  kills: number;
  /** Control-plane restarts; at least one restarts the API server, the rest API server or etcd. */
  controlPlaneRestarts: number;
  prometheusOutages: number;
  /** Prometheus outages last between these (ms). */
  prometheusDownMs: [number, number];
  /** Least quiet time between two Prometheus outages (ms). */
  prometheusGapMs: number;
  /** The window's first ms belong to the first Prometheus outage alone. */
  clearMs: number;
  /** Windows with the Git repositories unreachable, each lasting gitDownMs. */
  gitOutages: number;
  gitDownMs: [number, number];
}

/** Spreads `count` faults over [from, to): one per equal slot, placed at random inside it. */
function lane(
  random: Random,
  count: number,
  span: [number, number],
  kinds: () => FaultKind,
  down: () => number,
  gapMs: number,
): Fault[] {
  const [from, to] = span;
  const slot = (to - from) / Math.max(count, 1);
  const faults: Fault[] = [];
  for (let i = 0; i < count; i++) {
    const downMs = down();
    const latest = Math.floor(from + (i + 1) * slot - downMs - gapMs);
    const earliest = Math.ceil(from + i * slot);
    if (latest < earliest) {
      throw new Error(
        `schedule: ${count} faults of up to ${downMs}ms (+${gapMs}ms gap) do not fit in ${span}`,
      );
    }
    faults.push({ kind: kinds(), atMs: random.int(earliest, latest), downMs });
  }
  return faults;
}

export function faultSchedule(seed: number, shape: ScheduleShape): Fault[] {
  const random = seededRandom(seed);
  const w = shape.windowMs;
  const clear = shape.clearMs;
  const [minDown, maxDown] = shape.prometheusDownMs;
  if (shape.prometheusOutages < 1 || minDown < clear) {
    throw new Error(`schedule: needs a first Prometheus outage of at least clearMs (${clear}ms)`);
  }
  const first: Fault = {
    kind: "stop-prometheus",
    atMs: random.int(0, 1000),
    downMs: random.int(minDown, maxDown),
  };
  const prometheus = lane(
    random,
    shape.prometheusOutages - 1,
    [first.atMs + first.downMs + shape.prometheusGapMs, w + shape.prometheusGapMs],
    () => "stop-prometheus",
    () => random.int(minDown, maxDown),
    shape.prometheusGapMs,
  );
  const kills = lane(
    random,
    shape.kills,
    [clear, 0.6 * w],
    () => "kill-controller",
    () => random.int(300, 3000),
    0,
  );
  // The first restart is the API server's; later ones either component.
  let restarts = 0;
  // With one restart only, it goes after the kills' part of the window; with more, the last slot does.
  const controlPlane = lane(
    random,
    shape.controlPlaneRestarts,
    [Math.max(clear, shape.controlPlaneRestarts === 1 ? 0.6 * w : 0.2 * w), w],
    () =>
      restarts++ === 0 ? "restart-apiserver" : random.pick(["restart-apiserver", "restart-etcd"] as const),
    () => random.int(500, 3000),
    0,
  );
  // The first Git outage opens the window too, so a live controller surely polls into it.
  const [gitMin, gitMax] = shape.gitDownMs;
  const gitDown = () => random.int(gitMin, gitMax);
  const firstGit: Fault[] =
    shape.gitOutages > 0 ? [{ kind: "break-git", atMs: random.int(0, 1000), downMs: gitDown() }] : [];
  const gitFrom = Math.max(clear, ...firstGit.map((f) => f.atMs + f.downMs));
  const laterGit = lane(
    random,
    shape.gitOutages - firstGit.length,
    [gitFrom, w],
    () => "break-git",
    gitDown,
    0,
  );
  const gitLane = [...firstGit, ...laterGit];
  return [first, ...prometheus, ...kills, ...controlPlane, ...gitLane].sort((a, b) => a.atMs - b.atMs);
}

/** Of the HA mode's kills, this share hits the leader (a failover); the rest the standby. */
export const LEADER_KILL_SHARE = 0.8;

/**
 * The HA mode's kill victims, drawn from a stream of their own (the seed, salted) so the schedule
 * itself, and with it every single-replica replay, stays what it was for the seed. The first kill
 * always hits the leader, so every HA run has a failover to time.
 */
export function withVictims(seed: number, schedule: readonly Fault[]): Fault[] {
  const random = seededRandom((seed ^ 0x9e3779b9) >>> 0);
  let kills = 0;
  return schedule.map((f) => {
    if (f.kind !== "kill-controller") return f;
    const leader = kills++ === 0 || random.next() < LEADER_KILL_SHARE;
    return { ...f, victim: leader ? "leader" : "standby" };
  });
}

/**
 * How each Git outage looks, from a stream of its own (the seed, salted) so the times stay what
 * they were for the seed: the first refused or hung by a coin, later ones alternating, so a full
 * run sees both.
 */
export function withGitOutages(seed: number, schedule: readonly Fault[]): Fault[] {
  const random = seededRandom((seed ^ 0x5bd1e995) >>> 0);
  let next: GitOutage = random.next() < 0.5 ? "refused" : "hang";
  return schedule.map((f) => {
    if (f.kind !== "break-git") return f;
    const gitOutage = next;
    next = next === "refused" ? "hang" : "refused";
    return { ...f, gitOutage };
  });
}

export function describeFault(f: Fault): string {
  const how = f.victim ?? f.gitOutage;
  const detail = how ? ` (${how})` : "";
  return `+${(f.atMs / 1000).toFixed(1)}s ${f.kind}${detail} for ${(f.downMs / 1000).toFixed(1)}s`;
}
