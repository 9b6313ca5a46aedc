// The one test driver (DESIGN.md §9): build the control-plane binaries if missing, run the unit
// tier, start one cluster (or reuse SLUICE_TEST_KUBECONFIG), run the integration tier against it,
// and tear everything down in `finally`.
//
//   npm test                         everything
//   npm test -- --unit-only          unit tier only, no cluster
//   npm test -- test/integration/x   only the test files under the given paths
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { clusterDir } from "./cluster/binaries.ts";
import { LocalCluster } from "./cluster/cluster.ts";
import { clusterEnv } from "./helpers/env.ts";

const repoRoot = resolve(fileURLToPath(import.meta.url), "..", "..");
const args = process.argv.slice(2);
const unitOnly = args.includes("--unit-only");
const only = args.filter((a) => !a.startsWith("--")).map((a) => resolve(a));

interface TierResult {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  exitCode: number;
}

function findTests(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (entry.endsWith(".test.ts")) out.push(path);
  }
  return out.filter((f) => only.length === 0 || only.some((o) => f === o || f.startsWith(`${o}/`)));
}

function phase(name: string, startedAt: number): void {
  console.log(`\n[test] phase ${name}: ${((Date.now() - startedAt) / 1000).toFixed(1)}s`);
}

async function runCommand(command: string, commandArgs: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolveExit) => {
    const child = spawn(command, commandArgs, { stdio: "inherit", env, cwd: repoRoot });
    child.on("exit", (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
  });
}

/** Runs test files with node's test runner; the TAP copy gives the counts for the summary. */
async function runTier(
  name: string,
  files: string[],
  env: NodeJS.ProcessEnv,
  concurrency: number,
): Promise<TierResult> {
  if (files.length === 0) return { name, passed: 0, failed: 0, skipped: 0, exitCode: 0 };
  const tapDir = await mkdtemp(join(tmpdir(), "sluice-tap-"));
  const tapFile = join(tapDir, `${name}.tap`);
  console.log(`\n[test] ${name}: ${files.length} file(s)`);
  const exitCode = await runCommand(
    process.execPath,
    [
      "--import",
      "tsx",
      "--test",
      `--test-concurrency=${concurrency}`,
      // A hung test fails after 5 minutes instead of stalling CI.
      "--test-timeout=300000",
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      "--test-reporter=tap",
      `--test-reporter-destination=${tapFile}`,
      ...files.map((f) => relative(repoRoot, f)),
    ],
    env,
  );
  const tap = existsSync(tapFile) ? readFileSync(tapFile, "utf8") : "";
  await rm(tapDir, { recursive: true, force: true });
  const count = (key: string) => Number(new RegExp(`^# ${key} (\\d+)$`, "m").exec(tap)?.[1] ?? 0);
  const failed = count("fail") + count("cancelled");
  // A runner that died before reporting must not read as green.
  const brokenRun = exitCode !== 0 && failed === 0;
  return {
    name,
    passed: count("pass"),
    failed: brokenRun ? failed + 1 : failed,
    skipped: count("skip") + count("todo"),
    exitCode,
  };
}

async function main(): Promise<number> {
  const started = Date.now();
  // Every test process runs on this Node (children use process.execPath).
  console.log(`[test] node ${process.version} (${process.execPath})`);
  const results: TierResult[] = [];
  const baseEnv = { ...process.env, NODE_ENV: "test" };

  const unitFiles = findTests(join(repoRoot, "test", "unit"));
  results.push(await runTier("unit", unitFiles, baseEnv, 2));
  phase("unit", started);

  const integrationFiles = unitOnly ? [] : findTests(join(repoRoot, "test", "integration"));
  if (integrationFiles.length > 0) {
    let cluster: LocalCluster | undefined;
    const stopOnSignal = (signal: NodeJS.Signals) => {
      void (cluster?.stop() ?? Promise.resolve()).finally(() =>
        process.exit(signal === "SIGINT" ? 130 : 143),
      );
    };
    process.once("SIGINT", stopOnSignal);
    process.once("SIGTERM", stopOnSignal);
    try {
      let env: NodeJS.ProcessEnv;
      if (process.env.SLUICE_TEST_KUBECONFIG) {
        console.log(
          `[test] reusing the cluster of SLUICE_TEST_KUBECONFIG=${process.env.SLUICE_TEST_KUBECONFIG}`,
        );
        env = baseEnv;
      } else {
        const buildStarted = Date.now();
        const buildExit = await runCommand("bash", [join(clusterDir, "build.sh")], baseEnv);
        if (buildExit !== 0) throw new Error(`building the control plane failed (exit ${buildExit})`);
        phase("control-plane binaries", buildStarted);
        const clusterStarted = Date.now();
        cluster = await LocalCluster.start();
        phase("cluster start", clusterStarted);
        env = { ...baseEnv, ...clusterEnv(cluster.info) };
      }
      const integrationStarted = Date.now();
      results.push(await runTier("integration", integrationFiles, env, 2));
      phase("integration", integrationStarted);
    } catch (error) {
      console.error(`[test] ${(error as Error).stack ?? error}`);
      results.push({ name: "integration", passed: 0, failed: 1, skipped: 0, exitCode: 1 });
    } finally {
      if (cluster) {
        const usage = cluster.memoryUsage();
        const total = usage.reduce((n, u) => n + u.peakRssMiB, 0);
        console.log(
          `[test] control-plane peak RSS: ${usage.map((u) => `${u.name} ${u.peakRssMiB}MiB`).join(", ")}; sum ${total}MiB`,
        );
      }
      const failed = results.some((r) => r.failed > 0);
      if (cluster && failed) console.log(`[test] cluster logs: ${cluster.info.workDir}`);
      await cluster?.stop({ keepWorkDir: failed || process.env.SLUICE_KEEP_CLUSTER_DIR === "1" });
    }
  }

  for (const r of results) {
    console.log(`[test] ${r.name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  }
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  phase("total", started);
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 || results.some((r) => r.exitCode !== 0) ? 1 : 0;
}

process.exitCode = await main();
