// A measurement's verdict from successCondition and failureCondition, with the peer's truth table
// (../shared/reference/argo-rollouts.md §2.5): neither → Successful; only success → Failed when
// false; only failure → Successful when false; both → Failed if failure holds, else Successful if
// success holds, else Inconclusive. A condition that errors or is not boolean makes the
// measurement an Error, with the reason.
import { ExpressionError, evaluate, type Value } from "./expression.ts";

export type MeasurementPhase = "Successful" | "Failed" | "Inconclusive" | "Error";

export interface Verdict {
  phase: MeasurementPhase;
  message?: string;
}

function holds(expression: string, result: Value): boolean {
  const value = evaluate(expression, result);
  if (typeof value !== "boolean") {
    throw new ExpressionError(
      expression,
      `must evaluate to true or false, got ${JSON.stringify(value) ?? "nil"}`,
    );
  }
  return value;
}

export function judge(result: Value, successCondition?: string, failureCondition?: string): Verdict {
  try {
    const failed = failureCondition ? holds(failureCondition, result) : undefined;
    if (failed) return { phase: "Failed" };
    const succeeded = successCondition ? holds(successCondition, result) : undefined;
    // Neither condition, or only a failure condition that does not hold.
    if (succeeded === undefined) return { phase: "Successful" };
    if (succeeded) return { phase: "Successful" };
    return failed === undefined ? { phase: "Failed" } : { phase: "Inconclusive" };
  } catch (error) {
    if (error instanceof ExpressionError) return { phase: "Error", message: error.message };
    throw error;
  }
}
