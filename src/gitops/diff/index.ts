// The pure diff core of the Git applier: drift between the server's dry-run prediction and live,
// the apply body, spec.ignoreDifferences checks and Secret redaction. No I/O.
export { applyBody } from "./apply-body.ts";
export { type Comparison, compare, comparedSides } from "./compare.ts";
export { type IgnoreProblem, type IgnoreRule, ignoreProblems } from "./ignore.ts";
export { REDACTED, redact } from "./redact.ts";
