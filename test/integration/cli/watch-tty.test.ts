// `kubectl sluice get rollout -w` on a real terminal: the built bin runs through kubectl under a
// pseudo-terminal (util-linux `script`), and as the test promotes a paused canary the screen is
// cleared and redrawn in place, first paused, later Healthy; Ctrl-C typed into the terminal ends it
// cleanly.
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify, stripVTControlCharacters } from "node:util";
import { CLEAR_SCREEN } from "../../../src/cli/redraw.ts";
import { Rollouts } from "../../../src/kube/resources.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { ENV, requireEnv } from "../../helpers/env.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { createRollout, installRolloutCrd, podTemplate, rolloutIn } from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const run = promisify(execFile);
const root = resolve(fileURLToPath(import.meta.url), "../../../..");

/**
 * Builds the plugin into a directory of its own under dist/ (another test builds dist/ itself at
 * the same time) and returns a directory holding `kubectl-sluice`, for PATH.
 */
async function buildPlugin(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  await mkdir(join(root, "dist"), { recursive: true });
  const out = await mkdtemp(join(root, "dist", "tty-test-"));
  t.after(() => rm(out, { recursive: true, force: true }));
  const tsc = ["--exec", "tsc", "-p", "tsconfig.build.json", "--outDir", out];
  await run("bash", [join(root, "test/tools/node.sh"), ...tsc], { cwd: root });
  const main = join(out, "src/cli/main.js");
  await chmod(main, 0o755);
  const bin = await mkdtemp(join(tmpdir(), "sluice-plugin-"));
  await symlink(main, join(bin, "kubectl-sluice"));
  return bin;
}

/** One word for `sh -c`: single-quoted. */
const shellWord = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/** The screens drawn so far: what follows each clear, plain text (no colour, \n line ends). */
function screens(raw: string): string[] {
  return raw
    .split(CLEAR_SCREEN)
    .slice(1)
    .map((s) => stripVTControlCharacters(s).replaceAll("\r\n", "\n"));
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once("exit", (code) => r(code)));
}

test("get rollout -w on a terminal redraws in place as the rollout moves; Ctrl-C ends it", async (t) => {
  await installRolloutCrd();
  const namespace = await useNamespace(t, "cli-tty");
  await startSluice(t, [rolloutController], { namespace });
  const bin = await buildPlugin(t);
  await createRollout(namespace, { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } });
  // If the test stops while paused, the Rollout keeps its restore-services finalizer after the
  // controller has stopped: drop it or the namespace never goes.
  t.after(() =>
    testClient()
      .mergePatch(Rollouts, { namespace, name: "web" }, { metadata: { finalizers: null } }, "sluice-test")
      .catch(() => undefined),
  );
  const web = rolloutIn(namespace);
  await web.until("first deploy Healthy", (r) => r.status?.phase === "Healthy");
  await web.patchSpec({ template: podTemplate("web:2") });
  await web.until("paused at step 1", (r) => r.status?.phase === "Paused" && r.status.currentStepIndex === 1);

  // `script -qfec CMD /dev/null`: CMD on a new pty, its output copied to ours as it comes (-f),
  // its exit code as script's (-e). Keystrokes written to script's stdin reach the terminal.
  const command = ["kubectl", "sluice", "get", "rollout", "web", "-w", "-n", namespace]
    .map(shellWord)
    .join(" ");
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      KUBECONFIG: requireEnv(ENV.kubeconfig),
      TERM: "xterm-256color",
      NO_COLOR: "",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
  let raw = "";
  let errors = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    raw += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    errors += chunk.toString("utf8");
  });
  const paused = (screen: string) => /^Status: +॥ Paused$/m.test(screen);
  const healthy = (screen: string) => /^Status: +✔ Healthy$/m.test(screen);
  await waitFor("the paused rollout on the terminal", () =>
    screens(raw).some(paused) ? true : pending(JSON.stringify(raw.slice(-300)) + errors),
  );

  await web.patchStatus({ pauseConditions: null });
  await waitFor("the terminal redrawn with the Healthy rollout", () =>
    healthy(screens(raw).at(-1) ?? "") ? true : pending(`${screens(raw).length} screens${errors}`),
  );
  const beforeCtrlC = raw.length;
  child.stdin?.write("\x03");
  const code = await exited(child);
  // Ended by the user: 0 (the CLI's own handler wound the watch down) or 130 (128 + SIGINT, what
  // `kubectl get -w` itself exits with on Ctrl-C). CI saw 130 twice in ~10 runs with one ^C
  // echoed, never reproduced here; either way the user gets the prompt back without an error.
  // A crash (1), a hang or an error message fails.
  const after = stripVTControlCharacters(raw.slice(beforeCtrlC));
  assert.ok(
    code === 0 || code === 130,
    `Ctrl-C ends the watch: exit ${code} ${errors} ${JSON.stringify(raw.slice(-400))}`,
  );
  assert.doesNotMatch(after, /Error|Exception|\n\s+at /, "no error or stack trace after Ctrl-C");
  assert.equal(errors, "", "nothing on script's own stderr");

  const drawn = screens(raw);
  assert.ok(drawn.length >= 2, `cleared and redrawn at least twice: ${drawn.length}`);
  const firstPaused = drawn.findIndex(paused);
  const lastHealthy = drawn.findLastIndex(healthy);
  assert.ok(firstPaused >= 0 && firstPaused < lastHealthy, "paused first, Healthy later, on the same screen");
  for (const screen of drawn) {
    assert.match(screen, /^Name: +web$/m, "every redraw is a whole view");
    assert.match(screen, /^NAME +KIND +STATUS +AGE +INFO$/m);
  }
  assert.match(drawn[lastHealthy] ?? "", /^⟳ web +Rollout +✔ Healthy/m, "symbols: a terminal");
  assert.ok(raw.includes("\x1b[32m✔\x1b[0m"), "and colour");
});
