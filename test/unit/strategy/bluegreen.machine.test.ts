// The blue/green machine: key paths by table, then the whole reachable graph with invariants.
import assert from "node:assert/strict";
import { test } from "node:test";
import { getAdjacencyMap } from "xstate/graph";
import {
  type BlueGreenContext,
  type BlueGreenEvent,
  type BlueGreenStateValue,
  blueGreenMachine,
} from "../../../src/strategy/bluegreen.machine.ts";
import { stepBlueGreen } from "../../../src/strategy/bluegreen.state.ts";

const base = (over: Partial<BlueGreenContext> = {}): BlueGreenContext => ({
  controllerPause: false,
  abort: false,
  promoteFull: false,
  autoPromotionEnabled: true,
  analysisRound: 0,
  runRestarts: 0,
  preAnalysis: false,
  postAnalysis: false,
  promoted: false,
  ...over,
});
const reconcile = (over: Partial<Extract<BlueGreenEvent, { type: "RECONCILE" }>> = {}): BlueGreenEvent => ({
  type: "RECONCILE",
  now: 0,
  templateHash: "v2",
  userPaused: false,
  previewReady: false,
  newFullyAvailable: false,
  ...over,
});

function run(state: BlueGreenStateValue, context: BlueGreenContext, events: BlueGreenEvent[]) {
  let current = { state, context };
  return events.map((event) => {
    const next = stepBlueGreen(current.state, current.context, event);
    current = next;
    return next;
  });
}

test("manual promotion: preview, pause when ready, promote, healthy", () => {
  const t = run("healthy", base({ stableHash: "v1", currentHash: "v1", autoPromotionEnabled: false }), [
    reconcile(),
    reconcile({ previewReady: true, now: 100 }),
    reconcile({ previewReady: true, now: 200 }),
    { type: "PROMOTE" },
    reconcile({ previewReady: true, newFullyAvailable: true }),
    reconcile({ previewReady: true, newFullyAvailable: true }),
  ]);
  assert.deepEqual(
    t.map((s) => s.state),
    ["preview", "paused", "paused", "paused", "promoting", "healthy"],
  );
  assert.equal(t[1]?.context.pausedSince, 100);
  assert.equal(t[5]?.context.stableHash, "v2");
});

test("autoPromotionSeconds promotes after the delay; autoPromotionEnabled promotes at once", () => {
  const delayed = run("preview", base({ stableHash: "v1", currentHash: "v2", autoPromotionMs: 5000 }), [
    reconcile({ previewReady: true, now: 1000 }),
    reconcile({ previewReady: true, now: 5999 }),
    reconcile({ previewReady: true, now: 6000 }),
  ]);
  assert.deepEqual(
    delayed.map((s) => s.state),
    ["paused", "paused", "promoting"],
  );
  const [immediate] = run("preview", base({ stableHash: "v1", currentHash: "v2" }), [
    reconcile({ previewReady: true }),
  ]);
  assert.equal(immediate?.state, "promoting");
});

test("abort keeps the old active; retry previews again; first deploy promotes without a pause", () => {
  const t = run(
    "paused",
    base({ stableHash: "v1", currentHash: "v2", pausedSince: 0, controllerPause: true }),
    [{ type: "ABORT" }, reconcile({ now: 50 }), { type: "RETRY" }, reconcile({ now: 60 })],
  );
  assert.deepEqual(
    t.map((s) => s.state),
    ["paused", "aborted", "aborted", "preview"],
  );
  assert.equal(t[1]?.context.stableHash, "v1");
  assert.equal(t[1]?.context.abortedAt, 50);
  const [first] = run("healthy", base(), [reconcile({ templateHash: "v1" })]);
  assert.equal(first?.state, "healthy", "a first deploy is stable at once (the peer's initial deploy)");
  assert.equal(first?.context.stableHash, "v1");
});

const EVENTS: BlueGreenEvent[] = [];
for (const templateHash of ["v1", "v2"])
  for (const now of [0, 9000])
    for (const userPaused of [false, true])
      for (const previewReady of [false, true])
        for (const newFullyAvailable of [false, true])
          for (const analysis of [
            {},
            { preAnalysis: "Successful" },
            { preAnalysis: "Failed" },
            { preAnalysis: "Inconclusive" },
            { postAnalysis: "Successful" },
            { postAnalysis: "Error" },
            { postAnalysis: "Inconclusive" },
          ] as const)
            EVENTS.push({
              type: "RECONCILE",
              now,
              templateHash,
              userPaused,
              previewReady,
              newFullyAvailable,
              ...analysis,
            });
