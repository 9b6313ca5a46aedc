// A safe evaluator for the condition language the peer uses over a measurement's `result`
// (a subset of expr-lang): literals, `result`, indexing and field access, arithmetic,
// comparisons, `&&`/`and`, `||`/`or`, `!`/`not`, `in`, `??`, the string operators `contains`,
// `startsWith`, `endsWith` and `matches` (a regular expression matched anywhere, as Go's), `?:`,
// and a whitelist of functions
// (len, isNaN, isInf, isNil, default, asInt, asFloat, all, any, none, filter, map, count, sum,
// min, max). Parsed with jsep into an AST and walked here: no eval, no Function, no prototype
// access. A malformed expression is an ExpressionError naming the expression and the position.
import jsep from "jsep";

jsep.addIdentifierChar("#"); // `#` is the element in all(result, # < 1000)
jsep.addBinaryOp("and", 2);
jsep.addBinaryOp("or", 1);
jsep.addBinaryOp("in", 7);
jsep.addBinaryOp("**", 11, true);
for (const op of ["contains", "startsWith", "endsWith", "matches"]) jsep.addBinaryOp(op, 7);
jsep.addUnaryOp("not");
jsep.addLiteral("nil", null);

export class ExpressionError extends Error {
  constructor(
    readonly expression: string,
    message: string,
  ) {
    super(`expression "${expression}": ${message}`);
    this.name = "ExpressionError";
  }
}

export type Value = null | undefined | boolean | number | string | Value[] | { [key: string]: Value };
export type Compiled = jsep.Expression;

export function compile(expression: string): Compiled {
  try {
    return jsep(expression);
  } catch (error) {
    const e = error as Error & { index?: number; description?: string };
    const where = e.index === undefined ? "" : ` at position ${e.index}`;
    throw new ExpressionError(expression, `${e.description ?? e.message}${where}`);
  }
}

type Env = Record<string, Value>;

const isArray = (v: Value): v is Value[] => Array.isArray(v);
const isObject = (v: Value): v is { [key: string]: Value } =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

function toNumber(v: Value, what: string): number {
  if (typeof v === "number") return v;
  throw new Error(`${what} needs a number, got ${describe(v)}`);
}

function describe(v: Value): string {
  if (v === null || v === undefined) return "nil";
  if (isArray(v)) return `array of ${v.length}`;
  return typeof v === "object" ? "map" : `${typeof v} ${JSON.stringify(v)}`;
}

function text(v: Value, what: string): string {
  if (typeof v === "string") return v;
  throw new Error(`${what} needs strings, got ${describe(v)}`);
}

function pattern(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch {
    throw new Error(`matches: "${source}" is not a valid regular expression`);
  }
}

function truthy(v: Value, what: string): boolean {
  if (typeof v === "boolean") return v;
  throw new Error(`${what} needs a boolean, got ${describe(v)}`);
}

function index(target: Value, key: Value): Value {
  if (isArray(target)) return element(target, key);
  if (isObject(target)) return field(target, key);
  if (target === null || target === undefined) throw new Error("metric result is nil or empty");
  throw new Error(`cannot index ${describe(target)}`);
}

/** list[i], counting from the end for a negative i (as expr-lang). */
function element(list: Value[], key: Value): Value {
  if (typeof key !== "number" || !Number.isInteger(key))
    throw new Error(`array index must be an integer, got ${describe(key)}`);
  const i = key < 0 ? list.length + key : key;
  if (i < 0 || i >= list.length) {
    throw new Error(
      list.length === 0
        ? "metric result is nil or empty"
        : `index ${key} out of range (length ${list.length})`,
    );
  }
  return list[i];
}

/** map.key: nil when absent; never a prototype's field. */
function field(map: { [key: string]: Value }, key: Value): Value {
  if (typeof key !== "string" || FORBIDDEN_KEYS.has(key)) throw new Error(`cannot read field ${String(key)}`);
  return Object.hasOwn(map, key) ? map[key] : null;
}

function equal(a: Value, b: Value): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  return a === b;
}

