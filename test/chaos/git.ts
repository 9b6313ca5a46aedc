// The Git side of a chaos run: one Application per ten canaries, each syncing three ConfigMaps from
// a repository of its own, fetched over http:// from a real Git HTTP server on 127.0.0.1 (git
// http-backend, test/helpers/git-http.ts), with automated sync, prune and self-heal. Git is made
// unreachable as a real remote is: the server stopped for the window (connections refused) or hung
// (connections accepted, never answered: only sluice's fetch deadline ends the wait), then serving
// again on the same port. Git's content never changes, so no prune is ever right, least of all then.
import { randomInt } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Application } from "../../src/api/application.ts";
import { git } from "../../src/gitops/source/git.ts";
import type { KubeClient } from "../../src/kube/client.ts";
import { Applications, Events } from "../../src/kube/resources.ts";
import type { KubeObject } from "../../src/kube/types.ts";
import { Reasons } from "../../src/telemetry/reasons.ts";
import { GitHttpServer } from "../helpers/git-http.ts";
import { MANAGER } from "./fleet.ts";
import type { GitOutage } from "./schedule.ts";

export const CONFIGMAPS_PER_APP = 3;

/**
 * The run's one port, below the system's ephemeral range: while the server is down its port is
 * free, and an outgoing connection handed it as its local port would keep the server from
 * listening there again.
 */
async function serverOnQuietPort(): Promise<GitHttpServer> {
  const range = await readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8").catch(() => "32768");
  const ephemeral = Number(range.trim().split(/\s+/)[0]) || 32768;
  const from = Math.max(1024, ephemeral - 12_000);
  for (let attempt = 1; ; attempt++) {
    const port = from < ephemeral ? randomInt(from, ephemeral) : 0;
    try {
      return await GitHttpServer.start({ port });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 20) throw error;
    }
  }
}

async function commitConfigMaps(dir: string, j: number): Promise<string> {
  await mkdir(join(dir, "app"), { recursive: true });
  const files = Array.from({ length: CONFIGMAPS_PER_APP }, (_, k) => `app-${j}-cm-${k}`);
  for (const name of files) {
    await writeFile(
      join(dir, "app", `${name}.yaml`),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  app: "${j}"\n`,
    );
  }
  const run = (...args: string[]) =>
    git(["-c", "user.name=chaos", "-c", "user.email=chaos@example.com", ...args], { cwd: dir });
  await run("init", "--quiet", "--initial-branch=main");
  await run("add", "--all");
  await run("commit", "--quiet", "-m", "three ConfigMaps");
  return (await run("rev-parse", "HEAD")).trim();
}

export class GitRepos {
  private constructor(
    private readonly server: GitHttpServer,
    private readonly urls: string[],
    readonly heads: string[],
  ) {}

  /** The repositories under `root`, served over HTTP until stop(). */
  static async create(root: string, count: number): Promise<GitRepos> {
    const dirs = Array.from({ length: count }, (_, j) => join(root, `app-${j}`));
    const heads: string[] = [];
    for (const [j, dir] of dirs.entries()) heads.push(await commitConfigMaps(dir, j));
    const server = await serverOnQuietPort();
    return new GitRepos(
      server,
      dirs.map((dir, j) => server.serve(`app-${j}`, dir)),
      heads,
    );
  }

  get count(): number {
    return this.urls.length;
  }

  url(j: number): string {
    return this.urls[j] ?? "";
  }

  /** Git unreachable: the server stopped (fetches fail at once) or hung (they wait for their deadline). */
  async breakAll(how: GitOutage): Promise<void> {
    if (how === "refused") await this.server.close();
    else this.server.hang();
  }

  /** Serving again on the same port; fetches held by a hang see their connection dropped. */
  async restoreAll(): Promise<void> {
    await this.server.resume();
  }

  async stop(): Promise<void> {
    await this.server.close();
  }
}

export async function createApplications(
  client: KubeClient,
  namespace: string,
  repos: GitRepos,
): Promise<void> {
  for (let j = 0; j < repos.count; j++) {
    const app: Application = {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "Application",
      metadata: { name: `app-${j}`, namespace },
      spec: {
        project: "default",
        source: { repoURL: repos.url(j), targetRevision: "main", path: "app" },
        destination: { server: "https://kubernetes.default.svc", namespace },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    };
    await client.create(Applications, app, MANAGER);
  }
}

/** Applications not Synced and Healthy at their repository's commit, described. */
export async function unsyncedApplications(
  client: KubeClient,
  namespace: string,
  repos: GitRepos,
): Promise<string[]> {
  const apps = (await client.list<Application>(Applications, { namespace })).items;
  return apps.flatMap((a) => {
    const j = Number(a.metadata?.name?.slice("app-".length));
    const s = a.status;
    const ok =
      s?.sync?.status === "Synced" && s.sync.revision === repos.heads[j] && s.health?.status === "Healthy";
    // The conditions carry the reason a look failed (a ComparisonError has git's own words).
    const seen = {
      sync: s?.sync,
      health: s?.health,
      conditions: s?.conditions,
      reconciledAt: s?.reconciledAt,
    };
    return ok ? [] : [`${a.metadata?.name}: ${JSON.stringify(seen)}`];
  });
}

/** A Git failure as sluice words it (git.ts): a clone or fetch that failed or passed its deadline. */
const GIT_FAILURE = /^git (fetch|clone): /;

/**
 * How often sluice told an Application it could not read Git: ComparisonError Events naming a
 * failed clone or fetch (repeats counted; not those of a credentials lookup the API server
 * failed), and of them those given up at the fetch deadline.
 */
export async function gitFailuresReported(
  client: KubeClient,
  namespace: string,
): Promise<{ reported: number; pastDeadline: number }> {
  type Event = KubeObject & {
    reason?: string;
    message?: string;
    count?: number;
    involvedObject?: { kind?: string };
  };
  const events = (await client.list<Event>(Events, { namespace })).items.filter(
    (e) =>
      e.reason === Reasons.ComparisonError &&
      e.involvedObject?.kind === "Application" &&
      GIT_FAILURE.test(e.message ?? ""),
  );
  const count = (list: Event[]) => list.reduce((n, e) => n + (e.count ?? 1), 0);
  return {
    reported: count(events),
    pastDeadline: count(events.filter((e) => e.message?.includes("no answer within"))),
  };
}
