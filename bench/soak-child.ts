// Child process of bench/soak.ts: sluice's Rollout and AnalysisRun controllers on one namespace (as
// rollouts-child.ts), plus a sample every --sample-ms of V8 heap used right after a full GC and of
// RSS, printed as {"sample": true, ...} lines (protocol: lib/child.ts). Needs --expose-gc.
//   soak-child.ts <kubeconfig> <namespace> <sample-ms>
import { analysisRunController } from "../src/analysis/controller.ts";
import { runSluice } from "../src/app.ts";
import { parseOptions } from "../src/options.ts";
import { rolloutController } from "../src/rollout/controller.ts";
import { createLogger } from "../src/telemetry/logger.ts";
import { reportToParent } from "./lib/child-report.ts";
import { rssByMapping } from "./lib/proc.ts";

const [kubeconfig, namespace, sampleMs = "30000"] = process.argv.slice(2);
const sluice = await runSluice(
  { ...parseOptions([], {}), kubeconfig, namespace, leaderElect: false, metricsAddr: "127.0.0.1:0" },
  [rolloutController, analysisRunController],
  createLogger("warn"),
);
await reportToParent(sluice);

const mib = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
const sample = () => {
  // Heap after a full collection is what is still referenced: a leak shows as its slope.
  if (!global.gc) throw new Error("soak-child needs --expose-gc");
  global.gc();
  const { heapUsed, heapTotal, rss, external, arrayBuffers } = process.memoryUsage();
  const mappings = rssByMapping();
  // External (Buffers, TLS) apart from the heap: RSS that grows while both stay flat is the
  // allocator's, not sluice's objects.
  const sample = {
    heapMiB: mib(heapUsed),
    rssMiB: mib(rss),
    externalMiB: mib(external),
    arrayBuffersMiB: mib(arrayBuffers),
    // Where RSS sits: V8's committed heap, glibc's main arena (brk) and unnamed mappings (V8 pages
    // and glibc's other arenas): a climb in one of them names whose memory it is.
    heapTotalMiB: mib(heapTotal),
    brkMiB: mappings.brkMiB,
    anonymousMiB: mappings.anonymousMiB,
  };
  console.log(JSON.stringify({ sample: true, atMs: Date.now(), ...sample }));
};
sample();
setInterval(sample, Number(sampleMs)).unref();
