// From an Application's source to rendered objects: fetch the repository, resolve the revision,
// check the commit out, render the path, release the checkout. Failures are ComparisonErrors
// with the tool's words (git, the renderer); nothing is applied on one.
import type { Application } from "../../api/application.ts";
import { RenderError, type Rendered, renderDirectory } from "../render/directory.ts";
import { GitError } from "./git.ts";
import type { RepoCache } from "./repo-cache.ts";
import { RepoURLError } from "./repo-url.ts";
import type { SourceCache } from "./source-cache.ts";

export class ComparisonError extends Error {
  override name = "ComparisonError";
}

export async function manifestsOf(
  cache: RepoCache,
  app: Application,
  renders?: SourceCache,
): Promise<{ sha: string; rendered: Rendered[] }> {
  const source = app.spec?.source ?? {};
  const url = source.repoURL ?? "";
  try {
    await cache.fetch(url);
    const sha = await cache.resolve(url, app.operation?.sync?.revision ?? source.targetRevision ?? "HEAD");
    const render = async () => {
      const checkout = await cache.checkout(url, sha);
      try {
        return await renderDirectory(checkout.dir, source.path ?? "", source.directory ?? {});
      } finally {
        await checkout.release();
      }
    };
    const key = JSON.stringify([url, sha, source.path, source.directory]);
    return { sha, rendered: renders ? await renders.render(key, render) : await render() };
  } catch (error) {
    if (error instanceof GitError || error instanceof RenderError || error instanceof RepoURLError)
      throw new ComparisonError(error.message);
    throw error;
  }
}
