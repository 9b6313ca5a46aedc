// What `app diff` says a Rollout pod-template change will do, from the strategy Git holds.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import {
  changesPodTemplate,
  rolloutChangeSummary,
  stepText,
} from "../../../src/cli/render/app-rollout-change.ts";
import { assertGolden } from "./golden.ts";

const rollout = (strategy: NonNullable<Rollout["spec"]>["strategy"], paused = false): Rollout => ({
  apiVersion: "sluice.dev/v1alpha1",
  kind: "Rollout",
  metadata: { name: "web" },
  spec: { ...(strategy ? { strategy } : {}), ...(paused ? { paused } : {}) },
});

const analysis = { templates: [{ templateName: "success-rate" }] };

test("a canary's steps in order, ending at 100%", () => {
  assert.equal(
    rolloutChangeSummary(
      rollout({ canary: { steps: [{ setWeight: 20 }, { pause: { duration: "1m" } }, { analysis }] } }),
    ),
    "starts a canary: 20% → pause 1m → analysis → 100%",
  );
});

test("every strategy shape, side by side (golden, read by eye)", () => {
  const cases: [string, Rollout, { firstDeploy?: boolean }?][] = [
    [
      "canary, the brief's example",
      rollout({ canary: { steps: [{ setWeight: 20 }, { pause: { duration: "1m" } }, { analysis }] } }),
    ],
    [
      "canary, every kind of step",
      rollout({
        canary: {
          steps: [
            { setCanaryScale: { replicas: 1 } },
            {
              setHeaderRoute: {
                name: "beta",
                match: [{ headerName: "x-beta", headerValue: { exact: "1" } }],
              },
            },
            { setMirrorRoute: { name: "shadow", percentage: 10, match: [{ path: { prefix: "/" } }] } },
            { setWeight: 10 },
            { pause: {} },
            { setCanaryScale: { matchTrafficWeight: true } },
            { setWeight: 50 },
            { pause: { duration: 30 } },
            { experiment: {} },
            { setMirrorRoute: { name: "shadow" } },
            { setHeaderRoute: { name: "beta" } },
            { plugin: {} },
          ],
        },
      }),
    ],
    [
      "canary with background analysis",
      rollout({ canary: { steps: [{ setWeight: 50 }], analysis: { ...analysis, startingStep: 1 } } }),
    ],
    ["canary without steps", rollout({ canary: {} })],
    ["canary on a paused Rollout", rollout({ canary: { steps: [{ setWeight: 25 }] } }, true)],
    [
      "blue/green waiting for promotion",
      rollout({ blueGreen: { activeService: "a", autoPromotionEnabled: false } }),
    ],
    [
      "blue/green promoting itself after a delay",
      rollout({ blueGreen: { activeService: "a", autoPromotionSeconds: 30 } }),
    ],
    [
      "blue/green with analysis before and after",
      rollout({
        blueGreen: {
          activeService: "a",
          autoPromotionEnabled: false,
          prePromotionAnalysis: analysis,
          postPromotionAnalysis: analysis,
        },
      }),
    ],
    ["blue/green with the defaults", rollout({ blueGreen: { activeService: "a" } })],
    ["no strategy", rollout(undefined)],
    ["first deploy", rollout({ canary: { steps: [{ setWeight: 20 }] } }), { firstDeploy: true }],
  ];
  const text = cases
    .map(([name, r, options]) => `${name}:\n  ${rolloutChangeSummary(r, options)}\n`)
    .join("");
  assertGolden("app-rollout-change.txt", text);
});

test("steps in words: a pause with no duration waits for promotion; an int duration is seconds", () => {
  assert.equal(stepText({ pause: {} }), "pause until promoted");
  assert.equal(stepText({ pause: { duration: 45 } }), "pause 45s");
  assert.equal(stepText({ setCanaryScale: { weight: 30 } }), "canary scale 30%");
});

test("only a pod-template change starts a new revision", () => {
  assert.ok(changesPodTemplate(["/spec/template/spec/containers/0/image"]));
  assert.ok(changesPodTemplate(["/metadata/labels/x", "/spec/template"]));
  assert.ok(!changesPodTemplate(["/spec/replicas", "/spec/strategy/canary/steps/0/setWeight"]));
  assert.ok(!changesPodTemplate(["/spec/templateX"]));
});
