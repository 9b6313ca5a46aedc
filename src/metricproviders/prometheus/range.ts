// A rangeQuery's start, end and step resolved against the measurement's clock into what
// /api/v1/query_range takes (unix seconds, step in seconds) and what the measurement shows. Pure.

import { evaluateTime, TimeExpressionError } from "../../analysis/time-expression.ts";
import { DurationError, parseDuration } from "../../api/duration.ts";
import { MeasurementError } from "../provider.ts";

export interface RangeQuery {
  /** A time expression, e.g. `now() - duration("5m")`. */
  start?: string;
  /** A time expression, e.g. `now()`. */
  end?: string;
  /** A duration string, e.g. "1m". */
  step?: string;
}

export interface ResolvedRange {
  params: { start: string; end: string; step: string };
  metadata: Record<string, string>;
}

const FIELD = "prometheus.rangeQuery";

function time(expression: string | undefined, name: "start" | "end", nowMs: number): number {
  if (!expression?.trim()) {
    throw new MeasurementError(`${FIELD}.${name} is required (e.g. now() - duration("5m"))`);
  }
  try {
    return evaluateTime(expression, nowMs, `${FIELD}.${name}`);
  } catch (error) {
    if (error instanceof TimeExpressionError) throw new MeasurementError(error.message);
    throw error;
  }
}

function stepMs(step: string | undefined): number {
  if (!step?.trim()) throw new MeasurementError(`${FIELD}.step is required (e.g. "1m")`);
  let ms: number;
  try {
    ms = parseDuration(step, `${FIELD}.step`);
  } catch (error) {
    if (error instanceof DurationError) throw new MeasurementError(error.message);
    throw error;
  }
  if (!(ms > 0)) throw new MeasurementError(`${FIELD}.step must be greater than 0, got "${step}"`);
  return ms;
}

/** Seconds with millisecond precision, as Prometheus accepts them. */
const seconds = (ms: number): string => String(Math.round(ms) / 1000);

export function resolveRange(range: RangeQuery, nowMs: number): ResolvedRange {
  const start = time(range.start, "start", nowMs);
  const end = time(range.end, "end", nowMs);
  const step = stepMs(range.step);
  return {
    params: { start: seconds(start), end: seconds(end), step: seconds(step) },
    metadata: {
      ResolvedPrometheusRangeQueryStart: new Date(start).toISOString(),
      ResolvedPrometheusRangeQueryEnd: new Date(end).toISOString(),
      ResolvedPrometheusRangeQueryStep: `${seconds(step)}s`,
    },
  };
}
