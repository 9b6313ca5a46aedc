// `kubectl sluice lint -f FILE`: the controller's validator on the Rollouts in a file. References
// (Services) are checked only against objects in the same file; one defined elsewhere cannot be
// checked and gives a warning, not an error.
import { parseAllDocuments } from "yaml";
import type { Rollout } from "../api/rollout.ts";
import { type FieldProblem, formatProblem, validateRollout } from "../api/rollout-validation.ts";

const ROLLOUT_API_VERSIONS = new Set(["sluice.dev/v1alpha1", "argoproj.io/v1alpha1"]);

export interface LintResult {
  lines: string[];
  errors: number;
  warnings: number;
}

interface Doc {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec?: { selector?: Record<string, string> };
}

export function lintText(text: string, fileName: string): LintResult {
  const { docs, yamlErrors } = parseDocs(text);
  const lines = yamlErrors.map((message) => `${fileName}: YAML: ${message}`);
  let errors = yamlErrors.length;
  let warnings = 0;
  const services = serviceSelectors(docs);
  const rollouts = docs.filter((d) => d.kind === "Rollout" && ROLLOUT_API_VERSIONS.has(d.apiVersion ?? ""));
  for (const doc of rollouts) {
    const name = doc.metadata?.name ?? "(unnamed)";
    for (const problem of rolloutProblems(doc as Rollout, services)) {
      lines.push(`${fileName}: Rollout ${name}: ${problem.severity}: ${formatProblem(problem)}`);
      if (problem.severity === "error") errors++;
      else warnings++;
    }
  }
  if (rollouts.length === 0) lines.push(`${fileName}: no Rollout found`);
  else if (errors === 0) lines.push(`${fileName}: ${rollouts.length} Rollout(s) valid`);
  return { lines, errors, warnings };
}

/** The file's objects, and the first line of each YAML error (a document with errors is skipped). */
function parseDocs(text: string): { docs: Doc[]; yamlErrors: string[] } {
  const docs: Doc[] = [];
  const yamlErrors: string[] = [];
  for (const parsed of parseAllDocuments(text)) {
    if (parsed.errors.length > 0) {
      for (const e of parsed.errors) yamlErrors.push(e.message.split("\n")[0] as string);
      continue;
    }
    const value = parsed.toJS() as Doc | null;
    if (value && typeof value === "object") docs.push(value);
  }
  return { docs, yamlErrors };
}

/** Service name → selector, for the Services the file defines. */
function serviceSelectors(docs: Doc[]): Map<string, Record<string, string>> {
  const services = new Map<string, Record<string, string>>();
  for (const d of docs) {
    if (d.kind === "Service" && d.metadata?.name) services.set(d.metadata.name, d.spec?.selector ?? {});
  }
  return services;
}

/** The validator's problems, plus a warning for each Service the file does not define. */
function rolloutProblems(rollout: Rollout, services: Map<string, Record<string, string>>): FieldProblem[] {
  const problems = validateRollout(rollout, { service: (s) => services.get(s) });
  for (const ref of unresolvedServices(rollout, services)) {
    problems.push({
      path: ref.path,
      message: `Service "${ref.name}" is not in this file; not checked`,
      severity: "warning",
    });
  }
  return problems;
}

function unresolvedServices(rollout: Rollout, known: Map<string, unknown>): { path: string; name: string }[] {
  const canary = rollout.spec?.strategy?.canary;
  const blueGreen = rollout.spec?.strategy?.blueGreen;
  const refs: [string, string | undefined][] = [
    ["spec.strategy.canary.canaryService", canary?.canaryService],
    ["spec.strategy.canary.stableService", canary?.stableService],
    ["spec.strategy.blueGreen.activeService", blueGreen?.activeService],
    ["spec.strategy.blueGreen.previewService", blueGreen?.previewService],
  ];
  return refs
    .filter(([, name]) => name && !known.has(name))
    .map(([path, name]) => ({ path, name: name ?? "" }));
}
