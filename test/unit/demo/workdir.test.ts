// One demo at a time per work dir, and a demo killed outright is cleaned up after by the next;
// a --cluster-dir that does not hold a running cluster is refused with the reason.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { runningCluster } from "../../../demo/cluster.ts";
import { claimWorkDir } from "../../../demo/workdir.ts";

async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-demo-workdir-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A process that runs until the test ends. */
function sleeper(t: TestContext): number {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  t.after(() => child.kill("SIGKILL"));
  if (child.pid === undefined) throw new Error("sleep did not start");
  return child.pid;
}

/** The pid of a process that has exited. */
async function gonePid(): Promise<number> {
  const child = spawn("true", [], { stdio: "ignore" });
  await new Promise((r) => child.once("exit", r));
  if (child.pid === undefined) throw new Error("true did not start");
  return child.pid;
}

test("a demo still running in the work dir is refused, naming its pid", async (t) => {
  const dir = await scratch(t);
  const pid = sleeper(t);
  await writeFile(join(dir, "demo.json"), JSON.stringify({ pid }));
  await assert.rejects(
    claimWorkDir(dir, () => undefined),
    new RegExp(`another demo is running \\(pid ${pid}\\)`),
  );
});

test("after a demo that died: its leftovers go, the claim is recorded, and release removes it", async (t) => {
  const dir = await scratch(t);
  const pid = await gonePid();
  await writeFile(join(dir, "demo.json"), JSON.stringify({ pid }));
  await mkdir(join(dir, "repo"), { recursive: true });
  await writeFile(join(dir, "sluice.log"), "old");
  const said: string[] = [];
  const work = await claimWorkDir(dir, (s) => said.push(s));
  assert.deepEqual(said, [`cleaned up after an earlier demo that did not stop (pid ${pid})`]);
  assert.equal(existsSync(join(dir, "repo")), false);
  assert.equal(existsSync(join(dir, "sluice.log")), false);
  await work.recordSluice(4242);
  assert.deepEqual(JSON.parse(await readFile(join(dir, "demo.json"), "utf8")), {
    pid: process.pid,
    sluicePid: 4242,
  });
  await work.release();
  assert.equal(existsSync(join(dir, "demo.json")), false);
});

test("--cluster-dir must hold a running cluster with Prometheus", async (t) => {
  const dir = await scratch(t);
  assert.match(String(runningCluster(dir)), /no cluster state in/);
  const state = (apiserverPid: number, prometheus: boolean) => ({
    ownerPid: 1,
    detached: true,
    info: {
      workDir: dir,
      kubeconfig: join(dir, "kubeconfig"),
      server: "https://127.0.0.1:1",
      auditLog: join(dir, "audit.log"),
      ...(prometheus ? { prometheusUrl: "http://127.0.0.1:2", prometheusTargetsDir: join(dir, "t") } : {}),
    },
    processes: [{ name: "kube-apiserver", pid: apiserverPid }],
  });
  await writeFile(join(dir, "state.json"), JSON.stringify(state(await gonePid(), true)));
  assert.match(String(runningCluster(dir)), /is not running \(its API server is gone\)/);
  const alive = sleeper(t);
  await writeFile(join(dir, "state.json"), JSON.stringify(state(alive, false)));
  assert.match(String(runningCluster(dir)), /runs without Prometheus/);
  await writeFile(join(dir, "state.json"), JSON.stringify(state(alive, true)));
  assert.deepEqual(runningCluster(dir), {
    kubeconfig: join(dir, "kubeconfig"),
    prometheusUrl: "http://127.0.0.1:2",
    prometheusTargetsDir: join(dir, "t"),
  });
});
