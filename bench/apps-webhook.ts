// The push phase of the apps bench (issue 16: "time from a signed webhook push to the object
// applied", goal p50 under 1 s). After the cold phase, K times, one at a time: commit a new value
// to one app's ConfigMap in its file:// repository, POST a signed GitHub push for it to the
// controller's webhook receiver, and time from just before the POST to a watch seeing the new value
// in the destination namespace (and the Application Synced at the new commit). The next push waits
// until no Application carries a refresh annotation (every look the last push asked for is done),
// so each is timed alone. The poll stays long (the controller's default 3 min, or apps.ts --poll; it
// reads Git only for the Application it is due for), so what moves the pushed app is the push.
import { writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { git } from "../src/gitops/source/git.ts";
import { WEBHOOK_SECRET_NAME } from "../src/gitops/webhook/secrets.ts";
import type { KubeClient } from "../src/kube/client.ts";
import { Secrets } from "../src/kube/resources.ts";
import type { KubeObject } from "../src/kube/types.ts";
import { pending, waitFor } from "../test/helpers/wait.ts";
import type { BenchChild } from "./lib/child.ts";
import { type Series, scrape, sumOf } from "./lib/metrics.ts";
import { observePushes, type PushObserver } from "./lib/push-observer.ts";
import { spread } from "./lib/stats.ts";
import { postGithubPush } from "./lib/webhook-push.ts";

const SECRET = "sluice-bench-webhook-secret";
const BRANCH = "main";
const POST_TIMEOUT_MS = 10_000;
/** For one push to be applied, and for the looks it asked for to finish. */
const PUSH_TIMEOUT_MS = 60_000;

export interface PushSource {
  name: string;
  repoURL: string;
  path: string;
}

export interface PushPhase {
  client: KubeClient;
  child: BenchChild;
  sources: PushSource[];
  pushes: number;
  appsNamespace: string;
  destNamespace: string;
  fieldManager: string;
}

/** sluice's webhook Secret with a GitHub secret, in the namespace the receiver reads. */
async function createWebhookSecret(client: KubeClient, p: PushPhase): Promise<void> {
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: WEBHOOK_SECRET_NAME, namespace: p.appsNamespace },
    data: { "github.secret": Buffer.from(SECRET).toString("base64") },
  } as KubeObject;
  await client.create(Secrets, secret, p.fieldManager);
}

