// spec.ignoreDifferences: which entries apply to an object, the locations they name in it, and
// the problems in the entries themselves.
import type { KubeObject } from "../../kube/types.ts";
import { pathsOwnedBy } from "./fields-v1.ts";
import { jqPaths, parseJqPath } from "./jq-path.ts";
import type { Path } from "./json.ts";
import { parsePointer, resolvePointer } from "./json-pointer.ts";

/** One entry of Argo CD's spec.ignoreDifferences. */
export interface IgnoreRule {
  group?: string;
  kind: string;
  name?: string;
  namespace?: string;
  jsonPointers?: string[];
  jqPathExpressions?: string[];
  managedFieldsManagers?: string[];
}

export function groupOf(object: KubeObject): string {
  const apiVersion = object.apiVersion ?? "";
  return apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
}

// Argo CD matches group and kind as globs ("*" any run, "?" one character), so an absent group is
// "" and matches only the core group; name and namespace match exactly when given.
function globMatch(pattern: string, value: string): boolean {
  const source = [...pattern]
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, "s").test(value);
}

export function ruleMatches(rule: IgnoreRule, object: KubeObject): boolean {
  // Entries come from user YAML: anything mistyped matches nothing (ignoreProblems reports it).
  if (typeof rule !== "object" || rule === null || typeof rule.kind !== "string" || rule.kind === "")
    return false;
  const { group = "", name = "", namespace = "" } = rule;
  if (typeof group !== "string" || typeof name !== "string" || typeof namespace !== "string") return false;
  return (
    globMatch(group, groupOf(object)) &&
    globMatch(rule.kind, object.kind ?? "") &&
    (name === "" || name === object.metadata?.name) &&
    (namespace === "" || namespace === object.metadata?.namespace)
  );
}

export function matchingRules(rules: readonly IgnoreRule[], object: KubeObject): IgnoreRule[] {
  return rules.filter((rule) => ruleMatches(rule, object));
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

/**
 * The locations `rules` name in `side` (one normalised copy of the object). managedFieldsManagers
 * read ownership from live's managedFields, which the normalised sides no longer carry. Entries
 * with problems (see ignoreProblems) are skipped here rather than thrown.
 */
export function ignoredPaths(
  rules: readonly IgnoreRule[],
  side: unknown,
  live: KubeObject | undefined,
): Path[] {
  return rules.flatMap((rule) => [
    ...strings(rule.jsonPointers).flatMap((pointer) => pointerPaths(pointer, side)),
    ...strings(rule.jqPathExpressions).flatMap((expression) => expressionPaths(expression, side)),
    ...pathsOwnedBy(live, strings(rule.managedFieldsManagers), side),
  ]);
}

function pointerPaths(pointer: string, side: unknown): Path[] {
  const parsed = parsePointer(pointer);
  const path = "tokens" in parsed ? resolvePointer(side, parsed.tokens) : undefined;
  return path ? [path] : [];
}

function expressionPaths(expression: string, side: unknown): Path[] {
  const parsed = parseJqPath(expression);
  return "program" in parsed ? jqPaths(parsed.program, side) : [];
}

export interface IgnoreProblem {
  path: string;
  message: string;
}

/** Problems in spec.ignoreDifferences, each with its path and what is wrong. */
export function ignoreProblems(rules: readonly IgnoreRule[]): IgnoreProblem[] {
  const problems: IgnoreProblem[] = [];
  rules.forEach((rule, i) => {
    const at = `spec.ignoreDifferences[${i}]`;
    if (typeof rule !== "object" || rule === null) {
      problems.push({ path: at, message: "must be an object with kind and what to ignore" });
      return;
    }
    if (typeof rule.kind !== "string" || rule.kind === "") {
      problems.push({ path: `${at}.kind`, message: 'kind is required (use "*" for every kind)' });
    }
    for (const field of ["group", "name", "namespace"] as const) {
      if (rule[field] !== undefined && typeof rule[field] !== "string") {
        problems.push({ path: `${at}.${field}`, message: `${field} must be a string` });
      }
    }
    problems.push(...listProblems(rule.jsonPointers, `${at}.jsonPointers`, pointerProblem));
    problems.push(...listProblems(rule.jqPathExpressions, `${at}.jqPathExpressions`, jqProblem));
    problems.push(...listProblems(rule.managedFieldsManagers, `${at}.managedFieldsManagers`, managerProblem));
  });
  return problems;
}

function listProblems(
  list: unknown,
  at: string,
  check: (entry: string) => string | undefined,
): IgnoreProblem[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) return [{ path: at, message: "must be a list of strings" }];
  return list.flatMap((entry: unknown, i) => {
    const message = typeof entry === "string" ? check(entry) : "must be a string";
    return message === undefined ? [] : [{ path: `${at}[${i}]`, message }];
  });
}

function pointerProblem(pointer: string): string | undefined {
  const parsed = parsePointer(pointer);
  return "error" in parsed ? `JSON pointer ${JSON.stringify(pointer)} ${parsed.error}` : undefined;
}

function jqProblem(expression: string): string | undefined {
  const parsed = parseJqPath(expression);
  return "error" in parsed
    ? `jq path ${JSON.stringify(expression)} is not supported: ${parsed.error}`
    : undefined;
}

function managerProblem(manager: string): string | undefined {
  return manager.trim() === "" ? "a manager name must not be empty" : undefined;
}
