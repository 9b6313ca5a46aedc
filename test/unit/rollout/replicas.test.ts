// Basic-canary replica maths. The first table is the peer's own documented examples (code
// comments of Argo Rollouts' utils/replicaset/canary.go, quoted in
// ../shared/reference/argo-rollouts.md §5.5), used as the oracle.
import assert from "node:assert/strict";
import { test } from "node:test";
import { nearestSplit, nextBasicCanaryScale, resolveIntOrPercent } from "../../../src/rollout/replicas.ts";

const full = (n: number) => ({ current: n, available: n });
const none = { current: 0, available: 0 };

test("the peer's documented examples", () => {
  const table: [string, Parameters<typeof nextBasicCanaryScale>[0], [number, number]][] = [
    [
      "replicas 10, weight 10, surge 1, unavailable 1 → canary 1 / stable 9",
      {
        replicas: 10,
        weight: 10,
        maxSurge: 1,
        maxUnavailable: 1,
        canary: none,
        stable: full(10),
        others: none,
      },
      [1, 9],
    ],
    [
      "weight 30, surge 3, unavailable 0 → canary 3 / stable 10",
      {
        replicas: 10,
        weight: 30,
        maxSurge: 3,
        maxUnavailable: 0,
        canary: none,
        stable: full(10),
        others: none,
      },
      [3, 10],
    ],
    [
      "replicas 1, weight 5, surge 1 → canary 1 / stable 1",
      {
        replicas: 1,
        weight: 5,
        maxSurge: 1,
        maxUnavailable: "25%",
        canary: none,
        stable: full(1),
        others: none,
      },
      [1, 1],
    ],
    [
      "replicas 1, weight 95, surge 1 → canary 1 / stable 1",
      {
        replicas: 1,
        weight: 95,
        maxSurge: 1,
        maxUnavailable: "25%",
        canary: none,
        stable: full(1),
        others: none,
      },
      [1, 1],
    ],
  ];
  for (const [name, input, [canary, stable]] of table) {
    const out = nextBasicCanaryScale(input);
    assert.deepEqual([out.canary, out.stable], [canary, stable], name);
  }
});

test("nearest split: exact weights, small counts, ties to the larger canary, both sides kept", () => {
  const table: [number, number, number, [number, number]][] = [
    // replicas, weight, surge → [canary, stable]
    [10, 20, 0, [2, 8]],
    [10, 0, 1, [0, 10]],
    [10, 100, 1, [10, 0]],
    [5, 20, 1, [1, 4]],
    [5, 60, 1, [3, 2]],
    [4, 50, 0, [2, 2]],
    [3, 50, 0, [2, 1]],
    [3, 50, 1, [2, 2]],
    [2, 25, 0, [1, 1]],
    [2, 90, 0, [1, 1]],
    [1, 5, 0, [0, 1]],
    [1, 50, 1, [1, 1]],
    [0, 50, 1, [0, 0]],
  ];
  for (const [replicas, weight, surge, [canary, stable]] of table) {
    assert.deepEqual(
      nearestSplit(replicas, weight, surge),
      { canary, stable },
      `${replicas} pods at ${weight}%`,
    );
  }
});

test("int-or-percent: surge rounds up, unavailable down", () => {
  assert.equal(resolveIntOrPercent("25%", 10, true), 3);
  assert.equal(resolveIntOrPercent("25%", 10, false), 2);
  assert.equal(resolveIntOrPercent(4, 10, false), 4);
  assert.equal(resolveIntOrPercent("0%", 10, true), 0);
  assert.throws(() => resolveIntOrPercent("x", 10, true), /not an integer or a percentage/);
});

test("scale-down waits for availability and drains older ReplicaSets first", () => {
  // The canary is scaled but not available yet: with maxUnavailable 0 nothing may go down.
  let out = nextBasicCanaryScale({
    replicas: 10,
    weight: 30,
    maxSurge: 3,
    maxUnavailable: 0,
    canary: { current: 3, available: 0 },
    stable: full(10),
    others: none,
  });
  assert.deepEqual([out.canary, out.stable], [3, 10]);
  // Once it is available, the stable drops to its share.
  out = nextBasicCanaryScale({
    replicas: 10,
    weight: 30,
    maxSurge: 3,
    maxUnavailable: 0,
    canary: full(3),
    stable: full(10),
    others: none,
  });
  assert.deepEqual([out.canary, out.stable], [3, 7]);
  // An older ReplicaSet is drained before the stable gives up pods.
  out = nextBasicCanaryScale({
    replicas: 10,
    weight: 20,
    maxSurge: 0,
    maxUnavailable: 2,
    canary: full(2),
    stable: full(8),
    others: full(2),
  });
  assert.deepEqual([out.canary, out.stable, out.others], [2, 8, 0]);
  // Unavailable pods are removed without spending the unavailability budget.
  out = nextBasicCanaryScale({
    replicas: 4,
    weight: 0,
    maxSurge: 1,
    maxUnavailable: 0,
    canary: { current: 2, available: 0 },
    stable: full(4),
    others: none,
  });
  assert.deepEqual([out.canary, out.stable], [0, 4]);
});

