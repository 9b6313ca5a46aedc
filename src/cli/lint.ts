// `kubectl sluice lint -f FILE`: the controller's own validation path on the Rollouts,
// AnalysisTemplates, ClusterAnalysisTemplates and AnalysisRuns in a file. References (Services,
// the objects traffic routers read, AnalysisTemplates) are checked only against objects in the
// same file; one defined elsewhere cannot be checked and gives a warning, not an error.
import { parseAllDocuments } from "yaml";
import { analysisSpecProblems } from "../api/analysis-spec-validation.ts";
import type { Rollout } from "../api/rollout.ts";
import { analysisBlocks, analysisProblems, lookupBlocks } from "../api/rollout-analysis-validation.ts";
import { rolloutSpecProblems } from "../api/rollout-spec-problems.ts";
import { formatProblem } from "../api/rollout-validation.ts";
import { routersFor } from "../trafficrouting/registry.ts";
import type { RoutingReference } from "../trafficrouting/router.ts";
import { type FileObject, FileObjects, isSluiceKind } from "./lint-world.ts";

export interface LintResult {
  lines: string[];
  errors: number;
  warnings: number;
}

/** One line of lint's verdict on an object: "path: message". */
export interface Finding {
  severity: "error" | "warning";
  text: string;
}

const ANALYSIS_KINDS = ["AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun"];
const LINTED_KINDS = ["Rollout", ...ANALYSIS_KINDS];
const notInFile = (what: string) => `${what} is not in this file; not checked`;

export async function lintText(text: string, fileName: string): Promise<LintResult> {
  const { docs, yamlErrors } = parseDocs(text);
  const result: LintResult = {
    lines: yamlErrors.map((message) => `${fileName}: YAML: ${message}`),
    errors: yamlErrors.length,
    warnings: 0,
  };
  const file = new FileObjects(docs);
  const linted = docs.filter((d) => LINTED_KINDS.some((kind) => isSluiceKind(d, kind)));
  for (const object of linted) {
    const name = object.metadata?.name ?? "(unnamed)";
    for (const finding of await lintObject(object, file)) {
      result.lines.push(`${fileName}: ${object.kind} ${name}: ${finding.severity}: ${finding.text}`);
      if (finding.severity === "error") result.errors++;
      else result.warnings++;
    }
  }
  if (linted.length === 0) result.lines.push(`${fileName}: no Rollout or analysis object found`);
  else if (result.errors === 0) result.lines.push(`${fileName}: ${countKinds(linted)} valid`);
  return result;
}

/** Lint's findings on one object of a linted kind. */
export function lintObject(object: FileObject, file: FileObjects): Promise<Finding[]> {
  if (object.kind === "Rollout") return rolloutFindings(object as Rollout, file);
  return Promise.resolve(
    analysisSpecProblems(object.spec ?? {}).map((text) => ({ severity: "error" as const, text })),
  );
}

/** "2 Rollout(s), 1 AnalysisTemplate(s)": the kinds in the order lint knows them. */
function countKinds(objects: FileObject[]): string {
  return LINTED_KINDS.map((kind) => [kind, objects.filter((o) => o.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}(s)`)
    .join(", ");
}

/** The file's objects (a `kind: List` gives its items), and the first line of each YAML error. */
function parseDocs(text: string): { docs: FileObject[]; yamlErrors: string[] } {
  const docs: FileObject[] = [];
  const yamlErrors: string[] = [];
  for (const parsed of parseAllDocuments(text)) {
    if (parsed.errors.length > 0) {
      // A document with errors is skipped.
      for (const e of parsed.errors) yamlErrors.push(e.message.split("\n")[0] as string);
      continue;
    }
    const value = parsed.toJS() as (FileObject & { items?: FileObject[] }) | null;
    if (!value || typeof value !== "object") continue;
    if (value.kind === "List" && Array.isArray(value.items)) docs.push(...value.items);
    else docs.push(value);
  }
  return { docs, yamlErrors };
}

/**
 * The controller's problems with the file as its world, except that a reference to an object the
 * file does not define is a warning (not checked) rather than "not found".
 */
async function rolloutFindings(rollout: Rollout, file: FileObjects): Promise<Finding[]> {
  const world = file.controllerWorld(rollout);
  const namespace = rollout.metadata?.namespace;
  const absent = absentRoutedObjects(rollout, file);
  const notFound = new Set(absent.map((ref) => `${ref.field}: ${ref.kind} "${ref.name}" not found`));
  const findings: Finding[] = rolloutSpecProblems(rollout, {
    ...world,
    service: (name) => file.serviceSelector(name, namespace),
  })
    .map((p) => ({ severity: p.severity, text: formatProblem(p) }))
    .filter((f) => !notFound.has(f.text));
  for (const ref of absentServices(rollout, file)) findings.push(warning(ref.path, `Service "${ref.name}"`));
  for (const ref of absent) findings.push(warning(ref.field, `${ref.kind} "${ref.name}"`));
  const blocks = analysisBlocks(rollout);
  const lookups = await lookupBlocks(blocks, world.templates);
  for (const [field, lookup] of lookups) {
    if (!("missing" in lookup)) continue;
    findings.push(warning(field, lookup.missing.replace(/ not found$/, "")));
    lookups.delete(field);
  }
  for (const text of analysisProblems(rollout, blocks, lookups).invalid)
    findings.push({ severity: "error", text });
  return findings;
}

const warning = (path: string, what: string): Finding => ({
  severity: "warning",
  text: `${path}: ${notInFile(what)}`,
});

/** The objects the Rollout's traffic routers read that the file does not define. */
function absentRoutedObjects(rollout: Rollout, file: FileObjects): RoutingReference[] {
  const trafficRouting = rollout.spec?.strategy?.canary?.trafficRouting;
  if (!trafficRouting) return [];
  const namespace = rollout.metadata?.namespace;
  return routersFor(trafficRouting)
    .routers.flatMap((router) => router.references(rollout))
    .filter((ref) => !file.routed(ref.kind, ref.name, ref.namespace ?? namespace));
}

function absentServices(rollout: Rollout, file: FileObjects): { path: string; name: string }[] {
  const canary = rollout.spec?.strategy?.canary;
  const blueGreen = rollout.spec?.strategy?.blueGreen;
  const refs: [string, string | undefined][] = [
    ["spec.strategy.canary.canaryService", canary?.canaryService],
    ["spec.strategy.canary.stableService", canary?.stableService],
    ["spec.strategy.blueGreen.activeService", blueGreen?.activeService],
    ["spec.strategy.blueGreen.previewService", blueGreen?.previewService],
  ];
  const namespace = rollout.metadata?.namespace;
  return refs
    .filter(([, name]) => name && file.serviceSelector(name, namespace) === undefined)
    .map(([path, name]) => ({ path, name: name ?? "" }));
}
