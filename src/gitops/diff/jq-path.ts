// A documented subset of jq path expressions, enough for Argo CD's ignoreDifferences examples and
// common use, evaluated without a jq dependency. Each expression names locations; the caller
// deletes them, as Argo CD's del(<expression>) does.
//
// Supported:
//   paths      .  .a.b  ."a.b"  .a["b-c"]  .a[0]  .a[-1]  .a[]  any step followed by ?
//   pipes      <stage> | <stage> | ...
//   select     select(<cond>) where <cond> is
//                <path> == <literal>   <path> != <literal>   (string, number, true, false, null)
//                <path> | startswith("s")   <path> | endswith("s")
//                <path>                 (truthy: not null or false)
//                <cond> and <cond>   <cond> or <cond>   ( <cond> )
// Anything else is a syntax error naming this list, never silently ignored.
// Where jq would stop with an error (iterating over null, .a on an array), the subset yields
// nothing, as if every step were followed by ?.
import { JqSyntaxError, type JqToken, tokenize } from "./jq-lexer.ts";
import { child, deepEqual, isRecord, type Path, type Token } from "./json.ts";

export const JQ_SUBSET =
  'supported: paths (.a.b, ."k", .a["k"], .a[0], .a[], with optional ?), pipes (|), and select(...) ' +
  'with PATH == or != a string/number/boolean/null literal, PATH | startswith("s") or endswith("s"), ' +
  "a bare PATH, combined with and/or and parentheses";

type Step = { type: "field"; name: string } | { type: "index"; index: number } | { type: "iterate" };
type Condition =
  | { type: "compare"; path: Step[]; equal: boolean; literal: unknown }
  | { type: "string"; path: Step[]; test: "startswith" | "endswith"; argument: string }
  | { type: "truthy"; path: Step[] }
  | { type: "and" | "or"; left: Condition; right: Condition };
type Stage = { type: "path"; steps: Step[] } | { type: "select"; condition: Condition };
export type JqProgram = Stage[];

export function parseJqPath(source: string): { program: JqProgram } | { error: string } {
  try {
    return { program: new Parser(tokenize(source)).program() };
  } catch (error) {
    if (error instanceof JqSyntaxError) return { error: `${error.message}; ${JQ_SUBSET}` };
    throw error;
  }
}

const LITERALS: Record<string, unknown> = { true: true, false: false, null: null };

class Parser {
  private at = 0;
  constructor(private readonly tokens: JqToken[]) {}

  program(): JqProgram {
    const stages = [this.stage()];
    while (this.punct("|")) stages.push(this.stage());
    if (this.peek()) this.fail("unexpected");
    return stages;
  }

  private stage(): Stage {
    const token = this.peek();
    if (token?.kind === "ident" && token.text === "select") {
      this.at++;
      this.expect("(");
      const condition = this.or();
      this.expect(")");
      return { type: "select", condition };
    }
    if (token?.kind !== "punct" || token.text !== ".")
      this.fail('expected a path starting with "." or select(');
    return { type: "path", steps: this.path() };
  }

  private or(): Condition {
    let left = this.and();
    while (this.word("or")) left = { type: "or", left, right: this.and() };
    return left;
  }

  private and(): Condition {
    let left = this.atom();
    while (this.word("and")) left = { type: "and", left, right: this.atom() };
    return left;
  }

  private atom(): Condition {
    if (this.punct("(")) {
      const inner = this.or();
      this.expect(")");
      return inner;
    }
    const start = this.peek();
    if (start?.kind !== "punct" || start.text !== ".") this.fail('expected a path starting with "." or "("');
    const path = this.path();
    if (this.punct("==")) return { type: "compare", path, equal: true, literal: this.literal() };
    if (this.punct("!=")) return { type: "compare", path, equal: false, literal: this.literal() };
    if (!this.punct("|")) return { type: "truthy", path };
    const test = this.word("startswith") ? "startswith" : this.word("endswith") ? "endswith" : undefined;
    if (!test) this.fail("expected startswith or endswith");
    this.expect("(");
    const argument = this.next();
    if (argument?.kind !== "string") this.fail("expected a string", argument);
    this.expect(")");
    return { type: "string", path, test, argument: argument.value };
  }

  private literal(): unknown {
    const token = this.next();
    if (token?.kind === "string" || token?.kind === "number") return token.value;
    if (token?.kind === "ident" && Object.hasOwn(LITERALS, token.text)) return LITERALS[token.text];
    return this.fail("expected a string, number, true, false or null", token);
  }

