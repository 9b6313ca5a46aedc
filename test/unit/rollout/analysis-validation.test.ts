// The referenced analysis checked up front: every block the spec names, each problem with its field.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import { analysisBlocks, analysisProblems } from "../../../src/api/rollout-analysis-validation.ts";
import type { TemplateLookup } from "../../../src/rollout/context.ts";

const rollout: Rollout = {
  metadata: { name: "web", namespace: "ns", labels: { team: "a" } },
  spec: {
    strategy: {
      canary: {
        steps: [
          { setWeight: 20 },
          { analysis: { templates: [{ templateName: "ok" }] } },
          { analysis: { templates: [{ templateName: "gone" }] } },
          {
            analysis: {
              templates: [{ templateName: "needs-arg" }],
              args: [{ name: "owner", valueFrom: { fieldRef: { fieldPath: "metadata.labels['owner']" } } }],
            },
          },
        ],
        analysis: { templates: [{ templateName: "endless" }] },
      },
    },
  },
};

const metric = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  provider: { web: { url: "http://x" } },
  ...extra,
});

test("every block, each with its field; missing is waited for, the rest is invalid", () => {
  const blocks = analysisBlocks(rollout);
  assert.deepEqual(
    blocks.map((b) => b.field),
    [
      "spec.strategy.canary.steps[1].analysis",
      "spec.strategy.canary.steps[2].analysis",
      "spec.strategy.canary.steps[3].analysis",
      "spec.strategy.canary.analysis",
    ],
  );
  const lookups = new Map<string, TemplateLookup>([
    [
      "spec.strategy.canary.steps[1].analysis",
      { found: [{ name: "ok", spec: { metrics: [metric("m", { count: 1 })] } }] },
    ],
    ["spec.strategy.canary.steps[2].analysis", { missing: 'AnalysisTemplate "gone" not found' }],
    [
      "spec.strategy.canary.steps[3].analysis",
      {
        found: [
          { name: "needs-arg", spec: { args: [{ name: "owner" }], metrics: [metric("n", { count: 1 })] } },
        ],
      },
    ],
    // Background analysis may measure until the update ends: an endless metric is fine there.
    [
      "spec.strategy.canary.analysis",
      { found: [{ name: "endless", spec: { metrics: [metric("e", { interval: "5s" })] } }] },
    ],
  ]);
  const problems = analysisProblems(rollout, blocks, lookups);
  assert.deepEqual(problems.waiting, [
    'spec.strategy.canary.steps[2].analysis: AnalysisTemplate "gone" not found (waiting for it)',
  ]);
  assert.equal(problems.invalid.length, 1);
  assert.match(
    problems.invalid[0] ?? "",
    /^spec\.strategy\.canary\.steps\[3\]\.analysis: args\[owner\]\.valueFrom: /,
  );
});

test("a step metric that never ends is invalid; a block not looked up is not judged", () => {
  const blocks = analysisBlocks(rollout);
  const lookups = new Map<string, TemplateLookup>([
    [
      "spec.strategy.canary.steps[1].analysis",
      { found: [{ name: "ok", spec: { metrics: [metric("m", { interval: "1s" })] } }] },
    ],
  ]);
  assert.deepEqual(analysisProblems(rollout, blocks, lookups).invalid, [
    'spec.strategy.canary.steps[1].analysis: metric "m" has an interval and no count, so it never ends; only background analysis may run indefinitely',
  ]);
});

test("a provider or condition sluice does not implement is an InvalidSpec up front, never a run Error", () => {
  const single: Rollout = {
    metadata: { name: "web", namespace: "ns" },
    spec: { strategy: { canary: { steps: [{ analysis: { templates: [{ templateName: "t" }] } }] } } },
  };
  const blocks = analysisBlocks(single);
  const problemsWith = (spec: Record<string, unknown>) =>
    analysisProblems(single, blocks, new Map([[blocks[0]?.field ?? "", { found: [{ name: "t", spec }] }]]))
      .invalid;
  assert.deepEqual(
    problemsWith({ metrics: [{ name: "dd", count: 1, provider: { datadog: { query: "x" } } }] }),
    ['spec.strategy.canary.steps[0].analysis: metric "dd": provider datadog is not supported yet'],
  );
  assert.match(
    problemsWith({
      metrics: [
        {
          name: "m",
          count: 1,
          successCondition: "upper(result) == 'OK'",
          provider: { web: { url: "http://x" } },
        },
      ],
    })[0] ?? "",
    /metric "m": successCondition: expression "upper\(result\) == 'OK'": function upper is not supported yet$/,
  );
  assert.deepEqual(
    problemsWith({
      metrics: [
        {
          name: "m",
          count: 1,
          successCondition: 'result contains "ok" && result[0] >= {{args.min}}',
          provider: { web: { url: "http://x" } },
        },
      ],
      args: [{ name: "min", value: "1" }],
    }),
    [],
    "placeholders and the string operators are fine",
  );
});