type BinaryOperator = (a: Value, b: Value) => Value;

/** An ordering: two strings compare as strings, anything else must be two numbers. */
function ordering(op: string, test: (x: number | string, y: number | string) => boolean): BinaryOperator {
  return (a, b) => {
    const bothStrings = typeof a === "string" && typeof b === "string";
    return test(bothStrings ? a : toNumber(a, op), bothStrings ? b : toNumber(b, op));
  };
}

const arithmetic =
  (op: string, fn: (x: number, y: number) => number): BinaryOperator =>
  (a, b) =>
    fn(toNumber(a, op), toNumber(b, op));

const onStrings =
  (op: string, fn: (x: string, y: string) => boolean): BinaryOperator =>
  (a, b) =>
    fn(text(a, op), text(b, op));

/** The operators whose operands are both evaluated first (the short-circuiting ones are evalBinary's). */
const BINARY_OPERATORS: Record<string, BinaryOperator> = {
  "==": (a, b) => equal(a, b),
  "!=": (a, b) => !equal(a, b),
  "<": ordering("<", (x, y) => x < y),
  "<=": ordering("<=", (x, y) => x <= y),
  ">": ordering(">", (x, y) => x > y),
  ">=": ordering(">=", (x, y) => x >= y),
  "+": (a, b) =>
    typeof a === "string" && typeof b === "string" ? a + b : toNumber(a, "+") + toNumber(b, "+"),
  "-": arithmetic("-", (x, y) => x - y),
  "*": arithmetic("*", (x, y) => x * y),
  "/": arithmetic("/", (x, y) => x / y),
  "%": arithmetic("%", (x, y) => x % y),
  "**": arithmetic("**", (x, y) => x ** y),
  in: (a, b) => {
    if (isArray(b)) return b.some((v) => equal(v, a));
    if (isObject(b)) return typeof a === "string" && Object.hasOwn(b, a);
    throw new Error(`"in" needs an array or map on the right, got ${describe(b)}`);
  },
  contains: onStrings("contains", (x, y) => x.includes(y)),
  startsWith: onStrings("startsWith", (x, y) => x.startsWith(y)),
  endsWith: onStrings("endsWith", (x, y) => x.endsWith(y)),
  // The pattern is checked first, so a bad one is named even when the subject is not a string.
  matches: (a, b) => pattern(text(b, "matches")).test(text(a, "matches")),
};

function binary(op: string, a: Value, b: Value): Value {
  const apply = Object.hasOwn(BINARY_OPERATORS, op) ? BINARY_OPERATORS[op] : undefined;
  if (!apply) throw new Error(`operator ${op} is not supported`);
  return apply(a, b);
}

type Fn = (args: jsep.Expression[], env: Env, evalIn: (node: jsep.Expression, env: Env) => Value) => Value;

function eager(name: string, arity: number, fn: (...values: Value[]) => Value): Fn {
  return (args, env, evalIn) => {
    if (args.length !== arity) throw new Error(`${name}() takes ${arity} argument(s), got ${args.length}`);
    return fn(...args.map((a) => evalIn(a, env)));
  };
}

/** all(list, predicate-with-#) and friends: the predicate is evaluated per element. */
function overList(name: string, combine: (list: Value[], test: (v: Value) => Value) => Value): Fn {
  return (args, env, evalIn) => {
    if (args.length !== 2) throw new Error(`${name}() takes a list and a predicate`);
    const list = evalIn(args[0] as jsep.Expression, env);
    if (!isArray(list)) throw new Error(`${name}() needs an array, got ${describe(list)}`);
    return combine(list, (v) => evalIn(args[1] as jsep.Expression, { ...env, "#": v }));
  };
}

const numbers = (name: string, list: Value): number[] => {
  if (!isArray(list)) throw new Error(`${name}() needs an array, got ${describe(list)}`);
  return list.map((v) => toNumber(v, name));
};