/** Commits `greeting: value` to the app's ConfigMap; the commits before and after. */
async function commitValue(source: PushSource, value: string): Promise<{ before: string; after: string }> {
  const repo = fileURLToPath(source.repoURL);
  const run = (...args: string[]) =>
    git(["-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], { cwd: repo });
  const head = async () => (await run("rev-parse", "HEAD")).trim();
  const before = await head();
  const name = source.name;
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}-config\ndata:\n  greeting: ${value}\n`;
  await writeFile(join(repo, source.path, "configmap.yaml"), text);
  await run("commit", "--quiet", "--all", "-m", `${name}: ${value}`);
  return { before, after: await head() };
}

/** Resolves with the deadline's outcome instead of throwing: one slow push must not end the run. */
async function until(what: string, probe: () => number | undefined): Promise<boolean> {
  try {
    await waitFor(what, () => probe() ?? pending("not yet"), {
      timeoutMs: PUSH_TIMEOUT_MS,
      intervalMs: 10,
    });
    return true;
  } catch {
    return false;
  }
}

/** What one push did, each time from just before its POST (NaN: not seen within the deadline). */
export interface PushFigures {
  app: string;
  revision: string;
  status: number;
  responseMs: number;
  /** Applications the receiver annotated (every app of the repository on that branch). */
  refreshed: number;
  annotationMs: number;
  /** The look that synced it started (its status.reconciledAt), and its sync ended. */
  lookStartMs: number;
  syncEndMs: number;
  appliedMs: number;
  syncedMs: number;
  /** The refresh annotation taken off: the look that acted on it is done. */
  refreshDoneMs: number;
  /** Applications still to finish the looks this push asked for, when the next may go. */
  settleMs: number;
}

async function onePush(p: PushPhase, seen: PushObserver, k: number, url: string): Promise<PushFigures> {
  const source = p.sources[k % p.sources.length] as PushSource;
  const value = `push-${k}`;
  const { before, after } = await commitValue(source, value);
  const t0 = Date.now();
  const answer = await postGithubPush({
    url,
    secret: SECRET,
    repoURL: source.repoURL,
    branch: BRANCH,
    before,
    after,
    changedFiles: [join(source.path, "configmap.yaml")],
    timeoutMs: POST_TIMEOUT_MS,
  }).catch((error: Error) => ({ status: 0, responseMs: Number.NaN, body: error.message }));
  const since = (at: number | undefined) => (at === undefined || at < t0 ? Number.NaN : at - t0);
  let refreshed = Number.NaN;
  try {
    refreshed = (JSON.parse(answer.body) as { refreshed?: number }).refreshed ?? Number.NaN;
  } catch {
    // Not JSON (a timeout's message): the status says what happened.
  }
  await until(`${source.name} applied`, () => seen.appliedAt(`${source.name}-config`, value));
  await until(`${source.name} Synced at ${after}`, () => seen.syncedAt(source.name, after));
  // Every annotation this push set seen, then every one taken off: the push's looks are all done.
  const annotated = Number.isFinite(refreshed) ? refreshed : 0;
  await until("the push's annotations seen", () => (seen.refreshesSetSince(t0) >= annotated ? 1 : undefined));
  const settled = await until("no refresh pending", () => (seen.refreshesPending().length ? undefined : 1));
  const marks = seen.refreshOf(source.name);
  const look = seen.lookOf(source.name, after);
  return {
    app: source.name,
    revision: after,
    status: answer.status,
    responseMs: answer.responseMs,
    refreshed,
    annotationMs: since(marks?.setAt),
    lookStartMs: since(look?.startedAt),
    syncEndMs: since(look?.syncFinishedAt),
    appliedMs: since(seen.appliedAt(`${source.name}-config`, value)),
    syncedMs: since(seen.syncedAt(source.name, after)),
    refreshDoneMs: since(marks?.clearedAt),
    settleMs: settled ? Date.now() - t0 : Number.NaN,
  };
}

/** The controller's own account of the phase: looks, their time in the queue, fetches, renders. */
function controllerFigures(before: Series, after: Series) {
  const delta = (prefix: string, ...labels: string[]) =>
    sumOf(after, prefix, ...labels) - sumOf(before, prefix, ...labels);
  const meanMs = (name: string, ...labels: string[]) =>
    (1000 * delta(`${name}_sum`, ...labels)) / delta(`${name}_count`, ...labels);
  return {
    reconciles: delta("sluice_reconcile_duration_seconds_count", 'controller="application"'),
    reconcileMeanMs: meanMs("sluice_reconcile_duration_seconds", 'controller="application"'),
    queueWaitMeanMs: meanMs("sluice_workqueue_queue_duration_seconds", 'name="application"'),
    fetches: delta("sluice_git_request_duration_seconds_count", 'request="fetch"'),
    fetchMeanMs: meanMs("sluice_git_request_duration_seconds", 'request="fetch"'),
    renders: delta("sluice_render_duration_seconds_count"),
    renderMeanMs: meanMs("sluice_render_duration_seconds"),
    webhookRefreshes: delta("sluice_webhook_refreshes_total"),
  };
}

/** Runs the push phase; the figures, raw per push and summed. */
export async function measurePushes(p: PushPhase) {
  if (p.child.webhookPort === undefined) throw new Error("the controller child runs no webhook receiver");
  const url = `http://127.0.0.1:${p.child.webhookPort}/api/webhook`;
  await createWebhookSecret(p.client, p);
  const seen = observePushes(p.client, p.appsNamespace, p.destNamespace);
  const listed = () => seen.seen().configMapValues >= p.sources.length && seen.seen().syncedRevisions > 0;
  await until("the push watches listed", () => (listed() ? 1 : undefined));
  const metrics0 = await scrape(p.child.metricsPort);
  const load = [loadavg()[0] ?? Number.NaN];
  const startAt = Date.now();
  const pushes: PushFigures[] = [];
  for (let k = 0; k < p.pushes; k++) pushes.push(await onePush(p, seen, k, url));
  const endAt = Date.now();
  load.push(loadavg()[0] ?? Number.NaN);
  const metrics1 = await scrape(p.child.metricsPort);
  await seen.stop();
  const of = (key: keyof PushFigures) => spread(pushes.map((x) => Number(x[key])).filter(Number.isFinite));
  const statuses: Record<string, number> = {};
  for (const x of pushes) statuses[x.status] = (statuses[x.status] ?? 0) + 1;
  return {
    endAt,
    seconds: (endAt - startAt) / 1000,
    loadAverage: { start: load[0] ?? Number.NaN, end: load[1] ?? Number.NaN },
    statuses,
    response: of("responseMs"),
    refreshed: of("refreshed"),
    annotation: of("annotationMs"),
    lookStart: of("lookStartMs"),
    syncEnd: of("syncEndMs"),
    applied: of("appliedMs"),
    notApplied: pushes.filter((x) => !Number.isFinite(x.appliedMs)).length,
    synced: of("syncedMs"),
    refreshDone: of("refreshDoneMs"),
    controller: controllerFigures(metrics0, metrics1),
    pushes,
  };
}

export type PushResult = Awaited<ReturnType<typeof measurePushes>>;

const ms = (x: { p50: number; p99: number; max: number }) =>
  [x.p50, x.p99, x.max].map((v) => (Number.isFinite(v) ? v.toFixed(0) : "-")).join(" / ");

/** Rows for the apps table; `writes` the controller's writes in the phase (audit log). */
export function pushRows(r: PushResult, writes: string): [string, string][] {
  const c = r.controller;
  const n = r.pushes.length;
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : "-");
  return [
    [
      "pushes / seconds / load average start→end",
      `${n} / ${r.seconds.toFixed(1)} / ${r.loadAverage.start.toFixed(1)}→${r.loadAverage.end.toFixed(1)}`,
    ],
    [
      "receiver HTTP status",
      Object.entries(r.statuses)
        .map(([s, k]) => `${s} ×${k}`)
        .join(", "),
    ],
    ["Applications refreshed per push p50/max", `${f(r.refreshed.p50)} / ${f(r.refreshed.max)}`],
    ["receiver response p50/p99/max, ms", ms(r.response)],
    ["push → refresh annotation seen p50/p99/max, ms", ms(r.annotation)],
    ["push → look started (status.reconciledAt) p50/p99/max, ms", ms(r.lookStart)],
    [
      "push → ConfigMap applied p50/p99/max, ms",
      `${ms(r.applied)}${r.notApplied ? ` (${r.notApplied} not within 60 s)` : ""}`,
    ],
    ["push → its sync ended (operationState.finishedAt) p50/p99/max, ms", ms(r.syncEnd)],
    ["push → Synced at the new commit p50/p99/max, ms", ms(r.synced)],
    ["push → refresh annotation off p50/p99/max, ms", ms(r.refreshDone)],
    [
      "looks (mean ms; mean queue wait ms); per push",
      `${c.reconciles} (${f(c.reconcileMeanMs)}; ${f(c.queueWaitMeanMs)}); ${(c.reconciles / n).toFixed(1)}`,
    ],
    [
      "git fetches (mean ms) / renders (mean ms)",
      `${c.fetches} (${f(c.fetchMeanMs)}) / ${c.renders} (${f(c.renderMeanMs)})`,
    ],
    ["controller writes (audit log)", writes],
  ];
}
