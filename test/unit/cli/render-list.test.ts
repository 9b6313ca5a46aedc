// `list rollouts`'s renderer: the peer's columns, NAMESPACE with -A, more with -o wide.
import assert from "node:assert/strict";
import { test } from "node:test";
import { renderRolloutList } from "../../../src/cli/render/rollout-list.ts";
import { abortedCanary, blueGreenWithPreview, canaryWithAnalysis, invalidSpec, NOW } from "./fixtures.ts";
import { assertGolden } from "./golden.ts";

const rollouts = () =>
  [canaryWithAnalysis(), blueGreenWithPreview(), abortedCanary(), invalidSpec()].map((v) => v.rollout);

test("list rollouts: one row per rollout, sorted by name, bluegreen without step or weight", () => {
  assertGolden("list.txt", renderRolloutList(rollouts(), NOW, { allNamespaces: false, wide: false }));
});

test("list rollouts -A -o wide: NAMESPACE first; age, images and message last", () => {
  const other = canaryWithAnalysis().rollout;
  if (other.metadata) other.metadata.namespace = "billing";
  assertGolden(
    "list-all-wide.txt",
    renderRolloutList([...rollouts(), other], NOW, { allNamespaces: true, wide: true }),
  );
});

test("READY is ready/current pods, as the peer prints it", () => {
  const [header, row] = renderRolloutList([blueGreenWithPreview().rollout], NOW, {
    allNamespaces: false,
    wide: false,
  }).split("\n");
  const cells = row?.split(/\s+/) ?? [];
  assert.equal(cells[(header?.split(/\s+/) ?? []).indexOf("READY")], "5/6");
});