test("invariants over a grid: limits hold and repeated steps converge to the target", () => {
  for (const replicas of [1, 2, 3, 5, 10]) {
    for (const weight of [0, 5, 20, 33, 50, 60, 95, 100]) {
      for (const [maxSurge, maxUnavailable] of [
        [1, 0],
        [0, 1],
        ["25%", "25%"],
        [2, 2],
      ] as const) {
        let state = { canary: 0, stable: replicas, others: 0 };
        let converged = false;
        for (let round = 0; round < 50; round++) {
          const out = nextBasicCanaryScale({
            replicas,
            weight,
            maxSurge,
            maxUnavailable,
            canary: full(state.canary),
            stable: full(state.stable),
            others: full(state.others),
          });
          const surge = resolveIntOrPercent(maxSurge, replicas, true);
          const before = state.canary + state.stable + state.others;
          const after = out.canary + out.stable + out.others;
          assert.ok(
            after <= Math.max(before, replicas + surge),
            `surge exceeded: ${JSON.stringify({ replicas, weight, maxSurge, out })}`,
          );
          const next = { canary: out.canary, stable: out.stable, others: out.others };
          if (JSON.stringify(next) === JSON.stringify(state)) {
            assert.deepEqual([next.canary, next.stable], [out.target.canary, out.target.stable]);
            converged = true;
            break;
          }
          state = next;
        }
        assert.ok(
          converged,
          `no convergence: ${JSON.stringify({ replicas, weight, maxSurge, maxUnavailable })}`,
        );
      }
    }
  }
});

/**
 * The peer's approximateWeightedCanaryStableReplicaCounts, transcribed from its documented
 * algorithm as a reference for the grid below: options in the peer's order, the first with the
 * smallest weight error wins.
 */
function peerSplit(replicas: number, weight: number, surge: number): [number, number] {
  if (replicas === 0) return [0, 0];
  const ceil = Math.ceil((replicas * weight) / 100);
  const floor = Math.floor((replicas * weight) / 100);
  const tiedAt = (total: number) => {
    const x = total * (weight / 100);
    return x - Math.trunc(x) === 0.5;
  };
  const zeroAllowed = weight === 100 || weight === 0 || (replicas === 1 && surge === 0);
  const options: [number, number][] = [];
  if (ceil < replicas || zeroAllowed) options.push([ceil, replicas]);
  if (!tiedAt(replicas) && (floor !== 0 || zeroAllowed)) options.push([floor, replicas]);
  if (surge > 0) {
    options.push([ceil, replicas + 1]);
    if (!tiedAt(replicas + 1) && (floor !== 0 || zeroAllowed)) options.push([floor, replicas + 1]);
  }
  if (options.length === 0) return [0, replicas];
  const delta = ([c, t]: [number, number]) => Math.abs((c * 100) / t - weight);
  const best = options.reduce((b, o) => (delta(o) < delta(b) ? o : b));
  return [best[0], best[1] - best[0]];
}

test("the split matches the peer's over the whole grid (1–30 pods × 0–100 % × surge 0–2)", () => {
  // Anchors checked by hand against the peer's code, including its quirks.
  assert.deepEqual(peerSplit(4, 55, 1), [2, 2]);
  assert.deepEqual(peerSplit(2, 75, 0), [0, 2], "no candidate: the peer's maxSurge 0 quirk");
  assert.deepEqual(peerSplit(10, 10, 1), [1, 9]);
  assert.deepEqual(peerSplit(1, 5, 1), [1, 1]);
  assert.deepEqual(peerSplit(1, 95, 1), [1, 1]);
  let compared = 0;
  for (let replicas = 1; replicas <= 30; replicas++)
    for (let weight = 0; weight <= 100; weight++)
      for (let surge = 0; surge <= 2; surge++) {
        const [canary, stable] = peerSplit(replicas, weight, surge);
        assert.deepEqual(
          nearestSplit(replicas, weight, surge),
          { canary, stable },
          `${replicas} pods at ${weight}% with surge ${surge}`,
        );
        compared++;
      }
  assert.equal(compared, 30 * 101 * 3);
});
