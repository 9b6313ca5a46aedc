// The two sizes of a chaos run. Short runs inside `npm test` (under ~90 s with the cluster's
// start); full is `npm run chaos`. Prometheus outages stay under the tolerant analyses' error
// tolerance (3 errors × 10 s retry) with room for Prometheus's own restart, and two outages are
// far enough apart for a successful measurement between them.
import type { ChaosMode } from "./run.ts";

export const SHORT: ChaosMode = {
  name: "short",
  flags: ["--short"],
  canaries: 16,
  pauseSeconds: 8,
  shape: {
    windowMs: 30_000,
    kills: 2,
    controlPlaneRestarts: 2,
    prometheusOutages: 1,
    prometheusDownMs: [10_000, 15_000],
    prometheusGapMs: 15_000,
    clearMs: 10_000,
    gitOutages: 1,
    gitDownMs: [8_000, 15_000],
  },
  settleTimeoutMs: 45_000,
};

export const FULL: ChaosMode = {
  name: "full",
  flags: [],
  canaries: 100,
  pauseSeconds: 45,
  shape: {
    windowMs: 150_000,
    kills: 6,
    controlPlaneRestarts: 4,
    prometheusOutages: 3,
    prometheusDownMs: [10_000, 18_000],
    prometheusGapMs: 20_000,
    clearMs: 10_000,
    gitOutages: 2,
    gitDownMs: [15_000, 30_000],
  },
  settleTimeoutMs: 180_000,
};

/** Either size with two replicas electing a leader (`--ha`). */
export const withHa = (mode: ChaosMode): ChaosMode => ({
  ...mode,
  name: `${mode.name} HA`,
  flags: [...mode.flags, "--ha"],
  ha: true,
});
