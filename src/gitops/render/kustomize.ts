// The kustomize renderer: `kustomize build <path>` with the load restrictor on (files only under
// each kustomization's root), Argo CD's `source.kustomize` options applied first.
//
// Options are applied as Argo CD applies them: `kustomize edit set|add ...` in the source path of
// the checkout, then build. Editing in place is safe because the checkout is a scratch work tree
// made for this one render and removed after it (RepoCache.checkout); a wrapping kustomization in
// a temp dir would be simpler to clean but not the same thing — an option would add to the
// kustomization's own namePrefix or images instead of replacing them, as Argo CD's edit does.
//
// kustomize's restrictor does not confine bases: `resources: [../../x]` may name any directory.
// So before anything runs, the checkout is scanned for symlinks that lead out, and every
// resources/bases/components/generators/transformers entry is followed: it must exist in the
// checkout. That also refuses remote bases (https, git, github.com/...): the renderer never
// fetches over the network — what renders is what the commit holds.
import { readFile, realpath, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parse } from "yaml";
import { confinedPath, escapes, RenderError, refuseOutOfBoundsSymlinks } from "./confine.ts";
import { parseManifests, type Rendered } from "./directory.ts";
import { Fields } from "./fields.ts";
import { runTool, type ToolSettings, withScratch } from "./tool.ts";

/** The file names that make a directory a kustomization (Argo CD's detection too). */
export const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

export interface KustomizeOptions {
  namePrefix?: string | undefined;
  nameSuffix?: string | undefined;
  namespace?: string | undefined;
  images: string[];
  replicas: { name: string; count: string }[];
  commonLabels: [string, string][];
  commonAnnotations: [string, string][];
  forceCommonLabels: boolean;
  forceCommonAnnotations: boolean;
  labelWithoutSelector: boolean;
  labelIncludeTemplates: boolean;
}

/** `source.kustomize` read into options (a wrong shape is a RenderError naming the field). */
export function kustomizeOptions(raw: Record<string, unknown> = {}): KustomizeOptions {
  const f = new Fields(raw, "spec.source.kustomize");
  return {
    namePrefix: f.string("namePrefix"),
    nameSuffix: f.string("nameSuffix"),
    namespace: f.string("namespace"),
    images: f.strings("images"),
    replicas: f.objects("replicas", (r) => {
      const count = r.get("count");
      if (!(Number.isInteger(count) || (typeof count === "string" && /^\d+$/.test(count))))
        throw new RenderError(
          `spec.source.kustomize.replicas: count of "${r.string("name")}" must be a number`,
        );
      return { name: r.required("name", r.string("name")), count: String(count) };
    }),
    commonLabels: f.stringMap("commonLabels"),
    commonAnnotations: f.stringMap("commonAnnotations"),
    forceCommonLabels: f.boolean("forceCommonLabels"),
    forceCommonAnnotations: f.boolean("forceCommonAnnotations"),
    labelWithoutSelector: f.boolean("labelWithoutSelector"),
    labelIncludeTemplates: f.boolean("labelIncludeTemplates"),
  };
}

/** The `kustomize edit` commands that apply the options (values after `--`, never read as flags). */
export function editCommands(o: KustomizeOptions): string[][] {
  const commands: string[][] = [];
  if (o.namePrefix) commands.push(["edit", "set", "nameprefix", "--", o.namePrefix]);
  if (o.nameSuffix) commands.push(["edit", "set", "namesuffix", "--", o.nameSuffix]);
  if (o.images.length > 0) commands.push(["edit", "set", "image", "--", ...o.images]);
  if (o.replicas.length > 0)
    commands.push(["edit", "set", "replicas", "--", ...o.replicas.map((r) => `${r.name}=${r.count}`)]);
  const pairs = (entries: [string, string][]) => entries.map(([k, v]) => `${k}:${v}`);
  if (o.commonLabels.length > 0)
    commands.push([
      "edit",
      "add",
      "label",
      ...(o.forceCommonLabels ? ["--force"] : []),
      ...(o.labelWithoutSelector ? ["--without-selector"] : []),
      ...(o.labelIncludeTemplates ? ["--include-templates"] : []),
      "--",
      ...pairs(o.commonLabels),
    ]);
  if (o.commonAnnotations.length > 0)
    commands.push([
      "edit",
      "add",
      "annotation",
      ...(o.forceCommonAnnotations ? ["--force"] : []),
      "--",
      ...pairs(o.commonAnnotations),
    ]);
  if (o.namespace) commands.push(["edit", "set", "namespace", "--", o.namespace]);
  return commands;
}

