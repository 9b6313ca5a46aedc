// The story: three commits to the sample repository and what sluice makes of each. Every wait is
// on a condition of the cluster (never a sleep), narrated as it changes; a wait that runs out says
// what it last saw.
import type { AnalysisRun } from "../src/api/analysis.ts";
import type { Application } from "../src/api/application.ts";
import type { Rollout } from "../src/api/rollout.ts";
import { isNotFound } from "../src/kube/errors.ts";
import { AnalysisRuns, Applications, ReplicaSets, Rollouts } from "../src/kube/resources.ts";
import type { ReplicaSet } from "../src/rollout/world.ts";
import { pending, waitFor } from "../test/helpers/wait.ts";
import { replicaSetImage, tagOf } from "./exporter.ts";
import { APP, canarySteps, type Pace, sampleAppFiles } from "./manifests.ts";
import { type Narrator, rolloutLine, type Scene, stepName } from "./narrate.ts";
import { DEMO_FIELD_MANAGER, type Session } from "./session.ts";

export const APPLICATION = "web";

export interface Chapter {
  version: string;
  revision: string;
  /** What the story saw when the chapter's end condition held. */
  scene: Scene;
}

export interface StoryResult {
  chapters: Chapter[];
}

export interface StoryOptions {
  pace: Pace;
  narrator: Narrator;
  /** Bound on each chapter; a person's demo waits longer than a test. */
  chapterTimeoutMs: number;
}

async function getOrNone<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function look(session: Session): Promise<Scene> {
  const { client, namespace } = session;
  const ref = { namespace, name: APP };
  const [rollout, app, replicaSets, runs] = await Promise.all([
    getOrNone(() => client.get<Rollout>(Rollouts, ref)),
    getOrNone(() => client.get<Application>(Applications, { namespace, name: APPLICATION })),
    client.list<ReplicaSet>(ReplicaSets, { namespace, labelSelector: `app=${APP}` }),
    client.list<AnalysisRun>(AnalysisRuns, { namespace }),
  ]);
  const byAge = (a: AnalysisRun, b: AnalysisRun) =>
    (a.metadata?.creationTimestamp ?? "").localeCompare(b.metadata?.creationTimestamp ?? "");
  return { rollout, app, replicaSets: replicaSets.items, runs: runs.items.sort(byAge) };
}

/** The image tag the Rollout's stable ReplicaSet runs. */
export function stableVersion(scene: Scene): string | undefined {
  const stable = scene.rollout?.status?.stableRS;
  const rs = scene.replicaSets.find((r) => r.metadata?.labels?.["rollouts-pod-template-hash"] === stable);
  const image = rs ? replicaSetImage(rs) : undefined;
  return image ? tagOf(image) : undefined;
}

const appAt = (scene: Scene, revision: string) =>
  scene.app?.status?.sync?.status === "Synced" && scene.app.status.sync.revision === revision;

/** The end of chapters 1 and 2: Git's revision synced, and the Rollout Healthy on its version. */
export function healthyAt(scene: Scene, revision: string, version: string): boolean {
  const r = scene.rollout?.status;
  return (
    appAt(scene, revision) &&
    scene.app?.status?.health?.status === "Healthy" &&
    r?.phase === "Healthy" &&
    r.stableRS === r.currentPodHash &&
    stableVersion(scene) === version
  );
}

/** Only the stable version has pods: the one before it has left (after its scale-down delay). */
export function onlyStableRuns(scene: Scene): boolean {
  const stable = scene.rollout?.status?.stableRS;
  return scene.replicaSets.every(
    (rs) =>
      rs.metadata?.labels?.["rollouts-pod-template-hash"] === stable || (rs.status?.replicas ?? 0) === 0,
  );
}

/** The end of chapter 3: the Rollout aborted, and the Application Degraded naming the revision. */
export function failedAt(scene: Scene, revision: string): boolean {
  const app = scene.app?.status;
  return (
    scene.rollout?.status?.abort === true &&
    app?.health?.status === "Degraded" &&
    (app.health.message ?? "").includes(revision.slice(0, 7)) &&
    (app.sluice?.failedRollouts ?? []).some((f) => f.rollout === APP && f.revision === revision)
  );
}

export class Story {
  private readonly subjects = new Map<string, string>();
  private readonly chapters: Chapter[] = [];

  constructor(
    private readonly session: Session,
    private readonly options: StoryOptions,
  ) {}

  private get narrator() {
    return this.options.narrator;
  }

