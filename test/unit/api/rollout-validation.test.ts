import assert from "node:assert/strict";
import { test } from "node:test";
import type { CanaryStep, Rollout } from "../../../src/api/rollout.ts";
import { formatProblem, validateRollout } from "../../../src/api/rollout-validation.ts";

function rollout(
  strategy: NonNullable<Rollout["spec"]>["strategy"],
  extra: Partial<NonNullable<Rollout["spec"]>> = {},
): Rollout {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "web:1" }] },
      },
      ...(strategy ? { strategy } : {}),
      ...extra,
    },
  };
}

const errors = (r: Rollout, refs?: Parameters<typeof validateRollout>[1]) =>
  validateRollout(r, refs)
    .filter((p) => p.severity === "error")
    .map(formatProblem);

test("a plain canary and a plain blue/green are valid", () => {
  assert.deepEqual(
    errors(rollout({ canary: { steps: [{ setWeight: 20 }, { pause: { duration: "1m" } }, { pause: {} }] } })),
    [],
  );
  assert.deepEqual(
    errors(rollout({ blueGreen: { activeService: "a", previewService: "p", autoPromotionSeconds: 30 } })),
    [],
  );
});

test("the issue's invalid specs each give a clear message naming the field", () => {
  const table: [string, Rollout, RegExp][] = [
    [
      "missing selector",
      rollout({ canary: {} }, { selector: undefined as never }),
      /^spec\.selector: selector is required/,
    ],
    [
      "negative weight",
      rollout({ canary: { steps: [{ setWeight: -5 }] } }),
      /^spec\.strategy\.canary\.steps\[0\]\.setWeight: must be an integer between 0 and 100, got -5/,
    ],
    [
      "weight over 100",
      rollout({ canary: { steps: [{ setWeight: 120 }] } }),
      /steps\[0\]\.setWeight: .*got 120/,
    ],
    [
      "malformed duration",
      rollout({ canary: { steps: [{ pause: { duration: "5 minutes" } }] } }),
      /^spec\.strategy\.canary\.steps\[0\]\.pause\.duration: "5 minutes" is not a duration/,
    ],
    [
      "unknown service",
      rollout({ canary: { canaryService: "nope", stableService: "web" } }),
      /^spec\.strategy\.canary\.canaryService: Service "nope" not found/,
    ],
  ];
  for (const [name, r, want] of table) {
    const found = errors(r, { service: (s) => (s === "web" ? { app: "web" } : null) });
    assert.ok(
      found.some((m) => want.test(m)),
      `${name}: ${JSON.stringify(found)}`,
    );
  }
});

test("structure rules: one strategy, one step kind, distinct services, surge/unavailable", () => {
  assert.match(
    errors(rollout({ canary: {}, blueGreen: { activeService: "a" } })).join(),
    /only one of canary and blueGreen/,
  );
  assert.match(errors(rollout(undefined)).join(), /one of canary or blueGreen is required/);
  assert.match(
    errors(rollout({ canary: { steps: [{ setWeight: 10, pause: {} }] } })).join(),
    /steps\[0\]: a step may have only one of setWeight, pause/,
  );
  assert.match(errors(rollout({ canary: { steps: [{}] } })).join(), /steps\[0\]: a step needs one of/);
  assert.match(
    errors(rollout({ canary: { canaryService: "s", stableService: "s" } })).join(),
    /must be different/,
  );
  assert.match(errors(rollout({ canary: { maxSurge: 0, maxUnavailable: "0%" } })).join(), /cannot both be 0/);
  assert.match(errors(rollout({ canary: { maxSurge: "150%" } })).join(), /maxSurge: must be at most 100%/);
  assert.match(
    errors(rollout({ canary: { maxSurge: "lots" } })).join(),
    /maxSurge: must be an integer ≥ 0 or a percentage/,
  );
  assert.match(errors(rollout({ blueGreen: {} })).join(), /activeService is required/);
  assert.match(
    errors(rollout({ blueGreen: { activeService: "a", previewService: "a" } })).join(),
    /must be different/,
  );
  assert.match(
    errors(rollout({ canary: { scaleDownDelaySeconds: 5 } })).join(),
    /scaleDownDelaySeconds: Canary scaleDownDelaySeconds can only be used with traffic routing/,
  );
  assert.deepEqual(
    errors(rollout({ canary: { abortScaleDownDelaySeconds: 5 } })),
    [],
    "abortScaleDownDelaySeconds is accepted without a router, as the peer accepts it",
  );
  assert.match(
    errors(rollout({ canary: { steps: [{ setCanaryScale: { weight: 5 } }] } })).join(),
    /setCanaryScale needs trafficRouting/,
  );
});

