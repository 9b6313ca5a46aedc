// The short chaos run (test/chaos/): 16 canaries and 2 Git-synced Applications while the controller
// is killed -9 and restarted, the API server and etcd restarted, Prometheus stopped and the
// Applications' Git HTTP server stopped (connections refused) or hung (never answering), on a
// cluster of the run's own (the shared one is never disrupted). A random seed each time, printed;
// SLUICE_CHAOS_SEED=N replays one, as does `npm run chaos -- --seed N --short`.
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { test } from "node:test";
import { SHORT } from "../../chaos/modes.ts";
import { parseSeed } from "../../chaos/random.ts";
import { replayCommand, runChaos } from "../../chaos/run.ts";

test("canaries and Applications under kill -9, control-plane restarts, Prometheus and Git outages hold every invariant", {
  timeout: 240_000,
}, async (t) => {
  const fixed = process.env.SLUICE_CHAOS_SEED;
  const seed = fixed ? parseSeed(fixed) : randomInt(2 ** 32 - 1);
  t.diagnostic(`chaos seed ${seed}`);
  const result = await runChaos(seed, SHORT, (line) => t.diagnostic(line));
  t.diagnostic(`short chaos run took ${result.seconds.toFixed(1)}s`);
  for (const check of result.checks) {
    await t.test(check.invariant, () => {
      assert.deepEqual(
        check.failures,
        [],
        `invariant "${check.invariant}" broken (replay: ${replayCommand(seed, SHORT)}; logs ${result.workDir})`,
      );
    });
  }
});
