// dryRun[] and measurementRetention[] metricName rules: `*`, regexes matched anywhere (as the peer), exact names.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  dryRunMatcher,
  metricNameMatcher,
  retentionLimit,
  unmatchedRule,
} from "../../../src/analysis/metric-match.ts";

test("metricName: * is every metric, else a regex matched anywhere in the name (Go's MatchString), else the exact name", () => {
  const cases: [pattern: string, name: string, matches: boolean][] = [
    ["*", "rate", true],
    ["*", "", true],
    ["rate", "rate", true],
    ["rate", "error-rate", true],
    ["rate", "rates", true],
    ["^rate$", "error-rate", false],
    ["^rate$", "rate", true],
    ["Rate", "rate", false],
    [".*", "anything", true],
    ["p9.*", "p99", true],
    ["p9.*", "xp99", true],
    ["^p9", "xp99", false],
    ["p99|p95", "p95", true],
    ["p99|p95", "p995", true],
    ["^(p99|p95)$", "p995", false],
    ["p99.9", "p99x9", true],
    ["latency-[a-z]+$", "latency-db1", false],
    // Not an expression: the exact name only (Go's MatchString errs and matches nothing).
    ["rate[", "rate[", true],
    ["rate[", "rate", false],
    ["**", "**", true],
    ["**", "rate", false],
    // Go's leading flag group.
    ["(?i)rate", "RATE", true],
    ["(?i)^rate$", "error-RATE", false],
    // The empty expression matches every name, as in Go.
    ["", "rate", true],
  ];
  for (const [pattern, name, matches] of cases) {
    assert.equal(metricNameMatcher(pattern)(name), matches, `${pattern} ~ ${name}`);
  }
});

test("dryRun rules: any rule naming the metric makes it dry-run", () => {
  const cases: [rules: { metricName: string }[] | undefined, name: string, dryRun: boolean][] = [
    [undefined, "rate", false],
    [[], "rate", false],
    [[{ metricName: "rate" }], "rate", true],
    [[{ metricName: "rate" }], "latency", false],
    [[{ metricName: "rate" }, { metricName: "lat.*" }], "latency", true],
    [[{ metricName: "*" }], "latency", true],
    [[{ metricName: "bad[" }], "latency", false],
  ];
  for (const [rules, name, dryRun] of cases) {
    assert.equal(dryRunMatcher(rules)(name), dryRun, `${JSON.stringify(rules)} ~ ${name}`);
  }
});

test("measurementRetention: the last matching rule with a limit of at least 1, else 10", () => {
  const cases: [rules: { metricName: string; limit: number }[] | undefined, name: string, limit: number][] = [
    [undefined, "rate", 10],
    [[], "rate", 10],
    [[{ metricName: "rate", limit: 3 }], "rate", 3],
    [[{ metricName: "rate", limit: 3 }], "latency", 10],
    [[{ metricName: "*", limit: 20 }], "latency", 20],
    [
      [
        { metricName: "*", limit: 20 },
        { metricName: "rate", limit: 3 },
      ],
      "rate",
      3,
    ],
    [
      [
        { metricName: "*", limit: 20 },
        { metricName: "rate", limit: 3 },
      ],
      "latency",
      20,
    ],
    [
      [
        { metricName: "rate", limit: 3 },
        { metricName: "*", limit: 20 },
      ],
      "rate",
      20,
    ],
    [[{ metricName: "r.*", limit: 50 }], "rate", 50],
    [[{ metricName: "rate", limit: 0 }], "rate", 10],
    [
      [
        { metricName: "rate", limit: 4 },
        { metricName: "*", limit: 0 },
      ],
      "rate",
      4,
    ],
  ];
  for (const [rules, name, limit] of cases) {
    assert.equal(retentionLimit(rules)(name), limit, `${JSON.stringify(rules)} ~ ${name}`);
  }
});

test("a dryRun or measurementRetention rule naming no metric is reported, the first one, by path", () => {
  const metrics = ["rate", "latency-db"];
  const cases: [spec: Parameters<typeof unmatchedRule>[0], error: RegExp | undefined][] = [
    [{}, undefined],
    [{ dryRun: [], measurementRetention: [] }, undefined],
    [{ dryRun: [{ metricName: "rate" }, { metricName: "latency-.*" }] }, undefined],
    [{ dryRun: [{ metricName: "*" }], measurementRetention: [{ metricName: "*", limit: 3 }] }, undefined],
    [
      { dryRun: [{ metricName: "rate" }, { metricName: "error-rate" }] },
      /^spec\.dryRun\[1\]\.metricName "error-rate" names none of the run's metrics \(rate, latency-db\)$/,
    ],
    // Unanchored, as the peer: "latency" names "latency-db"; "^latency$" names nothing here.
    [{ measurementRetention: [{ metricName: "latency", limit: 5 }] }, undefined],
    [{ measurementRetention: [{ metricName: "^latency$", limit: 5 }] }, /^spec\.measurementRetention\[0\]/],
    [
      { dryRun: [{ metricName: "typo" }], measurementRetention: [{ metricName: "x", limit: 1 }] },
      /^spec\.dryRun\[0\]/,
    ],
    [{ dryRun: [{ metricName: "bad[" }] }, /"bad\[" names none/],
  ];
  for (const [spec, error] of cases) {
    const got = unmatchedRule(spec, metrics);
    if (error === undefined) assert.equal(got, undefined, JSON.stringify(spec));
    else assert.match(got ?? "", error, JSON.stringify(spec));
  }
  assert.match(unmatchedRule({ dryRun: [{ metricName: "*" }] }, []) ?? "", /\(none\)$/);
});
