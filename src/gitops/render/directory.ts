// The directory renderer (Argo CD's `source.directory`): every YAML (multi-document) and JSON file
// under the source path — its subdirectories too with `recurse` — filtered by `include`/`exclude`
// globs on the path relative to the source path. The source path and every file read must stay
// inside the checkout: `..`, absolute paths and symlinks that lead out are refused naming the path
// (repo-server path-traversal advisories, ../shared/reference/reliability.md). File count and total
// size are capped. A file that does not parse is an error naming the file and line.
import { lstat, readdir, readFile, realpath } from "node:fs/promises";
import { join, matchesGlob } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../kube/types.ts";
import { confinedPath, escapes, RenderError } from "./confine.ts";

// Kept importable from here: the renderers' callers know one error type.
export { RenderError };

export interface DirectoryOptions {
  recurse?: boolean;
  include?: string;
  exclude?: string;
}

export interface RenderLimits {
  maxFiles: number;
  maxBytes: number;
}

export const DEFAULT_LIMITS: RenderLimits = { maxFiles: 5000, maxBytes: 32 * 1024 * 1024 };

/** A rendered object and the file it came from (relative to the source path). */
export interface Rendered {
  object: KubeObject;
  file: string;
}

const MANIFEST = /\.(ya?ml|json)$/i;

/** Manifest files under `dir` (relative paths), dot-files and dot-directories skipped, as Argo CD does. */
async function manifestFiles(dir: string, recurse: boolean, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for (const entry of (await readdir(join(dir, prefix), { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith(".")) continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (recurse) found.push(...(await manifestFiles(dir, recurse, rel)));
    } else if (MANIFEST.test(entry.name) && (entry.isFile() || entry.isSymbolicLink())) found.push(rel);
  }
  return found;
}

const selected = (file: string, options: DirectoryOptions) =>
  (!options.include || matchesGlob(file, options.include)) &&
  !(options.exclude && matchesGlob(file, options.exclude));

/**
 * Objects of one file's (or one tool run's) documents; a `List` is its items. Errors name the file,
 * the line and the document number (what a reader of a tool's output can find).
 */
export function parseManifests(text: string, file: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const [i, doc] of parseAllDocuments(text, { prettyErrors: true }).entries()) {
    const error = doc.errors[0];
    if (error) {
      const at = error.linePos?.[0];
      throw new RenderError(
        `${file}${at ? `:${at.line}:${at.col}` : ""}: document ${i + 1}: ${error.message.split("\n")[0]}`,
      );
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const object = value as KubeObject & { items?: KubeObject[] };
    if (typeof value !== "object" || Array.isArray(value) || !object.apiVersion || !object.kind)
      throw new RenderError(
        `${file}: document ${i + 1} is not a Kubernetes object (apiVersion and kind are required)`,
      );
    objects.push(...(object.kind.endsWith("List") && Array.isArray(object.items) ? object.items : [object]));
  }
  return objects;
}

export async function renderDirectory(
  checkout: string,
  path: string,
  options: DirectoryOptions = {},
  limits: RenderLimits = DEFAULT_LIMITS,
): Promise<Rendered[]> {
  const root = await realpath(checkout);
  const dir = await confinedPath(checkout, path || ".");
  const files = (await manifestFiles(dir, options.recurse === true)).filter((f) => selected(f, options));
  if (files.length > limits.maxFiles)
    throw new RenderError(
      `source.path "${path}" has ${files.length} manifest files, more than ${limits.maxFiles}`,
    );
  const rendered: Rendered[] = [];
  let bytes = 0;
  for (const file of files) {
    const full = join(dir, file);
    // A symlinked file is read only when it points inside the repository.
    if ((await lstat(full)).isSymbolicLink() && escapes(root, await realpath(full)))
      throw new RenderError(`${file} is a symlink that leads out of the repository`);
    const text = await readFile(full, "utf8");
    bytes += Buffer.byteLength(text);
    if (bytes > limits.maxBytes)
      throw new RenderError(`the manifests under "${path}" exceed ${limits.maxBytes} bytes`);
    for (const object of parseManifests(text, file)) rendered.push({ object, file });
  }
  return rendered;
}
