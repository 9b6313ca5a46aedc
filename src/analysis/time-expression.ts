// Time expressions for a Prometheus rangeQuery's start and end, as the peer writes them:
// `now()`, `now() - duration("5m")`, `now() - duration("1h") + duration("30s")`. The peer hands
// them to expr-lang; sluice accepts only the part of that language these need — now(),
// duration("<duration>"), parentheses, and + or - between a time and a duration (or two
// durations). A dedicated scanner rather than the condition parser: the whitelist is then the
// grammar itself (nothing else even parses, no eval), and every error can name its position.
import { DurationError, parseDuration } from "../api/duration.ts";

export class TimeExpressionError extends Error {
  override name = "TimeExpressionError";
  constructor(
    readonly field: string,
    readonly expression: string,
    readonly position: number,
    reason: string,
  ) {
    super(`${field} "${expression}": ${reason} at position ${position}`);
  }
}

type TokenKind = "name" | "string" | "number" | "+" | "-" | "(" | ")" | "," | "end";
interface Token {
  kind: TokenKind;
  text: string;
  at: number;
}

const SINGLE = new Set(["+", "-", "(", ")", ","]);

type Fail = (at: number, reason: string) => never;

function scan(source: string, fail: Fail): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const { token, end } = scanToken(source, i, fail);
    tokens.push(token);
    i = end;
  }
  tokens.push({ kind: "end", text: "", at: source.length });
  return tokens;
}

const QUOTES = new Set(['"', "'", "`"]);

/** The token starting at `at` (not a space); `end` is just past it. */
function scanToken(source: string, at: number, fail: Fail): { token: Token; end: number } {
  const c = source[at] as string;
  if (SINGLE.has(c)) return { token: { kind: c as TokenKind, text: c, at }, end: at + 1 };
  if (QUOTES.has(c)) return scanString(source, at, fail);
  return scanWord(source, at, fail);
}

/** A quoted string starting at `open` (no escapes: a duration never needs one); `end` is past its quote. */
function scanString(source: string, open: number, fail: Fail): { token: Token; end: number } {
  const quote = source[open] as string;
  const close = source.indexOf(quote, open + 1);
  if (close < 0) fail(open, "unterminated string");
  const text = source.slice(open + 1, close);
  if (text.includes("\\")) fail(open, "escapes are not supported in a duration string");
  return { token: { kind: "string", text, at: open }, end: close + 1 };
}

/** A name or a number starting at `at`. */
function scanWord(source: string, at: number, fail: Fail): { token: Token; end: number } {
  const word = /^(?:[A-Za-z_]\w*|\d+(?:\.\d+)?)/.exec(source.slice(at))?.[0];
  if (!word) fail(at, `unexpected "${source[at]}" (only now(), duration("…"), + and - are allowed)`);
  return { token: { kind: /^\d/.test(word) ? "number" : "name", text: word, at }, end: at + word.length };
}

interface Typed {
  kind: "time" | "duration";
  ms: number;
}

/** time ± duration is a time, duration ± duration a duration, duration + time a time; nothing else. */
function combine(op: Token, left: Typed, right: Typed, fail: Fail): Typed {
  const sign = op.kind === "+" ? 1 : -1;
  if (right.kind === "duration") return { kind: left.kind, ms: left.ms + sign * right.ms };
  if (left.kind === "duration" && op.kind === "+") return { kind: "time", ms: left.ms + right.ms };
  return fail(
    op.at,
    left.kind === "time"
      ? `cannot ${op.kind === "+" ? "add" : "subtract"} two times`
      : "cannot subtract a time from a duration",
  );
}

/** The 8.64e15 ms either side of 1970 that a Date can hold. */
const MAX_TIME_MS = 8.64e15;

/**
 * Evaluates `expression` to a time in epoch milliseconds, with now() = `nowMs`. Errors are
 * TimeExpressionError naming `field`, the expression and the 0-based position.
 */
export function evaluateTime(expression: string, nowMs: number, field = "expression"): number {
  const fail = (at: number, reason: string): never => {
    throw new TimeExpressionError(field, expression, at, reason);
  };
  const tokens = scan(expression, fail);
  let next = 0;
  const peek = (): Token => tokens[next] as Token;
  const take = (): Token => tokens[next++] as Token;
  const describe = (t: Token): string => (t.kind === "end" ? "end of expression" : `"${t.text}"`);
  const expect = (kind: TokenKind, what: string): Token => {
    const t = take();
    if (t.kind !== kind) fail(t.at, `expected ${what}, found ${describe(t)}`);
    return t;
  };

  const term = (): Typed => {
    const t = take();
    if (t.kind === "(") {
      const inner = sum();
      expect(")", '")"');
      return inner;
    }
    if (t.kind === "number") {
      return fail(t.at, `a bare number is not a duration: write duration("${t.text}s")`);
    }
    if (t.kind !== "name") return fail(t.at, `expected now() or duration("…"), found ${describe(t)}`);
    return call(t);
  };

  /** now() or duration("…"), from the name on. */
  const call = (name: Token): Typed => {
    if (name.text !== "now" && name.text !== "duration") {
      return fail(
        name.at,
        `unknown ${peek().kind === "(" ? "function" : "name"} ${name.text} (only now() and duration("…") are allowed)`,
      );
    }
    expect("(", `"(" after ${name.text}`);
    if (name.text === "now") {
      expect(")", '")": now() takes no arguments');
      return { kind: "time", ms: nowMs };
    }
    const arg = expect("string", 'a quoted duration such as "5m"');
    expect(")", '")": duration() takes one argument');
    try {
      return { kind: "duration", ms: parseDuration(arg.text, "duration") };
    } catch (error) {
      if (!(error instanceof DurationError)) throw error;
      return fail(arg.at, `"${arg.text}" is not a duration (e.g. 30s, 5m, 1h30m)`);
    }
  };

  const sum = (): Typed => {
    let value = term();
    while (peek().kind === "+" || peek().kind === "-") {
      const op = take();
      value = combine(op, value, term(), fail);
    }
    return value;
  };

  if (peek().kind === "end") fail(0, 'empty expression (e.g. now() - duration("5m"))');
  const value = sum();
  const rest = peek();
  if (rest.kind !== "end") fail(rest.at, `unexpected ${describe(rest)}`);
  if (value.kind !== "time") fail(0, 'is a duration, not a time (e.g. now() - duration("5m"))');
  if (!Number.isFinite(value.ms) || Math.abs(value.ms) > MAX_TIME_MS) fail(0, "is out of the range of times");
  return value.ms;
}
