// The metric names a PromQL expression reads, so a test can check each one against /metrics of a
// running controller. Not a parser: it blanks what cannot be a metric name (strings, comments,
// Grafana variables, label matchers, range and subquery brackets, by/without/on/ignoring/
// group_left/group_right label lists), then takes every identifier that is not a function call,
// an aggregation or a keyword. Names are returned as written (x_bucket stays x_bucket); which
// series names a metric family exposes is the caller's business (seriesNames below).

const AGGREGATIONS = new Set([
  "sum",
  "min",
  "max",
  "avg",
  "group",
  "stddev",
  "stdvar",
  "count",
  "count_values",
  "bottomk",
  "topk",
  "quantile",
  "limitk",
  "limit_ratio",
]);
const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "offset",
  "bool",
  "and",
  "or",
  "unless",
  "atan2",
  "start",
  "end",
  "inf",
  "nan",
]);
const LABEL_LISTS = /\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g;

/** Metric names given as a `__name__` matcher: `{__name__="x"}`, `{__name__=~"x|y"}` (plain alternatives only). */
function nameMatchers(expr: string): string[] {
  const names: string[] = [];
  for (const [, values = ""] of expr.matchAll(/__name__\s*=~?\s*"([^"]*)"/g))
    for (const name of values.split("|")) if (/^[a-zA-Z_:][\w:]*$/.test(name)) names.push(name);
  return names;
}

/** Every metric name `expr` reads, once each, in order of appearance. */
export function metricNames(expr: string): string[] {
  const names = nameMatchers(expr);
  const blanked = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/#[^\n]*/g, " ")
    .replace(/\$\{[^}]*\}|\$\w+/g, " ")
    .replace(/\{[^}]*\}/g, "{}")
    .replace(/\[[^\]]*\]/g, "[]")
    .replace(LABEL_LISTS, " $1 ");
  // Numbers and durations (1e3, 0.99, 5m) are consumed whole so their letters are not names.
  for (const match of blanked.matchAll(/[0-9][\w.]*|[a-zA-Z_:][\w:]*/g)) {
    const token = match[0];
    if (/^[0-9]/.test(token)) continue;
    if (AGGREGATIONS.has(token) || KEYWORDS.has(token.toLowerCase())) continue;
    const after = blanked.slice((match.index ?? 0) + token.length).trimStart();
    if (after.startsWith("(")) continue; // a function call
    names.push(token);
  }
  return [...new Set(names)];
}

/**
 * The series names a Prometheus text exposition offers, from its TYPE lines: a histogram exposes
 * name_bucket, name_sum and name_count; a summary name, name_sum and name_count; others their name.
 * prom-client prints HELP and TYPE for a registered metric that has no samples yet, so a metric
 * that exists but has not happened yet (no failed sync so far) still counts as exposed.
 */
export function seriesNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name = "", type = ""] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name + suffix);
    else if (type === "summary") for (const suffix of ["", "_sum", "_count"]) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}
