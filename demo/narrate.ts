// What the demo says about what it sees: one line per object (the Rollout, the Application, each
// AnalysisRun) as a pure function of the object, and a Narrator that prints a line only when it
// changes, stamped with the time since the story began.
import type { AnalysisRun } from "../src/api/analysis.ts";
import type { Application } from "../src/api/application.ts";
import type { Rollout } from "../src/api/rollout.ts";
import type { ReplicaSet } from "../src/rollout/world.ts";
import { replicaSetImage, tagOf } from "./exporter.ts";

/** What the story looked at in one go. */
export interface Scene {
  rollout: Rollout | undefined;
  app: Application | undefined;
  replicaSets: ReplicaSet[];
  runs: AnalysisRun[];
}

/** How the steps read: "setWeight 20", "pause 10s", "analysis error-ratio". */
export function stepName(step: Record<string, unknown> | undefined): string {
  if (!step) return "done";
  if (typeof step.setWeight === "number") return `setWeight ${step.setWeight}`;
  const pause = step.pause as { duration?: string | number } | undefined;
  if (pause) return pause.duration !== undefined ? `pause ${pause.duration}` : "pause (until promoted)";
  const analysis = step.analysis as { templates?: { templateName?: string }[] } | undefined;
  if (analysis) return `analysis ${(analysis.templates ?? []).map((t) => t.templateName).join(", ")}`;
  return Object.keys(step)[0] ?? "step";
}

/** Version (image tag) and Ready pods of each pod-template hash. */
function versions(replicaSets: ReplicaSet[]): Map<string, { version: string; ready: number }> {
  const out = new Map<string, { version: string; ready: number }>();
  for (const rs of replicaSets) {
    const hash = rs.metadata?.labels?.["rollouts-pod-template-hash"];
    const image = replicaSetImage(rs);
    if (hash && image) out.set(hash, { version: tagOf(image), ready: rs.status?.readyReplicas ?? 0 });
  }
  return out;
}

const pods = (n: number) => `${n} pod${n === 1 ? "" : "s"}`;

/** "v2 20% (1 pod), v1 80% (5 pods)": where the traffic goes, from what sluice last sent. */
function trafficSplit(r: Rollout, replicaSets: ReplicaSet[]): string | undefined {
  const weights = r.status?.canary?.weights;
  if (!weights) return undefined;
  const byHash = versions(replicaSets);
  const part = (d: { weight: number; podTemplateHash?: string }) => {
    const v = byHash.get(d.podTemplateHash ?? "");
    return `${v?.version ?? "?"} ${d.weight}% (${pods(v?.ready ?? 0)})`;
  };
  // Canary and stable are one ReplicaSet outside an update (a first deploy): say it once.
  if (weights.canary.podTemplateHash === weights.stable.podTemplateHash) {
    return part({ ...weights.stable, weight: 100 });
  }
  return `${part(weights.canary)}, ${part(weights.stable)}`;
}

/** "at step 2/5 pause 2s" (paused) or "after the last step". */
function stepText(r: Rollout): string {
  const steps = (r.spec?.strategy?.canary?.steps ?? []) as Record<string, unknown>[];
  const index = r.status?.currentStepIndex ?? 0;
  if (index >= steps.length) return "after the last step";
  const step = steps[index];
  const paused = (r.status?.pauseConditions?.length ?? 0) > 0 && !step?.pause ? " (paused)" : "";
  return `at step ${index + 1}/${steps.length} ${stepName(step)}${paused}`;
}