test("selector must match the template labels; deadline must exceed minReadySeconds", () => {
  assert.match(
    errors(rollout({ canary: {} }, { selector: { matchLabels: { app: "api" } } })).join(),
    /selector does not match/,
  );
  assert.match(
    errors(rollout({ canary: {} }, { minReadySeconds: 700 })).join(),
    /progressDeadlineSeconds: must be greater than minReadySeconds \(700\)/,
  );
  assert.match(
    errors(rollout({ canary: {} }, { replicas: -1 })).join(),
    /spec\.replicas: must be an integer ≥ 0/,
  );
  assert.match(
    errors(rollout({ canary: {} }, { restartAt: "yesterday" })).join(),
    /restartAt: "yesterday" is not an RFC 3339 time/,
  );
});

test("peer fields sluice does not implement yet are reported, never ignored", () => {
  const r = rollout(
    {
      canary: {
        canaryService: "c",
        stableService: "s",
        trafficRouting: { nginx: { stableIngress: "web" }, smi: {} },
        minPodsPerReplicaSet: 2,
        steps: [{ analysis: { templates: [{ templateName: "rate" }] } }, { experiment: {} }],
      },
    },
    { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" } },
  );
  const found = errors(r);
  for (const field of [
    "spec.workloadRef",
    "spec.strategy.canary.trafficRouting.smi",
    "spec.strategy.canary.minPodsPerReplicaSet",
    "spec.strategy.canary.steps[1].experiment",
  ]) {
    assert.ok(found.includes(`${field} is not supported yet`), `${field}: ${JSON.stringify(found)}`);
  }
});

test("trafficRouting: nginx needs one of stableIngress/stableIngresses; maxTrafficWeight bounds setWeight", () => {
  const canary = (trafficRouting: Record<string, unknown>, steps: CanaryStep[] = []) =>
    rollout({ canary: { canaryService: "c", stableService: "s", trafficRouting, steps } });
  assert.deepEqual(errors(canary({ nginx: { stableIngress: "web" } })), []);
  assert.deepEqual(errors(canary({ nginx: { stableIngresses: ["a", "b"] } })), []);
  assert.match(errors(canary({ nginx: {} })).join(), /nginx needs stableIngress or stableIngresses/);
  assert.match(
    errors(canary({ nginx: { stableIngress: "a", stableIngresses: ["b"] } })).join(),
    /cannot both be set/,
  );
  assert.deepEqual(
    errors(canary({ nginx: { stableIngress: "a" }, maxTrafficWeight: 1000 }, [{ setWeight: 500 }])),
    [],
  );
  assert.match(
    errors(canary({ nginx: { stableIngress: "a" } }, [{ setWeight: 500 }])).join(),
    /between 0 and 100, got 500/,
  );
  assert.deepEqual(
    errors(canary({ nginx: { stableIngress: "a" } }, [{ setCanaryScale: { replicas: 2 } }])),
    [],
  );
});

test("a Service whose selector the pod labels do not match is an error (hash label ignored)", () => {
  const refs = {
    service: (name: string) =>
      name === "ok" ? { app: "web", "rollouts-pod-template-hash": "x" } : { app: "api" },
  };
  assert.deepEqual(errors(rollout({ blueGreen: { activeService: "ok" } }), refs), []);
  assert.match(
    errors(rollout({ blueGreen: { activeService: "bad" } }), refs).join(),
    /Service "bad" selects \{"app":"api"\}/,
  );
});

test("analysis blocks: accepted when well formed, each mistake named by its path", () => {
  const ok = { templates: [{ templateName: "rate" }], args: [{ name: "q", value: "x" }] };
  assert.deepEqual(
    errors(
      rollout({
        canary: { steps: [{ setWeight: 20 }, { analysis: ok }], analysis: { ...ok, startingStep: 1 } },
      }),
    ),
    [],
  );
  assert.deepEqual(
    errors(
      rollout({ blueGreen: { activeService: "a", prePromotionAnalysis: ok, postPromotionAnalysis: ok } }),
    ),
    [],
  );
  const bad = errors(
    rollout({
      canary: {
        steps: [{ analysis: { templates: [] } }],
        analysis: {
          templates: [{}],
          startingStep: 3,
          args: [
            { name: "a", valueFrom: { fieldRef: { fieldPath: "" } } },
            { name: "b", valueFrom: { podTemplateHashValue: "Newest" as "Latest" } },
          ],
        },
      },
    }),
  ).join("\n");
  for (const expected of [
    /spec\.strategy\.canary\.steps\[0\]\.analysis\.templates: needs at least one template/,
    /spec\.strategy\.canary\.analysis\.templates\[0\]\.templateName: is required/,
    /spec\.strategy\.canary\.analysis\.startingStep: must be a step index between 0 and 1, got 3/,
    /spec\.strategy\.canary\.analysis\.args\[0\]\.valueFrom\.fieldRef\.fieldPath: is required/,
    /spec\.strategy\.canary\.analysis\.args\[1\]\.valueFrom\.podTemplateHashValue: must be Stable or Latest/,
  ]) {
    assert.match(bad, expected);
  }
  assert.match(
    errors(rollout({ blueGreen: { activeService: "a", postPromotionAnalysis: { templates: [] } } })).join(),
    /spec\.strategy\.blueGreen\.postPromotionAnalysis\.templates: needs at least one template/,
  );
});