  /** Polls the cluster, narrating changes, until `done` holds for what it sees. */
  private follow(what: string, done: (scene: Scene) => boolean): Promise<Scene> {
    return waitFor(
      what,
      async () => {
        const scene = await look(this.session);
        this.narrator.observe(scene, this.subjects);
        return done(scene) ? scene : pending(rolloutLine(scene.rollout, scene.replicaSets));
      },
      { timeoutMs: this.options.chapterTimeoutMs, intervalMs: 300 },
    );
  }

  private async commit(version: string, message: string): Promise<string> {
    const { repo, namespace, cluster } = this.session;
    const files = sampleAppFiles({
      version,
      namespace,
      prometheusUrl: cluster.prometheusUrl,
      pace: this.options.pace,
    });
    const sha = await repo.commit(files, message);
    this.subjects.set(sha, message);
    this.narrator.say(`git commit ${sha.slice(0, 7)} "${message}" (image registry.example/web:${version})`);
    return sha;
  }

  /** What a Git host's push webhook does: ask sluice to read the repository now. */
  private async refresh(): Promise<void> {
    const { client, namespace } = this.session;
    await client.mergePatch(
      Applications,
      { namespace, name: APPLICATION },
      { metadata: { annotations: { "argocd.argoproj.io/refresh": "normal" } } },
      DEMO_FIELD_MANAGER,
    );
    this.narrator.say("asked sluice to read Git now (as a push webhook would; it also polls)");
  }

  private async createApplication(): Promise<void> {
    const { client, namespace, repo } = this.session;
    const app: Application = {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "Application",
      metadata: { name: APPLICATION, namespace },
      spec: {
        project: "default",
        source: { repoURL: repo.url, targetRevision: "main", path: "app" },
        destination: { server: "https://kubernetes.default.svc", namespace },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    };
    await client.create(Applications, app, DEMO_FIELD_MANAGER);
    this.narrator.say(
      `created Application ${APPLICATION}: ${repo.url} (main, app/) → namespace ${namespace}, automated sync`,
    );
  }

  private done(version: string, revision: string, scene: Scene): void {
    this.chapters.push({ version, revision, scene });
  }

  async firstSync(): Promise<void> {
    this.narrator.chapter("1. The Application syncs the first version");
    const steps = canarySteps(this.options.pace)
      .map((s) => stepName(s))
      .join(" → ");
    this.narrator.say(
      `The repository holds a Rollout "web" (5 replicas, canary steps: ${steps} → 100%),\n` +
        "its stable and canary Services, an nginx Ingress (sluice copies it as a canary Ingress and moves\n" +
        "traffic with its canary-weight), and an AnalysisTemplate asking Prometheus for the canary's error\n" +
        "ratio. A first deploy goes straight to stable: there is nothing to compare with.",
    );
    const sha = await this.commit("v1", "web v1");
    await this.createApplication();
    this.done("v1", sha, await this.follow("v1 synced and Healthy", (s) => healthyAt(s, sha, "v1")));
    this.narrator.say("v1 is Healthy and the Application is Synced and Healthy.");
  }

  async goodCanary(): Promise<void> {
    this.narrator.chapter("2. A new image walks the canary steps, analysis passing");
    const sha = await this.commit("v2", "web v2: new image");
    await this.refresh();
    const scene = await this.follow(
      "v2 promoted and Healthy, v1 gone",
      (s) => healthyAt(s, sha, "v2") && onlyStableRuns(s),
    );
    this.done("v2", sha, scene);
    this.narrator.say(
      "v2 passed its analysis, took all traffic and is the stable version now; v1's pods are gone.",
    );
  }

  async badCanary(): Promise<void> {
    this.narrator.chapter('3. A "bad" version: analysis fails, the rollout aborts');
    this.narrator.say(
      "v3-bad is a build with a bug: the sample exporter (standing in for the app's own /metrics,\n" +
        "since kwok pods run no containers) reports 30 % errors for its pods, against 0.5 % for others.",
    );
    const sha = await this.commit("v3-bad", "web v3-bad: a build with a bug");
    await this.refresh();
    const scene = await this.follow("v3-bad aborted and the Application Degraded", (s) => failedAt(s, sha));
    this.done("v3-bad", sha, scene);
    this.narrator.say(
      `The analysis failed, so sluice aborted the rollout and sent all traffic back to ${stableVersion(scene) ?? "the stable version"}.\n` +
        `The Application is Degraded and names revision ${sha.slice(0, 7)}: Git still says v3-bad, but sluice\n` +
        "will not re-apply that template until the branch moves on (commit a fix, or git revert).",
    );
  }

  async run(): Promise<StoryResult> {
    await this.firstSync();
    await this.goodCanary();
    await this.badCanary();
    return { chapters: this.chapters };
  }
}
