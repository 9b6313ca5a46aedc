// The plugin's read commands against a real cluster with the Rollout controller running: a canary
// is created, paused, promoted and aborted, and the CLI (in-process, and once as the built bin
// through `kubectl sluice`) is judged by exit codes and the structure of what it prints.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Rollout } from "../../../src/api/rollout.ts";
import { Rollouts } from "../../../src/kube/resources.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { ENV, requireEnv } from "../../helpers/env.ts";
import { testClient, testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import {
  createRollout,
  createServices,
  installRolloutCrd,
  podTemplate,
  rolloutIn,
} from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";
import { runCaptured } from "../../unit/cli/capture.ts";

const run = promisify(execFile);
const root = resolve(fileURLToPath(import.meta.url), "../../../..");

/**
 * A copy of the test kubeconfig with a second context "cli-ns" (same cluster and user) whose
 * namespace is `namespace`, made the current one.
 */
async function kubeconfigWithContext(namespace: string): Promise<string> {
  const config = JSON.parse(testKubeConfig().exportConfig()) as {
    contexts: { name: string; context: Record<string, string> }[];
    "current-context": string;
  };
  const current = config.contexts.find((c) => c.name === config["current-context"]);
  assert.ok(current, "the test kubeconfig has a current context");
  config.contexts.push({ name: "cli-ns", context: { ...current.context, namespace } });
  config["current-context"] = "cli-ns";
  const file = join(await mkdtemp(join(tmpdir(), "sluice-cli-kubeconfig-")), "config");
  await writeFile(file, JSON.stringify(config));
  return file;
}

/** `text` split into the blocks `get -w` prints when piped (each starts with its Name: line). */
const blocks = (text: string) => text.split(/^(?=Name:)/m).filter((b) => b.trim() !== "");

test("get, list and status read a canary as it moves; exit codes for CI gates, missing objects and misuse", async (t) => {
  await installRolloutCrd();
  const namespace = await useNamespace(t, "cli");
  await createServices(namespace, ["web-stable", "web-canary"]);
  await startSluice(t, [rolloutController], { namespace });
  const flags = ["-n", namespace, "--kubeconfig", requireEnv(ENV.kubeconfig)];
  const cli = (...argv: string[]) => runCaptured([...argv, ...flags]);
  const web = rolloutIn(namespace);

  await createRollout(
    namespace,
    {
      canary: {
        canaryService: "web-canary",
        stableService: "web-stable",
        steps: [{ setWeight: 50 }, { pause: {} }],
      },
    },
    { replicas: 2 },
  );
  // The test ends mid-update (aborted), where the Rollout holds the restore-services finalizer; the
  // controller is stopped by then, so drop it or the namespace never goes.
  t.after(() =>
    testClient()
      .mergePatch(Rollouts, { namespace, name: "web" }, { metadata: { finalizers: null } }, "sluice-test")
      .catch(() => undefined),
  );
  const healthy = await web.until(
    "first deploy Healthy",
    (r) => r.status?.phase === "Healthy" && r.status.availableReplicas === 2,
  );

  // -o json is the Rollout object itself.
  const json = await cli("get", "rollout", "web", "-o", "json");
  assert.equal(json.code, 0, json.err);
  const object = JSON.parse(json.out) as Rollout;
  assert.equal(object.metadata?.name, "web");
  assert.equal(object.metadata?.uid, healthy.metadata?.uid);
  assert.equal(object.metadata?.managedFields, undefined, "managedFields left out, as kubectl does");
  const yaml = await cli("get", "ro", "web", "-o", "yaml");
  assert.match(yaml.out, new RegExp(`^  uid: ${healthy.metadata?.uid}$`, "m"));

  const status = await cli("status", "web");
  assert.deepEqual([status.code, status.out], [0, "Healthy\n"], status.err);

  // Symbols and colour only on a terminal; NO_COLOR keeps the symbols and drops the colour.
  const tty = await runCaptured(["get", "rollout", "web", ...flags], { isTTY: true });
  const green = (text: string) => `\x1b[32m${text}\x1b[0m`;
  assert.ok(tty.out.includes(`Status:          ${green("✔")} Healthy\n`), tty.out);
  const noColor = await runCaptured(["get", "rollout", "web", ...flags], {
    isTTY: true,
    env: { NO_COLOR: "1" },
  });
  assert.match(noColor.out, /^Status: +✔ Healthy$/m);
  assert.ok(!noColor.out.includes("\x1b["), "no ANSI codes with NO_COLOR");

  // --context picks a context, whose namespace is the default one (no -n).
  const kubeconfig = await kubeconfigWithContext(namespace);
  const byContext = await runCaptured([
    "status",
    "web",
    "--no-watch",
    "--kubeconfig",
    kubeconfig,
    "--context",
    "cli-ns",
  ]);
  assert.deepEqual([byContext.code, byContext.out], [0, "Healthy\n"], byContext.err);
  const noSuchContext = await runCaptured(["status", "web", "--kubeconfig", kubeconfig, "--context", "nope"]);
  assert.deepEqual(
    [noSuchContext.code, noSuchContext.err],
    [1, 'Error: context "nope" does not exist in the kubeconfig\n'],
  );

  const list = await cli("list", "rollouts", "-o", "name");
  assert.deepEqual([list.code, list.out], [0, "rollout.sluice.dev/web\n"], list.err);
  const all = await runCaptured(["list", "rollouts", "-A", "--kubeconfig", requireEnv(ENV.kubeconfig)]);
  assert.equal(all.code, 0, all.err);
  assert.match(
    all.out,
    /^NAMESPACE +NAME +STRATEGY +STATUS +STEP +SET-WEIGHT +READY +DESIRED +UP-TO-DATE +AVAILABLE$/m,
  );
  assert.match(all.out, new RegExp(`^${namespace} +web +Canary +Healthy +2/2 +100 +2/2 +2 +2 +2$`, "m"));

  // An update stops at the indefinite pause: status waits, and times out.
  await web.patchSpec({ template: podTemplate("web:2") });
  await web.until("paused at step 1", (r) => r.status?.phase === "Paused" && r.status.currentStepIndex === 1);
  const timedOut = await cli("status", "web", "--timeout", "1s");
  assert.equal(timedOut.code, 1);
  assert.match(timedOut.out, /^Paused - CanaryPauseStep$/m);
  assert.match(timedOut.err, /^Error: timed out after 1s waiting for rollout "web" to become Healthy/m);

  const get = await cli("get", "rollout", "web");
  assert.equal(get.code, 0, get.err);
  assert.match(get.out, /^Status: +Paused$/m, "piped: no symbols");
  assert.match(get.out, /^ {2}Step: +1\/2$/m);
  assert.match(get.out, /^ {2}SetWeight: +50$/m);
  assert.match(get.out, /^Images: +web:1 \(stable\)\n +web:2 \(canary\)$/m);
  assert.equal(get.out.match(/^├──revision:2$/gm)?.length, 1, get.out);
  assert.equal(get.out.match(/^└──revision:1$/gm)?.length, 1, get.out);
  assert.equal(
    get.out.match(/ Pod +Running +\S+ +ready:1\/1$/gm)?.length,
    2,
    `one canary and one stable pod:\n${get.out}`,
  );

  // Watches: get -w prints a block per change, status waits for Healthy; both driven by the promote.
  const stop = new AbortController();
  t.after(() => stop.abort());
  let watched = "";
  const getWatch = runCaptured(["get", "rollout", "web", "-w", ...flags], {
    signal: stop.signal,
    onOut: (all) => {
      watched = all;
    },
  });
  const statusWatch = cli("status", "web", "--timeout", "60s");
  await waitFor("get -w to draw the paused rollout", () =>
    /^Status: +Paused$/m.test(watched) ? true : pending(watched),
  );
  await web.patchStatus({ pauseConditions: null });
  const promoted = await statusWatch;
  assert.equal(promoted.code, 0, promoted.err);
  assert.deepEqual(promoted.out.trim().split("\n").at(-1), "Healthy");
  assert.match(promoted.out, /^Paused - CanaryPauseStep$/m);
  await waitFor("get -w to draw the Healthy rollout", () =>
    blocks(watched)
      .at(-1)
      ?.match(/^Status: +Healthy$/m)
      ? true
      : pending(`${blocks(watched).length} blocks`),
  );
  stop.abort();
  const watchEnd = await getWatch;
  assert.equal(watchEnd.code, 0, watchEnd.err);
  const drawn = blocks(watched);
  assert.ok(drawn.length >= 2, `a new block per change: ${drawn.length}`);
  for (const block of drawn)
    assert.match(block, /^NAME +KIND +STATUS +AGE +INFO$/m, "every block is a whole view");

  // Abort the next update: Degraded is a failed gate.
  await web.patchSpec({ template: podTemplate("web:3") });
  await web.until("paused again", (r) => r.status?.phase === "Paused" && r.status.currentStepIndex === 1);
  await web.patchStatus({ abort: true });
  await web.until("aborted", (r) => r.status?.phase === "Degraded");
  const degraded = await cli("status", "web");
  assert.equal(degraded.code, 1);
  assert.match(degraded.out, /^Degraded - RolloutAborted: /m);
  assert.match(degraded.err, /^Error: rollout "web" is Degraded$/m);

  // Missing things and misuse.
  const missing = await cli("get", "rollout", "nope");
  assert.equal(missing.code, 1);
  assert.equal(missing.err, `Error: rollout "nope" not found in namespace "${namespace}"\n`);
  assert.equal((await cli("status", "nope")).code, 1);
  const usage = await cli("get", "rollout");
  assert.equal(usage.code, 2);
  assert.match(usage.err, /missing required argument 'name'/);

  // The built bin, found by kubectl as a plugin.
  await run("bash", [join(root, "test/tools/node.sh"), "--exec", "tsc", "-p", "tsconfig.build.json"], {
    cwd: root,
  });
  const bin = await mkdtemp(join(tmpdir(), "sluice-plugin-"));
  // tsc writes 0644; `npm link` makes a package's bin executable, as this does.
  await chmod(join(root, "dist/src/cli/main.js"), 0o755);
  await symlink(join(root, "dist/src/cli/main.js"), join(bin, "kubectl-sluice"));
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  const plugins = await run("kubectl", ["plugin", "list"], { env }).catch((e: { stdout: string }) => e);
  assert.match(plugins.stdout, new RegExp(`${bin}/kubectl-sluice`));
  const viaKubectl = await run("kubectl", ["sluice", "get", "rollout", "web", "-o", "json", ...flags], {
    env,
  });
  assert.equal((JSON.parse(viaKubectl.stdout) as Rollout).metadata?.uid, healthy.metadata?.uid);
  // $KUBECONFIG and its current context's namespace, as kubectl hands them to a plugin.
  const fromEnv = await run("kubectl", ["sluice", "list", "rollouts", "-o", "name"], {
    env: { ...env, KUBECONFIG: kubeconfig },
  });
  assert.equal(fromEnv.stdout, "rollout.sluice.dev/web\n");
  const notFound = await run("kubectl", ["sluice", "status", "nope", ...flags], { env }).then(
    () => 0,
    (e: { code: number }) => e.code,
  );
  assert.equal(notFound, 1);
});
