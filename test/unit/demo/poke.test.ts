// What the demo tells a person to type, and the kubectl-sluice shim it writes for that.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { pokeText } from "../../../demo/poke.ts";
import { shellQuote, shimScript } from "../../../demo/shim.ts";

test("poke text: the KUBECONFIG and PATH to export, the plugin commands, and the URLs", () => {
  const text = pokeText({
    kubeconfig: "/r/.sluice/demo/cluster/kubeconfig",
    namespace: "sluice-demo",
    application: "web",
    rollout: "web",
    binDir: "/r/.sluice/demo/bin",
    repoDir: "/r/.sluice/demo/repo",
    prometheusUrl: "http://127.0.0.1:9090",
    sluiceMetricsUrl: "http://127.0.0.1:8080/metrics",
    exporterUrl: "http://127.0.0.1:9464/metrics",
    query: 'demo_http_error_ratio{namespace="sluice-demo"}',
  });
  assert.match(
    text,
    /export KUBECONFIG=\/r\/\.sluice\/demo\/cluster\/kubeconfig PATH=\/r\/\.sluice\/demo\/bin:\$PATH/,
  );
  assert.match(text, /kubectl sluice get rollout web -w -n sluice-demo/);
  assert.match(text, /kubectl sluice app get web -n sluice-demo/);
  assert.match(text, /git -C \/r\/\.sluice\/demo\/repo log --oneline/);
  assert.match(text, /Prometheus: +http:\/\/127\.0\.0\.1:9090 /);
  assert.match(text, /g0\.expr=demo_http_error_ratio%7Bnamespace%3D%22sluice-demo%22%7D/);
  assert.match(text, /sluice \/metrics: +http:\/\/127\.0\.0\.1:8080\/metrics/);
  assert.match(text, /sample exporter: +http:\/\/127\.0\.0\.1:9464\/metrics/);
});

test("the shim passes its arguments through, whatever the paths hold", async (t) => {
  assert.equal(shellQuote("it's here"), `'it'\\''s here'`);
  const dir = await mkdtemp(join(tmpdir(), "demo shim '$x"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // A stand-in "node" that prints what it was given, one argument a line.
  const fakeNode = join(dir, "fake node");
  await writeFile(fakeNode, '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n', { mode: 0o755 });
  const shim = join(dir, "kubectl-sluice");
  await writeFile(shim, shimScript(fakeNode, join(dir, "tsx loader.mjs"), "/r/src/cli/main.ts"), {
    mode: 0o755,
  });
  const { stdout } = await promisify(execFile)(shim, ["get", "rollout", "a b", "$HOME"]);
  assert.deepEqual(stdout.trimEnd().split("\n"), [
    "--import",
    join(dir, "tsx loader.mjs"),
    "/r/src/cli/main.ts",
    "get",
    "rollout",
    "a b",
    "$HOME",
  ]);
});
