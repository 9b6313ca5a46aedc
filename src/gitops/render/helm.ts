// The Helm renderer: `helm template` of the chart at the source path, as Argo CD runs it — release
// name (default: the Application's name), the destination namespace, CRDs included unless
// `skipCrds`, value files, then `values`/`valuesObject`, then `parameters` (later wins).
//
// Helm never reaches the network here: the chart is the one in the commit, its dependencies must
// be vendored in `charts/` (no `helm dependency build`, no repositories), and Helm's cache, config
// and data homes are a private scratch directory, so no repository list or credentials of the host
// are seen. Value files stay inside the checkout (`..`, absolute paths, URLs and symlinks that
// leave are refused: CVE-2022-24348); inline values go through a 0600 file in the scratch directory.
import { existsSync } from "node:fs";
import { readdir, readFile, realpath, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { parse, stringify } from "yaml";
import { confinedPath, escapes, RenderError, refuseOutOfBoundsSymlinks } from "./confine.ts";
import { parseManifests, type Rendered } from "./directory.ts";
import { Fields } from "./fields.ts";
import { runTool, type ToolSettings, withScratch } from "./tool.ts";

export interface HelmOptions {
  releaseName?: string | undefined;
  namespace?: string | undefined;
  valueFiles: string[];
  ignoreMissingValueFiles: boolean;
  values?: string | undefined;
  valuesObject?: unknown;
  parameters: { name: string; value: string; forceString: boolean }[];
  skipCrds: boolean;
  skipSchemaValidation: boolean;
}

/** `source.helm` read into options (a wrong shape is a RenderError naming the field). */
export function helmOptions(raw: Record<string, unknown> = {}): HelmOptions {
  const f = new Fields(raw, "spec.source.helm");
  return {
    releaseName: f.string("releaseName"),
    namespace: f.string("namespace"),
    valueFiles: f.strings("valueFiles"),
    ignoreMissingValueFiles: f.boolean("ignoreMissingValueFiles"),
    values: f.string("values"),
    valuesObject: f.get("valuesObject") ?? undefined,
    parameters: f.objects("parameters", (p) => ({
      name: p.required("name", p.string("name")),
      value: String(p.get("value") ?? ""),
      forceString: p.boolean("forceString"),
    })),
    skipCrds: f.boolean("skipCrds"),
    skipSchemaValidation: f.boolean("skipSchemaValidation"),
  };
}

/**
 * A `--set` value with its commas escaped, so `a,b` stays one value (Helm would read two
 * assignments); a `{x,y}` list is left as Helm's list syntax, as Argo CD leaves it.
 */
export function setValue(value: string): string {
  if (value.startsWith("{") && value.endsWith("}")) return value;
  return value.replace(/(?<!\\),/g, "\\,");
}

const URL = /^[a-z][a-z0-9+.-]*:\/\//i;

/** `--values` arguments for the value files (relative to the chart), each confined to the checkout. */
async function valueFileArgs(checkout: string, path: string, options: HelmOptions): Promise<string[]> {
  const root = await realpath(checkout);
  const args: string[] = [];
  for (const file of options.valueFiles) {
    const label = "spec.source.helm.valueFiles";
    if (URL.test(file))
      throw new RenderError(`${label} "${file}" is a URL; sluice reads value files from the repository only`);
    const lexical = join(root, path, file);
    if (
      options.ignoreMissingValueFiles &&
      !isAbsolute(file) &&
      !escapes(root, lexical) &&
      !existsSync(lexical)
    )
      continue;
    args.push(`--values=${await confinedPath(root, file, { label, from: path })}`);
  }
  return args;
}

/** Names of the chart's dependencies (Chart.yaml, or requirements.yaml of an apiVersion v1 chart). */
async function dependencyNames(chartDir: string): Promise<string[]> {
  const names: string[] = [];
  for (const file of ["Chart.yaml", "requirements.yaml"]) {
    let doc: unknown;
    try {
      doc = parse(await readFile(join(chartDir, file), "utf8"));
    } catch {
      continue; // absent, or Helm reports the syntax error itself
    }
    const dependencies = (doc as { dependencies?: unknown } | null)?.dependencies;
    if (!Array.isArray(dependencies)) continue;
    for (const d of dependencies) if (typeof d?.name === "string") names.push(d.name);
  }
  return names;
}

/** Refuses a chart whose dependencies are not in `charts/` (as a directory or a `<name>-<version>.tgz`). */
async function checkVendored(chartDir: string, path: string): Promise<void> {
  const vendored = await readdir(join(chartDir, "charts")).catch(() => [] as string[]);
  for (const name of await dependencyNames(chartDir)) {
    if (vendored.some((entry) => entry === name || (entry.startsWith(`${name}-`) && entry.endsWith(".tgz"))))
      continue;
    throw new RenderError(
      `helm chart "${path}": dependency "${name}" is not vendored in charts/; sluice renders local charts ` +
        "only, without network (run helm dependency build and commit charts/)",
    );
  }
}

/** `--values` for the inline values (valuesObject wins over values, as in Argo CD), written 0600. */
async function inlineValueArgs(scratch: string, options: HelmOptions): Promise<string[]> {
  const text = options.valuesObject !== undefined ? stringify(options.valuesObject) : (options.values ?? "");
  if (!text.trim()) return [];
  const file = join(scratch, "inline-values.yaml");
  await writeFile(file, text, { mode: 0o600 });
  return [`--values=${file}`];
}

export interface HelmContext {
  /** The Application's name: the release name unless `releaseName` says otherwise. */
  appName: string;
  /** The destination namespace: `--namespace` unless `helm.namespace` says otherwise. */
  namespace: string;
}

export async function renderHelm(
  checkout: string,
  path: string,
  raw: Record<string, unknown> | undefined,
  context: HelmContext,
  tool: ToolSettings,
): Promise<Rendered[]> {
  const options = helmOptions(raw);
  const root = await realpath(checkout);
  const dir = await confinedPath(checkout, path || ".");
  if (!existsSync(join(dir, "Chart.yaml"))) throw new RenderError(`source.path "${path}" has no Chart.yaml`);
  await refuseOutOfBoundsSymlinks(root);
  await checkVendored(dir, path || ".");
  const valueFiles = await valueFileArgs(root, relative(root, dir), options);
  const label = `helm template ${path || "."}`;
  const output = await withScratch(async (scratch) => {
    const args = [
      "template",
      `--namespace=${options.namespace || context.namespace}`,
      ...(options.skipCrds ? [] : ["--include-crds"]),
      ...(options.skipSchemaValidation ? ["--skip-schema-validation"] : []),
      ...valueFiles,
      ...(await inlineValueArgs(scratch, options)),
      ...options.parameters.map(
        (p) => `${p.forceString ? "--set-string" : "--set"}=${p.name}=${setValue(p.value)}`,
      ),
      "--",
      options.releaseName || context.appName,
      dir,
    ];
    const env = {
      HELM_CACHE_HOME: join(scratch, "cache"),
      HELM_CONFIG_HOME: join(scratch, "config"),
      HELM_DATA_HOME: join(scratch, "data"),
    };
    return runTool({ ...tool, args, cwd: dir, scratch, env, label });
  });
  return parseManifests(output, label).map((object) => ({ object, file: label }));
}