const FUNCTIONS: Record<string, Fn> = {
  len: eager("len", 1, (v) => {
    if (isArray(v) || typeof v === "string") return v.length;
    if (isObject(v)) return Object.keys(v).length;
    throw new Error(`len() needs an array, string or map, got ${describe(v)}`);
  }),
  isNaN: eager("isNaN", 1, (v) => Number.isNaN(toNumber(v, "isNaN"))),
  isInf: eager("isInf", 1, (v) => {
    const n = toNumber(v, "isInf");
    return n === Number.POSITIVE_INFINITY || n === Number.NEGATIVE_INFINITY;
  }),
  isNil: eager("isNil", 1, (v) => v === null || v === undefined),
  default: eager("default", 2, (v, d) =>
    v === null || v === undefined || (isArray(v) && v.length === 0) ? d : v,
  ),
  asInt: eager("asInt", 1, (v) => {
    const n = typeof v === "string" ? Number(v.trim()) : toNumber(v, "asInt");
    if (!Number.isFinite(n) || (typeof v === "string" && !/^[+-]?\d+$/.test(v.trim()))) {
      throw new Error(`asInt() cannot convert ${describe(v)}`);
    }
    return Math.trunc(n);
  }),
  asFloat: eager("asFloat", 1, (v) => {
    const n = typeof v === "string" ? Number(v.trim()) : toNumber(v, "asFloat");
    if (typeof v === "string" && (v.trim() === "" || Number.isNaN(n)) && !/^[+-]?nan$/i.test(v.trim())) {
      throw new Error(`asFloat() cannot convert ${describe(v)}`);
    }
    return n;
  }),
  all: overList("all", (list, test) => list.every((v) => truthy(test(v), "all()"))),
  any: overList("any", (list, test) => list.some((v) => truthy(test(v), "any()"))),
  none: overList("none", (list, test) => !list.some((v) => truthy(test(v), "none()"))),
  filter: overList("filter", (list, test) => list.filter((v) => truthy(test(v), "filter()"))),
  map: overList("map", (list, test) => list.map(test)),
  count: overList("count", (list, test) => list.filter((v) => truthy(test(v), "count()")).length),
  sum: eager("sum", 1, (v) => numbers("sum", v).reduce((a, b) => a + b, 0)),
  min: eager("min", 1, (v) => Math.min(...numbers("min", v))),
  max: eager("max", 1, (v) => Math.max(...numbers("max", v))),
};

function evalNode(node: jsep.Expression, env: Env): Value {
  switch (node.type) {
    case "Literal":
      return (node as jsep.Literal).value as Value;
    case "Identifier": {
      const name = (node as jsep.Identifier).name;
      if (!Object.hasOwn(env, name)) throw new Error(`unknown name ${name}`);
      return env[name];
    }
    case "ArrayExpression":
      return (node as jsep.ArrayExpression).elements.map((e) => (e ? evalNode(e, env) : null));
    case "MemberExpression": {
      const m = node as jsep.MemberExpression;
      const target = evalNode(m.object, env);
      const key = m.computed ? evalNode(m.property, env) : (m.property as jsep.Identifier).name;
      return index(target, key);
    }
    case "UnaryExpression":
      return evalUnary(node as jsep.UnaryExpression, env);
    case "BinaryExpression":
      return evalBinary(node as jsep.BinaryExpression, env);
    case "ConditionalExpression": {
      const c = node as jsep.ConditionalExpression;
      return truthy(evalNode(c.test, env), "?:") ? evalNode(c.consequent, env) : evalNode(c.alternate, env);
    }
    case "CallExpression":
      return evalCall(node as jsep.CallExpression, env);
    default:
      throw new Error(`${node.type} is not supported`);
  }
}

function evalUnary(u: jsep.UnaryExpression, env: Env): Value {
  const v = evalNode(u.argument, env);
  if (u.operator === "!" || u.operator === "not") return !truthy(v, u.operator);
  if (u.operator === "-") return -toNumber(v, "-");
  if (u.operator === "+") return toNumber(v, "+");
  throw new Error(`operator ${u.operator} is not supported`);
}