/** The kustomization file of `dir`, if it has one. */
export async function kustomizationFile(dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILES) {
    const file = join(dir, name);
    if (
      await stat(file).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return file;
  }
  return undefined;
}

/** Fields of a kustomization whose entries may name files or other kustomizations. */
const REFERENCE_FIELDS = ["resources", "bases", "components", "generators", "transformers", "validators"];
const REMOTE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@|[\w-]+(?:\.[\w-]+)+\/)/i;
/** Self-referencing or very deep bases end here (kustomize would loop or crawl). */
const MAX_KUSTOMIZATIONS = 1000;

/** Entries of the reference fields that are paths (inline generator configs hold newlines). */
async function referencesOf(file: string): Promise<[string, string][]> {
  let doc: unknown;
  try {
    doc = parse(await readFile(file, "utf8"));
  } catch {
    return []; // kustomize build reports the syntax error in its own words
  }
  if (typeof doc !== "object" || doc === null) return [];
  const record = doc as Record<string, unknown>;
  return REFERENCE_FIELDS.flatMap((field) => {
    const entries = record[field];
    if (!Array.isArray(entries)) return [];
    return entries
      .filter((e): e is string => typeof e === "string" && !e.includes("\n"))
      .map((e): [string, string] => [field, e]);
  });
}

/** One entry checked: inside the checkout and present there; the directory to follow, if it is one. */
async function checkEntry(root: string, dir: string, file: string, field: string, entry: string) {
  const where = `${relative(root, file)}: ${field} entry "${entry}"`;
  const target = resolve(dir, entry);
  if (escapes(root, target)) throw new RenderError(`${where} leaves the repository`);
  let real: string;
  try {
    real = await realpath(target);
  } catch {
    // Not in the checkout: kustomize would try it as a URL next, which sluice never lets it do.
    throw new RenderError(
      REMOTE.test(entry)
        ? `${where} is a remote base; sluice renders only what the repository holds (no network fetches)`
        : `${where} does not exist in the repository`,
    );
  }
  if (escapes(root, real)) throw new RenderError(`${where} leads out of the repository (symlink)`);
  return (await stat(real)).isDirectory() ? real : undefined;
}

/** Follows every kustomization reachable from `start`, refusing entries that leave the checkout. */
export async function checkReferences(root: string, start: string): Promise<void> {
  const seen = new Set<string>();
  const pending = [start];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    if (seen.size > MAX_KUSTOMIZATIONS)
      throw new RenderError(`more than ${MAX_KUSTOMIZATIONS} kustomizations are reachable from the path`);
    const file = await kustomizationFile(dir);
    if (!file) continue;
    for (const [field, entry] of await referencesOf(file)) {
      const next = await checkEntry(root, dir, file, field, entry);
      if (next) pending.push(next);
    }
  }
}

export async function renderKustomize(
  checkout: string,
  path: string,
  raw: Record<string, unknown> | undefined,
  tool: ToolSettings,
): Promise<Rendered[]> {
  const options = kustomizeOptions(raw);
  const root = await realpath(checkout);
  const dir = await confinedPath(checkout, path || ".");
  if (!(await kustomizationFile(dir)))
    throw new RenderError(
      `source.path "${path}" has no kustomization.yaml, kustomization.yml or Kustomization`,
    );
  await refuseOutOfBoundsSymlinks(root);
  await checkReferences(root, dir);
  const label = `kustomize build ${path || "."}`;
  const output = await withScratch(async (scratch) => {
    const run = (args: string[], what: string) =>
      runTool({ ...tool, args, cwd: dir, scratch, label: what, env: { XDG_CONFIG_HOME: scratch } });
    for (const args of editCommands(options)) await run(args, `kustomize ${args.slice(0, 3).join(" ")}`);
    return run(["build", dir, "--load-restrictor=LoadRestrictionsRootOnly"], label);
  });
  return parseManifests(output, label).map((object) => ({ object, file: label }));
}
