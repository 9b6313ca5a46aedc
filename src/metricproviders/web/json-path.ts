// The web provider's jsonPath: the Kubernetes-style template Argo Rollouts users write
// ("{$.data.ratio}", "{.items[0].v}"), or the bare path ("$.data.ratio"), evaluated by jsonpath-plus.
import { createContext, Script } from "node:vm";
import { JSONPath } from "jsonpath-plus";
import type { Value } from "../../analysis/expression.ts";
import { MeasurementError } from "../provider.ts";

/**
 * The expression inside the braces, with the root `$` that Kubernetes lets one leave out. A path
 * with unbalanced brackets is refused here: jsonpath-plus reads "$.data[" as "$.data" without
 * complaint, and a typo should not silently pick something else.
 */
function expressionOf(jsonPath: string): string {
  const trimmed = jsonPath.trim();
  const inner = (/^\{(.*)\}$/s.exec(trimmed)?.[1] ?? trimmed).trim();
  const malformed = (why: string) => new MeasurementError(`jsonPath "${jsonPath}" is malformed: ${why}`);
  if (inner === "") throw malformed("it is empty");
  const why = unbalanced(inner);
  if (why) throw malformed(why);
  return inner.startsWith(".") || inner.startsWith("[") ? `$${inner}` : inner;
}

/** What is unbalanced in a path (brackets, quotes inside them, stray braces), or undefined. */
function unbalanced(inner: string): string | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (const c of inner) {
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      continue;
    }
    switch (c) {
      case "'":
      case '"':
        if (depth > 0) quote = c; // a quoted key inside brackets may hold any character
        break;
      case "[":
        depth++;
        break;
      case "]":
        depth--;
        break;
      case "{":
      case "}":
        return "one {…} template only, with nothing around it";
    }
    if (depth < 0) return "a ] without its [";
  }
  return quote || depth > 0 ? "an unclosed [ or quote" : undefined;
}

/**
 * Runs `evaluate` with a time limit. jsonpath-plus works synchronously, and some paths cost far
 * more than the document is big: each `..` multiplies the work by the document's depth, each
 * `^.*` or repeated union by its width ("$..*..*..x" on a 500-deep document takes a minute). The
 * controller's event loop must not stall on a template's path; vm's timeout stops any code
 * running under it, including functions of this context that it calls. (A watchdog only, not a
 * sandbox: nothing from the template is run as code.)
 */
const watchdog = { context: createContext({}), script: new Script("evaluate()") };
function withinTime<T>(evaluate: () => T, timeoutMs: number): T {
  watchdog.context.evaluate = evaluate;
  try {
    return watchdog.script.runInContext(watchdog.context, { timeout: timeoutMs }) as T;
  } finally {
    watchdog.context.evaluate = undefined;
  }
}

/** Why jsonpath-plus (or the time limit) stopped, in words a template author can act on. */
function reasonOf(error: unknown, timeoutMs: number): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/^Eval .* prevented/.test(message))
    return "filters [?(…)] and script expressions [(…)] are not evaluated";
  if ((error as { code?: unknown } | null)?.code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
    return `evaluating it took longer than ${timeoutMs} ms`;
  }
  return message;
}

/**
 * The value a jsonPath picks from `document`. When the path matches several values (`[*]`, `..`,
 * `[0,1]`, slices), the first one is the result, as in Argo Rollouts' web provider (it takes the
 * first of client-go jsonpath's results), so a template moved from there measures the same thing.
 * To judge a whole list, point the path at the list itself.
 */
export function pick(document: unknown, jsonPath = "{$}", timeoutMs = 1000): Value {
  const path = expressionOf(jsonPath);
  const nothing = () => new MeasurementError(`jsonPath "${jsonPath}" matched nothing in the response`);
  // A scalar answer (`0`, `false`, `null`) has nothing below it; jsonpath-plus would also miss it
  // at the root, as it treats a falsy document as no document.
  if (document === null || typeof document !== "object") {
    if (path === "$") return document as Value;
    throw nothing();
  }
  let matches: unknown[];
  try {
    const evaluate = () =>
      JSONPath({
        path,
        json: document,
        // Never run script from a template: eval false makes jsonpath-plus refuse filters
        // ([?(…)]) and script indexes ([(…)]) instead of evaluating them; both its native and its
        // "safe" evaluators have had remote-code-execution advisories (CVE-2024-21534, CVE-2025-1302).
        eval: false,
        // Always an array of matches, so one match that is itself an array stays one value.
        wrap: true,
        resultType: "value",
      });
    matches = withinTime(evaluate, timeoutMs);
  } catch (error) {
    throw new MeasurementError(`jsonPath "${jsonPath}" cannot be used: ${reasonOf(error, timeoutMs)}`);
  }
  if (!Array.isArray(matches) || matches.length === 0) throw nothing();
  return matches[0] as Value;
}
