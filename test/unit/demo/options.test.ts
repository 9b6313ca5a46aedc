// npm run demo's flags: defaults, and clear errors for bad input.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DemoOptionsError, parseDemoOptions } from "../../../demo/options.ts";

test("defaults: the normal pace in namespace sluice-demo, waiting for Ctrl-C at the end", () => {
  assert.deepEqual(parseDemoOptions([]), {
    fast: false,
    clusterDir: undefined,
    namespace: "sluice-demo",
    exitWhenDone: false,
    help: false,
  });
});

test("flags", () => {
  const o = parseDemoOptions(["--fast", "--exit", "--namespace", "demo-2", "--cluster-dir", "/tmp/c"]);
  assert.equal(o.fast, true);
  assert.equal(o.exitWhenDone, true);
  assert.equal(o.namespace, "demo-2");
  assert.equal(o.clusterDir, "/tmp/c");
  assert.equal(parseDemoOptions(["-h"]).help, true);
});

test("bad input is an error that names the flag", () => {
  assert.throws(
    () => parseDemoOptions(["--namespace", "Demo_1"]),
    /--namespace: "Demo_1" is not a valid namespace name/,
  );
  assert.throws(
    () => parseDemoOptions(["--fastt"]),
    (e) => e instanceof DemoOptionsError && /--fastt/.test(e.message),
  );
  assert.throws(() => parseDemoOptions(["extra"]), DemoOptionsError);
  assert.throws(() => parseDemoOptions(["--cluster-dir", ""]), /--cluster-dir: needs a directory/);
});