/** One line for the Rollout as it is now. */
export function rolloutLine(r: Rollout | undefined, replicaSets: ReplicaSet[] = []): string {
  if (!r) return "rollout web: not created yet";
  const s = r.status;
  if (!s?.phase) return "rollout web: waiting for the controller";
  const stable = versions(replicaSets).get(s.stableRS ?? "");
  const generation = r.metadata?.generation;
  if (generation !== undefined && s.observedGeneration !== undefined && s.observedGeneration < generation) {
    // The status still describes the old spec: say what is coming, not what was.
    const image = (r.spec?.template?.spec?.containers as { image?: string }[] | undefined)?.[0]?.image;
    return `rollout web: new template${image ? ` (${tagOf(image)})` : ""} seen, the controller is acting on it`;
  }
  if (s.abort) {
    return `rollout web: ABORTED — ${s.message ?? "aborted"}; traffic back on ${stable?.version ?? "the stable version"}`;
  }
  if (s.phase === "Healthy") {
    const leaving = [...versions(replicaSets)]
      .filter(([hash, v]) => hash !== s.stableRS && v.ready > 0)
      .map(([, v]) => `; ${v.version} keeps ${pods(v.ready)} until its scale-down delay ends`);
    return `rollout web: Healthy — ${stable?.version ?? "?"} serves all traffic (${pods(stable?.ready ?? 0)})${leaving.join("")}`;
  }
  const split = trafficSplit(r, replicaSets);
  const why = s.phase === "Degraded" && s.message ? ` (${s.message})` : "";
  return `rollout web: ${s.phase}${why} ${stepText(r)}${split ? ` — traffic: ${split}` : ""}`;
}

/** One line for the Application, naming the commit by `subjects` (SHA → commit subject). */
export function appLine(
  a: Application | undefined,
  subjects: ReadonlyMap<string, string> = new Map(),
): string {
  if (!a) return "application web: not created yet";
  const s = a.status;
  if (!s?.sync) return "application web: waiting for its first look at Git";
  const sha = s.sync.revision ?? "";
  const subject = subjects.get(sha);
  const revision = sha ? `${sha.slice(0, 7)}${subject ? ` "${subject}"` : ""}` : "no revision";
  const health = s.health
    ? `${s.health.status}${s.health.message ? ` (${s.health.message})` : ""}`
    : "health unknown";
  const op = s.operationState?.phase === "Running" ? ", syncing" : "";
  return `application web: ${s.sync.status} at ${revision}${op}, ${health}`;
}

/** One line for an AnalysisRun: phase, the last measured values, and the verdict's message. */
export function analysisLine(run: AnalysisRun): string {
  const name = run.metadata?.name ?? "?";
  const s = run.status;
  const metrics = (s?.metricResults ?? []).map((m) => {
    const values = (m.measurements ?? []).map((x) => `${x.value ?? "no value"} ${x.phase}`);
    return `${m.name} ${values.length ? `measured ${values.join(", ")}` : "not measured yet"}`;
  });
  const message = s?.message ? ` — ${s.message}` : "";
  return `analysis ${name}: ${s?.phase ?? "Pending"}${metrics.length ? `, ${metrics.join("; ")}` : ""}${message}`;
}

/** Every line of a scene, keyed by what it is about. */
export function sceneLines(scene: Scene, subjects: ReadonlyMap<string, string>): [string, string][] {
  return [
    ["app", appLine(scene.app, subjects)],
    ["rollout", rolloutLine(scene.rollout, scene.replicaSets)],
    ...scene.runs.map((run): [string, string] => [`run/${run.metadata?.name}`, analysisLine(run)]),
  ];
}

export class Narrator {
  private readonly last = new Map<string, string>();
  private readonly started: number;

  constructor(
    private readonly write: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  private stamp(): string {
    return `[${((this.now() - this.started) / 1000).toFixed(1).padStart(5)}s]`;
  }

  /** A line of the story itself (what the demo does, and why). */
  say(text: string): void {
    for (const line of text.split("\n")) this.write(`${this.stamp()} ${line}`);
  }

  /** A chapter heading. */
  chapter(title: string): void {
    this.write("");
    this.write(`== ${title}`);
  }

  /** Prints the lines of the scene that changed since they were last printed. */
  observe(scene: Scene, subjects: ReadonlyMap<string, string>): void {
    for (const [key, line] of sceneLines(scene, subjects)) {
      if (this.last.get(key) === line) continue;
      this.last.set(key, line);
      this.write(`${this.stamp()}   ${line}`);
    }
  }
}
