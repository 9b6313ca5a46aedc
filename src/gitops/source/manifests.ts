// From an Application's source to rendered objects: fetch the repository, resolve the revision,
// check the commit out, render the path (directory, kustomize or helm), release the checkout.
// Failures are ComparisonErrors with the tool's words (git, the renderer); nothing is applied on one.
import type { Application } from "../../api/application.ts";
import { RenderError, type Rendered, type RenderTools, render, renderTools } from "../render/index.ts";
import { GitError } from "./git.ts";
import type { RepoCache } from "./repo-cache.ts";
import { RepoURLError } from "./repo-url.ts";
import type { SourceCache } from "./source-cache.ts";

export class ComparisonError extends Error {
  override name = "ComparisonError";
}

/** Tools for a caller without a SourceCache: kustomize and helm on PATH, one shared cap. */
let defaultTools: RenderTools | undefined;
const toolsOf = (renders: SourceCache | undefined): RenderTools => {
  if (renders) return renders.tools;
  defaultTools ??= renderTools();
  return defaultTools;
};

export async function manifestsOf(
  cache: RepoCache,
  app: Application,
  renders?: SourceCache,
  /** A fetch of the repository started at or after this performance.now() instant is reused (default: fetch now). */
  fetchStartedSince?: number,
): Promise<{ sha: string; rendered: Rendered[] }> {
  const source = app.spec?.source ?? {};
  const url = source.repoURL ?? "";
  const context = {
    appName: app.metadata?.name ?? "",
    namespace: app.spec?.destination?.namespace ?? "",
    tools: toolsOf(renders),
  };
  try {
    await cache.fetch(url, fetchStartedSince);
    const sha = await cache.resolve(url, app.operation?.sync?.revision ?? source.targetRevision ?? "HEAD");
    const make = async () => {
      const checkout = await cache.checkout(url, sha);
      try {
        return await render(checkout.dir, source, context);
      } finally {
        await checkout.release();
      }
    };
    // The Application's name and namespace are part of the key: a Helm render depends on them.
    const key = JSON.stringify([
      url,
      sha,
      source.path,
      source.directory,
      source.kustomize,
      source.helm,
      context.appName,
      context.namespace,
    ]);
    return { sha, rendered: renders ? await renders.render(key, make) : await make() };
  } catch (error) {
    if (error instanceof GitError || error instanceof RenderError || error instanceof RepoURLError)
      throw new ComparisonError(error.message);
    throw error;
  }
}
