// The Git side of a chaos run: one Application per ten canaries, each syncing three ConfigMaps from
// a repository of its own (file://, automated sync with prune and self-heal). Git is made
// unreachable by renaming the repositories away for a window: fetches fail as they do when a Git
// host is down. Git's content never changes, so no prune is ever right, least of all then.
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Application } from "../../src/api/application.ts";
import { git } from "../../src/gitops/source/git.ts";
import type { KubeClient } from "../../src/kube/client.ts";
import { Applications, Events } from "../../src/kube/resources.ts";
import type { KubeObject } from "../../src/kube/types.ts";
import { Reasons } from "../../src/telemetry/reasons.ts";
import { MANAGER } from "./fleet.ts";

export const CONFIGMAPS_PER_APP = 3;

export class GitRepos {
  private constructor(
    private readonly dirs: string[],
    readonly heads: string[],
  ) {}

  static async create(root: string, count: number): Promise<GitRepos> {
    const dirs: string[] = [];
    const heads: string[] = [];
    for (let j = 0; j < count; j++) {
      const dir = join(root, `app-${j}`);
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
      dirs.push(dir);
      heads.push((await run("rev-parse", "HEAD")).trim());
    }
    return new GitRepos(dirs, heads);
  }

  get count(): number {
    return this.dirs.length;
  }

  url(j: number): string {
    return `file://${this.dirs[j]}`;
  }

  /** Git unreachable: every repository moved away (a fetch fails with "does not appear to be a git repository"). */
  async breakAll(): Promise<void> {
    for (const dir of this.dirs) await rename(dir, `${dir}.unreachable`);
  }

  async restoreAll(): Promise<void> {
    for (const dir of this.dirs) await rename(`${dir}.unreachable`, dir);
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

/** How often sluice told an Application it could not read Git (ComparisonError Events, repeats counted). */
export async function gitFailuresReported(client: KubeClient, namespace: string): Promise<number> {
  type Event = KubeObject & { reason?: string; count?: number; involvedObject?: { kind?: string } };
  const events = (await client.list<Event>(Events, { namespace })).items;
  return events
    .filter((e) => e.reason === Reasons.ComparisonError && e.involvedObject?.kind === "Application")
    .reduce((n, e) => n + (e.count ?? 1), 0);
}
