// Keeping every renderer inside the checkout. A source path, a Helm value file or a kustomize base
// that leaves the repository — by `..`, absolutely, or through a symlink — is refused naming the
// path as the Application wrote it (never the resolved target: the repo-server advisories in
// ../shared/reference/reliability.md leaked files through such messages). Tools (kustomize, helm)
// read files we do not list, so before one runs the whole checkout is scanned for symlinks that
// lead out, as Argo CD's repo-server does (CVE-2022-24904, CVE-2022-31036).
import type { Dirent } from "node:fs";
import { readdir, readlink, realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

export class RenderError extends Error {
  override name = "RenderError";
}

/** True when `path` is not `root` or below it. */
export const escapes = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel);
};

export interface ConfineOptions {
  /** The field in messages, e.g. `spec.source.helm.valueFiles` (default `source.path`). */
  label?: string;
  /** A directory (relative to the checkout) `path` is relative to; default the checkout. */
  from?: string;
}

/**
 * `path` resolved inside the checkout, symlinks followed; refused when it leaves the checkout or
 * does not exist. Messages name `path` as written.
 */
export async function confinedPath(
  checkout: string,
  path: string,
  { label = "source.path", from = "" }: ConfineOptions = {},
): Promise<string> {
  if (isAbsolute(path)) throw new RenderError(`${label} "${path}" must be relative to the repository`);
  const root = await realpath(checkout);
  const target = join(root, from, path);
  if (escapes(root, target)) throw new RenderError(`${label} "${path}" leaves the repository`);
  let real: string;
  try {
    real = await realpath(target);
  } catch {
    throw new RenderError(`${label} "${path}" does not exist in the repository`);
  }
  if (escapes(root, real)) throw new RenderError(`${label} "${path}" leads out of the repository (symlink)`);
  return real;
}

/** Whether a symlink's target is outside `root` (a dangling link is judged by its text). */
async function leadsOut(root: string, link: string): Promise<boolean> {
  try {
    return escapes(root, await realpath(link));
  } catch {
    const target = await readlink(link);
    return isAbsolute(target) || escapes(root, resolve(dirname(link), target));
  }
}

/** Entries of a directory, none when it cannot be read (it vanished, or is not a directory). */
const entriesOf = (dir: string): Promise<Dirent[]> =>
  readdir(dir, { withFileTypes: true }).catch(() => [] as Dirent[]);

/**
 * Refuses a checkout holding any symlink that leads out of it, naming the first one (relative to
 * the checkout). Git's own `.git` entry is skipped.
 */
export async function refuseOutOfBoundsSymlinks(checkout: string): Promise<void> {
  const root = await realpath(checkout);
  const pending = [root];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    for (const entry of await entriesOf(dir)) {
      const full = join(dir, entry.name);
      if (full === join(root, ".git")) continue;
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isSymbolicLink() && (await leadsOut(root, full)))
        throw new RenderError(
          `${relative(root, full)} is a symlink that leads out of the repository; the source is not rendered`,
        );
    }
  }
}
