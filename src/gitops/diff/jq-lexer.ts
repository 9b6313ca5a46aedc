// Tokens of the jq path subset (see jq-path.ts).

export type JqToken =
  | { kind: "punct"; text: "." | "[" | "]" | "?" | "|" | "(" | ")" | "==" | "!="; at: number }
  | { kind: "ident"; text: string; at: number }
  | { kind: "string"; value: string; at: number }
  | { kind: "number"; value: number; at: number };

export class JqSyntaxError extends Error {}

const PUNCT = ["==", "!=", ".", "[", "]", "?", "|", "(", ")"] as const;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;
const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/;
// Any quoted run; JSON.parse then decides whether its escapes are valid.
const STRING = /^"(?:[^"\\]|\\.)*"/;

export function tokenize(source: string): JqToken[] {
  const tokens: JqToken[] = [];
  let at = 0;
  while (at < source.length) {
    const rest = source.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    const token = readToken(rest, at);
    tokens.push(token.token);
    at += token.length;
  }
  return tokens;
}

function readToken(rest: string, at: number): { token: JqToken; length: number } {
  const punct = PUNCT.find((p) => rest.startsWith(p));
  if (punct) return { token: { kind: "punct", text: punct, at }, length: punct.length };
  const ident = IDENT.exec(rest);
  if (ident) return { token: { kind: "ident", text: ident[0], at }, length: ident[0].length };
  const string = STRING.exec(rest);
  if (string)
    return { token: { kind: "string", value: jsonString(string[0], at), at }, length: string[0].length };
  const number = NUMBER.exec(rest);
  if (number) return { token: { kind: "number", value: Number(number[0]), at }, length: number[0].length };
  if (rest.startsWith('"')) throw new JqSyntaxError(`unterminated or invalid string at column ${at + 1}`);
  throw new JqSyntaxError(`unsupported character ${JSON.stringify(rest[0])} at column ${at + 1}`);
}

function jsonString(quoted: string, at: number): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    throw new JqSyntaxError(`invalid string ${quoted} at column ${at + 1}`);
  }
}
