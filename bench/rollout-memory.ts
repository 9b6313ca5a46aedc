// Benchmark: resident memory of the sluice controller (Rollout + AnalysisRun controllers) with no
// Rollouts and with 1,000 Rollouts cached and reconciled, on one or more Node.js runtimes — e.g.
// the pinned LTS against the machine's Node 20 (issue 10: record RSS before and after the runtime
// change). Each measurement runs the controller in a fresh child process on a fresh minimal
// cluster (no kwok: ReplicaSets are created, pods are not, which does not change what sluice
// caches).
//
//   npm run bench -- rollout-memory [--count 1000] [--routed] [--node /usr/bin/node] ... [--node-flags "--x=1"] ...
//
// --routed routes every other Rollout through nginx (its two Services and stable Ingress made
// first, the canary Ingress by sluice), so the caches hold what the rollouts bench's would.
//
// Each --node-flags value is one more configuration (runtime flags of the controller process;
// NAME=value tokens go to its environment, e.g. "MALLOC_ARENA_MAX=2 --max-semi-space-size=8"),
// measured on every --node, each on namespaces of its own; none given measures the shipped flags
// (CONTROLLER_NODE_FLAGS, as the Dockerfile runs the controller). Every
// measurement also prints its raw JSON: RSS by kind of mapping (/proc smaps) and V8's heap spaces.
import { execFile, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import type { Rollout } from "../src/api/rollout.ts";
import { KubeClient } from "../src/kube/client.ts";
import { loadKubeConfig } from "../src/kube/config.ts";
import { Rollouts } from "../src/kube/resources.ts";
import { KubeTransport } from "../src/kube/transport.ts";
import { LocalCluster } from "../test/cluster/cluster.ts";
import { CONTROLLER_NODE_FLAGS } from "./lib/child.ts";
import { benchRollout, createRouting, forEachIndex } from "./lib/rollouts.ts";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
const args = process.argv.slice(2);
const flag = (name: string) =>
  args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1] as string] : []));
const count = Number(flag("--count")[0] ?? 1000);
const ROUTED = args.includes("--routed");
const nodes = flag("--node").length > 0 ? flag("--node") : [process.execPath];
const flagSets =
  flag("--node-flags").length > 0
    ? flag("--node-flags").map((f) => f.split(" ").filter(Boolean))
    : [[...CONTROLLER_NODE_FLAGS]];

async function applyCrds(transport: KubeTransport, client: KubeClient): Promise<void> {
  for (const file of [
    "rollout.yaml",
    "analysisrun.yaml",
    "analysistemplate.yaml",
    "clusteranalysistemplate.yaml",
  ]) {
    const crd = parse(await readFile(join(root, "crds", file), "utf8"));
    await transport.request({
      verb: "create",
      path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      body: crd,
    });
  }
  // Served once a list answers.
  for (let i = 0; i < 100; i++) {
    try {
      await client.list(Rollouts, { namespace: "default" });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const STEPS = [{ setWeight: 20 }, { pause: { duration: "10s" } }, { setWeight: 50 }];
/** --routed: every other Rollout routed by nginx, with its Services and stable Ingress (as the rollouts bench). */
const routed = (i: number) => ROUTED && i % 2 === 0;

async function fill(client: KubeClient, namespace: string, n: number): Promise<void> {
  await createRouting(client, namespace, n, routed);
  await forEachIndex(n, (i) =>
    client.create(Rollouts, benchRollout(namespace, i, STEPS, routed(i)), "bench"),
  );
}

/** Rollouts in the namespace the controller has reconciled (observedGeneration set). */
async function reconciled(client: KubeClient, namespace: string): Promise<number> {
  const list = await client.list<Rollout>(Rollouts, { namespace });
  return list.items.filter((r) => r.status?.observedGeneration !== undefined).length;
}

/**
 * One controller child per configuration: `flags` are runtime flags, except NAME=value tokens,
 * which go to its environment (e.g. MALLOC_ARENA_MAX=2). This process watches the progress, so the
 * child holds nothing but the controller, and tells the child when to report.
 */
async function measure(
  node: string,
  flags: string[],
  client: KubeClient,
  kubeconfig: string,
  namespace: string,
  n: number,
) {
  const env = Object.fromEntries(
    flags.filter((f) => /^[A-Z_]+=/.test(f)).map((f) => f.split(/=(.*)/s).slice(0, 2)),
  );
  const child = spawn(
    node,
    [
      ...flags.filter((f) => !/^[A-Z_]+=/.test(f)),
      "--expose-gc",
      "--import",
      "tsx",
      join(root, "bench", "rollout-memory-child.ts"),
      kubeconfig,
      namespace,
      String(n),
    ],
    { cwd: root, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "inherit"], timeout: 900_000 },
  );
  let stdout = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  if (n > 0) {
    while ((await reconciled(client, namespace)) < n) await new Promise((r) => setTimeout(r, 2000));
    await new Promise((r) => setTimeout(r, 2000));
    child.stdin.write("report\n");
  }
  await exited;
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, number> & {
    idle?: Record<string, number>;
  };
}

const lines: string[] = [];
for (const node of nodes) {
  const { stdout: version } = await run(node, ["--version"]);
  const cluster = await LocalCluster.start({ minimal: true, prometheus: false });
  try {
    const transport = new KubeTransport(loadKubeConfig(cluster.info.kubeconfig), { userAgent: "bench" });
    const client = new KubeClient(transport);
    await applyCrds(transport, client);
    // Each configuration on a namespace of its own: the first controller on a namespace does the
    // reconcile work (creates the ReplicaSets), a later one would only read.
    for (const [i, flags] of flagSets.entries()) {
      for (const n of [0, count]) {
        const namespace = `bench-${n}-${i}`;
        await transport.request({
          verb: "create",
          path: "/api/v1/namespaces",
          body: { metadata: { name: namespace } },
        });
        await fill(client, namespace, n);
        const r = await measure(node, flags, client, cluster.info.kubeconfig, namespace, n);
        console.log(JSON.stringify({ node: version.trim(), flags, ...r }));
        lines.push(
          `node ${version.trim().padEnd(9)} ${(flags.join(" ") || "(defaults)").padEnd(26)} ${String(n).padStart(5)} Rollouts: RSS ${r.rssMiB} MiB, JS heap ${r.heapMiB} MiB (committed ${r.heapTotalMiB}), external ${r.externalMiB} MiB, settled ${r.settledMs} ms; after idle: RSS ${r.idle?.rssMiB} MiB, heap ${r.idle?.heapMiB} MiB (committed ${r.idle?.heapTotalMiB})`,
        );
      }
    }
    transport.close();
  } finally {
    await cluster.stop();
  }
}
console.log(`rollout memory benchmark (${new Date().toISOString()})`);
for (const line of lines) console.log(`  ${line}`);
