// What an Application's source rendered to, kept between looks: a look that is not a refresh (the
// Application's own status writes, a label change) reuses the last reading until the poll interval
// has passed, so the repository is fetched on the poll, on the refresh annotation or on a changed
// source — as Argo CD's repo-server refreshes — never once per status write. Renders are also kept
// by (commit, path, directory/kustomize/helm options): a new commit that does not touch what
// changes nothing. The render tools (kustomize, helm, their shared concurrency cap) live here, with
// the renders they make.
import type { Application } from "../../api/application.ts";
import type { Rendered } from "../render/directory.ts";
import { type RenderTools, type RenderToolsConfig, renderTools } from "../render/index.ts";

/** One reading of a source: what it rendered to, or why it could not be read. */
export type Reading = { sha: string; rendered: Rendered[]; at: number } | { error: string; at: number };

const MAX_RENDERS = 200;

const MAX_REFRESHES = 1000;

export class SourceCache {
  private readonly readings = new Map<string, Reading>();
  private readonly renders = new Map<string, Rendered[]>();
  /** Refresh annotation value → when this process first saw it (performance.now()). */
  private readonly refreshes = new Map<string, number>();

  readonly tools: RenderTools;

  constructor(config: RenderToolsConfig = {}) {
    this.tools = renderTools(config);
  }

  /** The key of what an Application reads: repository, revision, path and render options. */
  static keyOf(app: Application): string {
    const s = app.spec?.source ?? {};
    const revision = app.operation?.sync?.revision ?? s.targetRevision ?? "HEAD";
    return JSON.stringify([
      app.metadata?.namespace,
      app.metadata?.name,
      s.repoURL,
      revision,
      s.path,
      s.directory,
      s.kustomize,
      s.helm,
      // Helm renders into the destination namespace.
      app.spec?.destination?.namespace,
    ]);
  }

  /** The last reading of `key` if it is younger than `maxAgeMs`. */
  fresh(key: string, now: number, maxAgeMs: number): Reading | undefined {
    const reading = this.readings.get(key);
    return reading && now - reading.at < maxAgeMs ? reading : undefined;
  }

  remember(key: string, reading: Reading): void {
    this.readings.set(key, reading);
  }

  forget(app: Application): void {
    for (const key of this.readings.keys()) {
      const [namespace, name] = JSON.parse(key) as [string, string];
      if (namespace === app.metadata?.namespace && name === app.metadata?.name) this.readings.delete(key);
    }
  }

  /** When this process first saw a refresh request's value (performance.now(); `now` the first time). */
  refreshSeenAt(value: string, now = performance.now()): number {
    const seen = this.refreshes.get(value);
    if (seen !== undefined) return seen;
    this.refreshes.set(value, now);
    // Oldest first out: pushes are minutes apart, a thousand values reach far back.
    if (this.refreshes.size > MAX_REFRESHES) this.refreshes.delete(this.refreshes.keys().next().value ?? "");
    return now;
  }

  /** A render of (sha, path, options), made once. */
  async render(key: string, make: () => Promise<Rendered[]>): Promise<Rendered[]> {
    const kept = this.renders.get(key);
    if (kept) return kept;
    const rendered = await make();
    this.renders.set(key, rendered);
    // Oldest first out: a bounded cache.
    if (this.renders.size > MAX_RENDERS) this.renders.delete(this.renders.keys().next().value ?? "");
    return rendered;
  }
}
