// `get rollout`'s renderer on fixed objects and a fixed now, against golden text (read by eye once:
// it follows the peer's layout, ../shared/reference/ecosystem.md §1.6.1).
import assert from "node:assert/strict";
import { test } from "node:test";
import { stripVTControlCharacters } from "node:util";
import { renderRolloutGet } from "../../../src/cli/render/rollout-get.ts";
import { FANCY, PLAIN, SYMBOLS } from "../../../src/cli/render/style.ts";
import { abortedCanary, blueGreenWithPreview, canaryWithAnalysis, invalidSpec, NOW } from "./fixtures.ts";
import { assertGolden } from "./golden.ts";

test("canary mid-step with its step analysis running (terminal symbols)", () => {
  assertGolden("get-canary-analysis.txt", renderRolloutGet(canaryWithAnalysis(), NOW, SYMBOLS));
});

test("the same canary piped: no symbols, words for measurement counts", () => {
  assertGolden("get-canary-analysis-plain.txt", renderRolloutGet(canaryWithAnalysis(), NOW, PLAIN));
});

test("blue/green paused with a preview ReplicaSet", () => {
  assertGolden("get-bluegreen-preview.txt", renderRolloutGet(blueGreenWithPreview(), NOW, SYMBOLS));
});

test("aborted canary: Degraded, weight back to 0, canary waiting for its scale-down delay", () => {
  assertGolden("get-aborted.txt", renderRolloutGet(abortedCanary(), NOW, SYMBOLS));
});

test("Degraded by an invalid spec: the validator's message, no step, only the Rollout in the tree", () => {
  assertGolden("get-invalid-spec.txt", renderRolloutGet(invalidSpec(), NOW, SYMBOLS));
});

test("colour adds ANSI codes only: stripped, it is the symbol output, columns still aligned", () => {
  const coloured = renderRolloutGet(canaryWithAnalysis(), NOW, FANCY);
  assert.ok(coloured.includes("\x1b[32m✔\x1b[0m"), "a green ✔");
  assert.equal(stripVTControlCharacters(coloured), renderRolloutGet(canaryWithAnalysis(), NOW, SYMBOLS));
});

test("a spec the controller has not observed yet shows Progressing, not the older status", () => {
  const view = canaryWithAnalysis();
  if (view.rollout.metadata) view.rollout.metadata.generation = 5;
  const text = renderRolloutGet(view, NOW, PLAIN);
  assert.match(text, /^Status: +Progressing$/m);
  assert.match(text, /^Message: +waiting for rollout spec update to be observed$/m);
});

test("without traffic routing the actual weight is the canary's share of available pods", () => {
  const view = canaryWithAnalysis();
  delete view.rollout.spec?.strategy?.canary?.trafficRouting;
  assert.match(renderRolloutGet(view, NOW, PLAIN), /^ {2}ActualWeight: +40$/m);
  if (view.rollout.status) view.rollout.status.availableReplicas = 4;
  assert.match(renderRolloutGet(view, NOW, PLAIN), /^ {2}ActualWeight: +50$/m);
});
