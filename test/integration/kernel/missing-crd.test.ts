// A kind the API server does not serve (its CRD not installed): the informer keeps retrying and
// its log says which CustomResourceDefinition to install, rather than the controller silently
// waiting for a cache that never syncs.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import pino from "pino";
import { Informer } from "../../../src/controller/informer.ts";
import { testClient } from "../../helpers/kube.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

/** A pino logger whose JSON lines land in `lines`. */
function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: "debug" }, sink) };
}

test("an informer of a kind with no CRD logs which CRD is missing and keeps trying", async (t) => {
  const { lines, logger } = capturedLog();
  const informer = new Informer({
    client: testClient(),
    type: { group: "missing.sluice.dev", version: "v1", plural: "widgets", kind: "Widget", namespaced: true },
    logger,
    backoffInitialMs: 50,
    backoffMaxMs: 200,
  });
  const started = informer.start();
  t.after(() => informer.stop());
  const failures = await waitFor("two failed lists", async () => {
    const failed = lines.filter((l) => l.msg === "list/watch failed; retrying");
    return failed.length >= 2 ? failed : pending(`${failed.length} so far`);
  });
  for (const line of failures) {
    assert.equal(line.hint, "is the CustomResourceDefinition widgets.missing.sluice.dev installed?");
  }
  assert.equal(informer.hasSynced, false);
  await informer.stop();
  await started;
});

test("a failure that is not a missing kind gets no CRD hint", async (t) => {
  const { lines, logger } = capturedLog();
  // A core kind in a namespace that does not exist lists fine (empty); an invalid label selector
  // is a 400, which is not about a missing CRD.
  const informer = new Informer({
    client: testClient(),
    type: { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true },
    labelSelector: "a b c",
    logger,
    backoffInitialMs: 50,
    backoffMaxMs: 200,
  });
  const started = informer.start();
  t.after(() => informer.stop());
  const failures = await waitFor("a failed list", async () => {
    const failed = lines.filter((l) => l.msg === "list/watch failed; retrying");
    return failed.length >= 1 ? failed : pending("none yet");
  });
  assert.equal(failures[0]?.hint, undefined);
  await informer.stop();
  await started;
});