  /** A path starting with ".": the steps after it, each optionally followed by ?. */
  private path(): Step[] {
    this.expect(".");
    const steps: Step[] = [];
    const first = this.peek();
    if (first?.kind === "ident" || first?.kind === "string") steps.push(this.fieldName());
    for (;;) {
      if (this.punct("?")) continue;
      if (this.punct(".")) steps.push(this.fieldName());
      else if (this.punct("[")) steps.push(this.bracket());
      else return steps;
    }
  }

  private fieldName(): Step {
    const token = this.next();
    if (token?.kind === "ident") return { type: "field", name: token.text };
    if (token?.kind === "string") return { type: "field", name: token.value };
    return this.fail("expected a field name", token);
  }

  private bracket(): Step {
    if (this.punct("]")) return { type: "iterate" };
    const token = this.next();
    this.expect("]");
    if (token?.kind === "string") return { type: "field", name: token.value };
    if (token?.kind === "number" && Number.isInteger(token.value))
      return { type: "index", index: token.value };
    return this.fail("expected ], a string or an integer index inside [ ]", token);
  }

  private peek(): JqToken | undefined {
    return this.tokens[this.at];
  }

  private next(): JqToken | undefined {
    return this.tokens[this.at++];
  }

  private punct(text: string): boolean {
    const token = this.peek();
    if (token?.kind !== "punct" || token.text !== text) return false;
    this.at++;
    return true;
  }

  private word(text: string): boolean {
    const token = this.peek();
    if (token?.kind !== "ident" || token.text !== text) return false;
    this.at++;
    return true;
  }

  private expect(text: string): void {
    if (!this.punct(text)) this.fail(`expected ${JSON.stringify(text)}`);
  }

  private fail(message: string, token = this.peek()): never {
    if (!token) throw new JqSyntaxError(`${message} at the end of the expression`);
    const shown = token.kind === "punct" || token.kind === "ident" ? token.text : JSON.stringify(token.value);
    throw new JqSyntaxError(`${message} at column ${token.at + 1} (found ${shown})`);
  }
}

/** The locations a program names in `root` that exist there. */
export function jqPaths(program: JqProgram, root: unknown): Path[] {
  let current: { path: Token[]; value: unknown }[] = [{ path: [], value: root }];
  for (const stage of program) {
    if (stage.type === "select") {
      current = current.filter((at) => holds(stage.condition, at.value));
      continue;
    }
    for (const step of stage.steps) current = current.flatMap((at) => locate(step, at.path, at.value));
  }
  return current.map((at) => at.path).filter((path) => path.length > 0);
}

function locate(step: Step, path: Token[], value: unknown): { path: Token[]; value: unknown }[] {
  const tokens = stepTokens(step, value);
  return tokens.flatMap((token) => {
    const found = child(value, token);
    return found ? [{ path: [...path, token], value: found.value }] : [];
  });
}

function stepTokens(step: Step, value: unknown): Token[] {
  if (step.type === "field") return [step.name];
  if (!Array.isArray(value)) return step.type === "iterate" && isRecord(value) ? Object.keys(value) : [];
  if (step.type === "iterate") return value.map((_, i) => i);
  return [step.index < 0 ? value.length + step.index : step.index];
}

/** jq's value semantics inside select: a missing field of a record or of null is null. */
function values(steps: Step[], root: unknown): unknown[] {
  let current: unknown[] = [root];
  for (const step of steps) current = current.flatMap((value) => stepValues(step, value));
  return current;
}

function stepValues(step: Step, value: unknown): unknown[] {
  if (step.type === "iterate") {
    if (Array.isArray(value)) return value;
    return isRecord(value) ? Object.values(value) : [];
  }
  if (value === null) return [null];
  if (step.type === "field") return isRecord(value) ? [value[step.name] ?? null] : [];
  if (!Array.isArray(value)) return [];
  return [value.at(step.index) ?? null];
}

function holds(condition: Condition, value: unknown): boolean {
  switch (condition.type) {
    case "and":
      return holds(condition.left, value) && holds(condition.right, value);
    case "or":
      return holds(condition.left, value) || holds(condition.right, value);
    case "truthy":
      return values(condition.path, value).some((v) => v !== null && v !== false);
    case "compare":
      return values(condition.path, value).some((v) => deepEqual(v, condition.literal) === condition.equal);
    case "string":
      return values(condition.path, value).some(
        (v) =>
          typeof v === "string" &&
          v[condition.test === "startswith" ? "startsWith" : "endsWith"](condition.argument),
      );
  }
}
