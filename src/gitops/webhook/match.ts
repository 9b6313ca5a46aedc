// Which Applications a push concerns: one of its sources names the pushed repository and a
// targetRevision the push moved. A match only asks for a refresh (the controller re-reads Git and
// applies nothing from the payload), so matching leans towards refreshing: URLs are compared on
// host and path alone (scheme, user, port, ".git", trailing "/" and case aside — the same
// repository is reached over HTTPS and SSH, on different ports on Bitbucket Server), as Argo CD's
// webhook does.
import { posix } from "node:path";
import type { Application, ApplicationSource } from "../../api/application.ts";
import { normalizeRepoURL } from "../source/repo-url.ts";
import type { PushRef, WebhookEvent } from "./event.ts";

const WITH_SCHEME = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:]*)(?::\d*)?(\/.*)?$/i;
const SCP_LIKE = /^(?:[^@/]+@)?([^:/]+):(.*)$/;

/** The part of a repository URL that names the repository: `host/path`, lower-case. */
export function repoKey(url: string): string {
  const normal = normalizeRepoURL(url);
  const withScheme = WITH_SCHEME.exec(normal);
  if (withScheme) return `${withScheme[1] ?? ""}${withScheme[2] ?? ""}`.toLowerCase();
  const scp = SCP_LIKE.exec(normal);
  if (scp) return `${scp[1]}/${(scp[2] ?? "").replace(/^\/+/, "")}`.toLowerCase();
  return normal.toLowerCase();
}

/**
 * Whether a push of `ref` moves what `targetRevision` follows. Empty or HEAD follows the default
 * branch (any branch when the payload does not name it); `refs/heads/x` and `refs/tags/x` one kind;
 * a bare name the branch or the tag of that name (Argo CD refreshes on both). A commit SHA never moves.
 */
export function revisionMatches(
  targetRevision: string | undefined,
  ref: PushRef,
  defaultBranch: string | undefined,
): boolean {
  const target = (targetRevision ?? "").trim();
  if (target === "" || target === "HEAD")
    return ref.kind === "branch" && (defaultBranch === undefined || ref.name === defaultBranch);
  if (target.startsWith("refs/heads/")) return ref.kind === "branch" && ref.name === target.slice(11);
  if (target.startsWith("refs/tags/")) return ref.kind === "tag" && ref.name === target.slice(10);
  return ref.name === target;
}

/** The Git sources of an Application: `source` and each of `sources` (Helm repository charts aside). */
function gitSources(app: Application): ApplicationSource[] {
  const all: unknown[] = [app.spec?.source, ...(app.spec?.sources ?? [])];
  return all.filter(
    (s): s is ApplicationSource =>
      typeof s === "object" &&
      s !== null &&
      typeof (s as ApplicationSource).repoURL === "string" &&
      (s as ApplicationSource).chart === undefined,
  );
}

/** Argo CD's annotation: the paths (`;`-separated) whose changes are all that concern the Application. */
export const MANIFEST_PATHS_ANNOTATION = "argocd.argoproj.io/manifest-generate-paths";

/**
 * Whether the push touched what the Application renders from, as Argo CD reads
 * manifest-generate-paths: each path relative to the source's path (`.` is the path itself), or to
 * the repository's root when it starts with `/`; a file under one of them is a change. Without the
 * annotation, or without the push's file list, every push is a change.
 */
export function touchesSource(
  app: Application,
  source: ApplicationSource,
  changedFiles: string[] | undefined,
) {
  const value = app.metadata?.annotations?.[MANIFEST_PATHS_ANNOTATION]?.trim();
  if (changedFiles === undefined || !value) return true;
  const base = source.path ?? "";
  const paths = value
    .split(";")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => posix.normalize(p.startsWith("/") ? p.slice(1) || "." : posix.join(base || ".", p)));
  return changedFiles.some((file) => paths.some((p) => p === "." || file === p || file.startsWith(`${p}/`)));
}

/** The Applications `push` concerns, in the order given. */
export function applicationsFor(apps: readonly Application[], push: WebhookEvent & { type: "push" }) {
  const keys = new Set(push.repoURLs.map(repoKey));
  return apps.filter((app) =>
    gitSources(app).some(
      (source) =>
        keys.has(repoKey(source.repoURL ?? "")) &&
        push.refs.some((ref) => revisionMatches(source.targetRevision, ref, push.defaultBranch)) &&
        touchesSource(app, source, push.changedFiles),
    ),
  );
}