/** `&&`, `||` and `??` evaluate their right side only when needed; the rest both sides first. */
function evalBinary(b: jsep.BinaryExpression, env: Env): Value {
  if (b.operator === "&&" || b.operator === "and") {
    return truthy(evalNode(b.left, env), b.operator) && truthy(evalNode(b.right, env), b.operator);
  }
  if (b.operator === "||" || b.operator === "or") {
    return truthy(evalNode(b.left, env), b.operator) || truthy(evalNode(b.right, env), b.operator);
  }
  if (b.operator === "??") {
    const left = evalNode(b.left, env);
    return left === null || left === undefined ? evalNode(b.right, env) : left;
  }
  return binary(b.operator, evalNode(b.left, env), evalNode(b.right, env));
}

/** Only the whitelisted FUNCTIONS, called by name. */
function evalCall(call: jsep.CallExpression, env: Env): Value {
  const callee = call.callee as jsep.Identifier;
  const fn =
    callee.type === "Identifier" && Object.hasOwn(FUNCTIONS, callee.name)
      ? FUNCTIONS[callee.name]
      : undefined;
  if (!fn) throw new Error(`function ${callee.name ?? "(expression)"} is not supported`);
  return fn(call.arguments, env, evalNode);
}

/** Evaluates `expression` with `result` bound; errors become ExpressionError with the expression. */
export function evaluate(
  expression: string | Compiled,
  result: Value,
  source = typeof expression === "string" ? expression : "",
): Value {
  const ast = typeof expression === "string" ? compile(expression) : expression;
  try {
    return evalNode(ast, { result });
  } catch (error) {
    if (error instanceof ExpressionError) throw error;
    throw new ExpressionError(source, (error as Error).message);
  }
}

const BINARY = new Set([
  ...["==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "**", "in", "??"],
  ...["&&", "and", "||", "or", "contains", "startsWith", "endsWith", "matches"],
]);
const UNARY = new Set(["!", "not", "-", "+"]);

/**
 * What in `expression` sluice cannot evaluate (an operator, function or construct of the peer's
 * language it does not implement), said before any measurement — so a rollout is told up front
 * instead of a run failing half-way. Undefined when everything is supported.
 */
export function unsupportedIn(expression: string): string | undefined {
  let ast: Compiled;
  try {
    ast = compile(expression);
  } catch (error) {
    return (error as Error).message;
  }
  const problem = firstUnsupported(ast);
  return problem ? `expression "${expression}": ${problem} is not supported yet` : undefined;
}

function firstUnsupported(node: jsep.Expression | null | undefined): string | undefined {
  if (!node) return undefined;
  const children = (...nodes: (jsep.Expression | null | undefined)[]) => {
    for (const n of nodes) {
      const found = firstUnsupported(n);
      if (found) return found;
    }
    return undefined;
  };
  switch (node.type) {
    case "Literal":
    case "Identifier":
      return undefined;
    case "ArrayExpression":
      return children(...(node as jsep.ArrayExpression).elements);
    case "MemberExpression": {
      const m = node as jsep.MemberExpression;
      return children(m.object, m.computed ? m.property : undefined);
    }
    case "UnaryExpression": {
      const u = node as jsep.UnaryExpression;
      return UNARY.has(u.operator) ? children(u.argument) : `operator ${u.operator}`;
    }
    case "BinaryExpression": {
      const b = node as jsep.BinaryExpression;
      return BINARY.has(b.operator) ? children(b.left, b.right) : `operator ${b.operator}`;
    }
    case "ConditionalExpression": {
      const c = node as jsep.ConditionalExpression;
      return children(c.test, c.consequent, c.alternate);
    }
    case "CallExpression": {
      const call = node as jsep.CallExpression;
      const callee = call.callee as jsep.Identifier;
      if (callee.type !== "Identifier" || !Object.hasOwn(FUNCTIONS, callee.name))
        return `function ${callee.name ?? "(expression)"}`;
      return children(...call.arguments);
    }
    case "Compound":
      return "an operator sluice does not know";
    default:
      return node.type;
  }
}
