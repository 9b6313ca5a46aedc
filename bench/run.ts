// `npm run bench -- <name> [flags]`: runs one benchmark in a process of its own (each starts and
// stops its own local cluster), passing the flags through. Benchmarks never run in `npm test`.
import { spawn } from "node:child_process";
import { join } from "node:path";

/** Name → file in bench/, and one line on what it measures. */
const BENCHES: Record<string, { file: string; about: string }> = {
  rollouts: {
    file: "rollouts.ts",
    about: "N Rollouts: first deploy, steady state, a bulk image change (latency, writes, RSS)",
  },
  "step-latency": {
    file: "step-latency.ts",
    about: "promote / pause deadline → the new weight on the canary Ingress, N routed Rollouts",
  },
  apps: { file: "apps.ts", about: "N Applications from local repos, cold to Synced and Healthy" },
  "rollout-memory": {
    file: "rollout-memory.ts",
    about: "controller RSS and heap with N Rollouts in its caches",
  },
  soak: {
    file: "soak.ts",
    about: "N Rollouts with analysis, images changed for M minutes: heap-after-GC and RSS slopes",
  },
  kernel: { file: "kernel-throughput.ts", about: "the kernel's reconcile throughput over ConfigMaps" },
  analysis: { file: "analysis-scheduling.ts", about: "AnalysisRun measurement scheduling" },
  cluster: { file: "cluster-footprint.ts", about: "the local control plane's own footprint" },
};

function usage(): string {
  const names = Object.entries(BENCHES).map(([name, { about }]) => `  ${name.padEnd(16)} ${about}`);
  return `usage: npm run bench -- <name> [flags]\n\n${names.join("\n")}\n`;
}

const [name, ...rest] = process.argv.slice(2);
const bench = name === undefined ? undefined : BENCHES[name];
if (!bench) {
  process.stderr.write(name && name !== "--help" ? `unknown bench "${name}"\n${usage()}` : usage());
  process.exit(name === "--help" ? 0 : 2);
}
const child = spawn(process.execPath, [...process.execArgv, join(import.meta.dirname, bench.file), ...rest], {
  stdio: "inherit",
});
// Ctrl-C reaches the child through the terminal's process group; wait for it to clean up.
process.on("SIGINT", () => undefined);
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
