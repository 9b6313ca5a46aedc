// The short chaos run in the HA mode (test/chaos/README.md): two controller replicas electing a
// leader on one Lease, under the same seeded faults, the kills hitting the leader (failovers) or
// the standby; on a cluster of the run's own. Besides every invariant of the one-controller run:
// never two writers (audit log) and every failover within leaseDuration + retryPeriod + 5 s. Git
// is made unreachable as in the one-controller run (its HTTP server stopped or hung). A
// random seed each time, printed; SLUICE_CHAOS_SEED=N replays one, as does
// `npm run chaos -- --seed N --short --ha`. About 80 s on a 2-core machine.
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { test } from "node:test";
import { SHORT, withHa } from "../../chaos/modes.ts";
import { parseSeed } from "../../chaos/random.ts";
import { replayCommand, runChaos } from "../../chaos/run.ts";

const HA_SHORT = withHa(SHORT);

test("two replicas electing a leader under kill -9, control-plane restarts, Prometheus and Git outages hold every invariant", {
  timeout: 300_000,
}, async (t) => {
  const fixed = process.env.SLUICE_CHAOS_SEED;
  const seed = fixed ? parseSeed(fixed) : randomInt(2 ** 32 - 1);
  t.diagnostic(`chaos seed ${seed}`);
  const result = await runChaos(seed, HA_SHORT, (line) => t.diagnostic(line));
  t.diagnostic(`short HA chaos run took ${result.seconds.toFixed(1)}s`);
  for (const check of result.checks) {
    // The HA invariants carry their figures in the title: the subtest gets the stable part.
    const name = check.invariant.replace(/ \(.*$/, "");
    await t.test(name, () => {
      t.diagnostic(check.invariant);
      assert.deepEqual(
        check.failures,
        [],
        `invariant "${check.invariant}" broken (replay: ${replayCommand(seed, HA_SHORT)}; logs ${result.workDir})`,
      );
    });
  }
});