EVENTS.push({ type: "PROMOTE" }, { type: "PROMOTE_FULL" }, { type: "ABORT" }, { type: "RETRY" });

test("every edge keeps the invariants: stable (the active side) changes only by a promotion to a fully available new version", () => {
  const analysed = { preAnalysis: true, postAnalysis: true };
  for (const input of [
    base(),
    base({ autoPromotionEnabled: false }),
    base({ autoPromotionMs: 5000 }),
    base(analysed),
    base({ ...analysed, autoPromotionEnabled: false }),
  ]) {
    const map = getAdjacencyMap(blueGreenMachine, {
      input,
      events: EVENTS,
      // The analysis round only grows; states are compared without it so the graph is finite.
      serializeState: (s) =>
        JSON.stringify([s.value, { ...s.context, analysisRound: undefined, runRestarts: undefined }]),
    });
    const seen = new Set<string>();
    for (const { state: from, transitions } of Object.values(map)) {
      seen.add(from.value as string);
      type Edge = { event: BlueGreenEvent; state: { value: unknown; context: BlueGreenContext } };
      for (const { event, state: to } of Object.values(transitions) as Edge[]) {
        const fromCtx = from.context as BlueGreenContext;
        const where = `${String(from.value)} --${JSON.stringify(event)}--> ${String(to.value)}`;
        assert.notEqual(to.value, "routing", where);
        if (to.context.stableHash !== fromCtx.stableHash) {
          assert.ok(
            to.value === "healthy" &&
              event.type === "RECONCILE" &&
              (event.newFullyAvailable || from.value === "postPromotion" || fromCtx.stableHash === undefined),
            `stable changed without a fully available new version: ${where}`,
          );
        }
        const sameUpdate =
          event.type === "RECONCILE" && event.templateHash === fromCtx.currentHash && !fromCtx.abort;
        assert.ok(to.context.analysisRound >= fromCtx.analysisRound, `round went back: ${where}`);
        if (from.value === "aborted" && to.value !== "aborted")
          assert.ok(to.context.analysisRound > fromCtx.analysisRound, `retry reuses runs: ${where}`);
        if (input.preAnalysis && sameUpdate && from.value === "preview" && !fromCtx.promoteFull) {
          if (
            to.value === "promoting" ||
            (to.value === "paused" && to.context.pauseReason === "BlueGreenPause")
          )
            assert.equal(event.preAnalysis, "Successful", `promoted past pre-promotion analysis: ${where}`);
          if (event.preAnalysis === "Failed" && !event.userPaused)
            assert.equal(to.value, "aborted", `failed pre-promotion analysis must abort: ${where}`);
        }
        if (input.postAnalysis && from.value === "promoting" && to.value === "healthy" && sameUpdate)
          assert.ok(
            fromCtx.promoteFull ||
              fromCtx.stableHash === undefined ||
              fromCtx.stableHash === fromCtx.currentHash,
            `a real update became stable without post-promotion analysis: ${where}`,
          );
        if (from.value === "postPromotion" && sameUpdate) {
          if (to.value === "healthy")
            assert.ok(
              fromCtx.promoteFull ||
                event.postAnalysis === "Successful" ||
                (event.postAnalysis === "Inconclusive" &&
                  fromCtx.controllerPause &&
                  fromCtx.pausedSince === undefined),
              `post-promotion analysis not passed: ${where}`,
            );
          if (event.postAnalysis === "Error" && !fromCtx.promoteFull)
            assert.equal(to.value, "aborted", `must abort: ${where}`);
        }
        if (from.value === "healthy" && to.value !== "healthy") {
          assert.ok(
            event.type === "RECONCILE" && event.templateHash !== fromCtx.currentHash,
            `left Healthy: ${where}`,
          );
        }
        if (to.value === "aborted")
          assert.ok(to.context.stableHash !== undefined, `aborted with nothing to keep: ${where}`);
        if (to.value === "paused" && !input.autoPromotionEnabled) {
          assert.ok(
            to.context.pausedSince !== undefined || to.context.controllerPause || from.value === "paused",
            where,
          );
        }
      }
    }
    assert.ok(seen.has("healthy") && seen.has("promoting") && seen.has("aborted") && seen.has("userPaused"));
    if (!input.autoPromotionEnabled || input.autoPromotionMs)
      assert.ok(seen.has("paused"), "paused reachable");
    assert.ok(seen.has("preview"));
    if (input.postAnalysis) assert.ok(seen.has("postPromotion"), "postPromotion reachable");
  }
});
