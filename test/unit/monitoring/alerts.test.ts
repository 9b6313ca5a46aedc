// The chart's alert rules load in Prometheus's own tool: `promtool check rules` on the rule groups
// `helm template` renders into the PrometheusRule, and `promtool test rules` shows the Rollout
// alerts fire (and stay quiet) for the series sluice exposes. promtool comes with Debian's
// prometheus package, which the harness uses for its Prometheus.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { noHelm, renderedRuleGroups } from "../../helpers/chart.ts";

const run = promisify(execFile);
const promtool = "/usr/bin/promtool";
const skip = noHelm || (existsSync(promtool) ? false : `no ${promtool} (apt-get install prometheus)`);

async function workDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-rules-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** promtool's output on failure is the reason; returned so an assertion can show it. */
async function promtoolRun(args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(promtool, args);
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? e.message}` };
  }
}

test("promtool check rules accepts the rendered rules, with default and non-default values", {
  skip,
}, async (t) => {
  const dir = await workDir(t);
  for (const [i, set] of [
    [],
    ["leaderElection.enabled=false", "replicas=1", "metrics.prometheusRule.alertLabels.team=platform"],
    ["metrics.prometheusRule.for=2m", "metrics.prometheusRule.degradedFor=30m"],
  ].entries()) {
    const groups = await renderedRuleGroups(set);
    const alerts = groups.flatMap((g) => g.rules.map((r) => r.alert));
    for (const name of ["SluiceRolloutAborted", "SluiceRolloutDegraded", "SluiceAppSyncFailed"])
      assert.ok(alerts.includes(name), `${name} missing with ${set}`);
    const file = join(dir, `rules-${i}.yaml`);
    await writeFile(file, stringify({ groups }));
    const checked = await promtoolRun(["check", "rules", file]);
    assert.ok(checked.ok, checked.output);
    assert.match(checked.output, new RegExp(`SUCCESS: ${alerts.length} rules found`), checked.output);
  }
});

test("a break in the rules makes promtool fail (the check can fail)", { skip }, async (t) => {
  const dir = await workDir(t);
  const groups = await renderedRuleGroups();
  const first = groups[0]?.rules[0];
  assert.ok(first);
  first.expr = `${first.expr} by (`;
  await writeFile(join(dir, "broken.yaml"), stringify({ groups }));
  const checked = await promtoolRun(["check", "rules", join(dir, "broken.yaml")]);
  assert.ok(!checked.ok, checked.output);
});

const aborted = {
  summary: "Rollout shop/web aborted its update",
  description:
    "The update of Rollout shop/web was aborted (failed analysis, or kubectl sluice abort); the stable version serves all traffic. kubectl sluice get rollout web -n shop says why; kubectl sluice retry rollout tries again.",
};
const degraded = {
  summary: "Rollout shop/api has been Degraded for 10m",
  description:
    "Rollout shop/api is Degraded without an abort (progress deadline exceeded, pods not becoming available, or an invalid spec). kubectl sluice get rollout api -n shop shows the condition's message.",
};

test("promtool test rules: an aborted Rollout alerts at once; a Degraded one after 10 minutes, not twice", {
  skip,
}, async (t) => {
  const dir = await workDir(t);
  await writeFile(join(dir, "rules.yaml"), stringify({ groups: await renderedRuleGroups() }));
  const series = (name: string, labels: string, values: string) => ({
    series: `${name}{job="rel-metrics", namespace="shop", ${labels}}`,
    values,
  });
  const info = (rollout: string) =>
    `name="${rollout}", strategy="canary", traffic_router="Nginx", phase="Degraded"`;
  const tests = {
    rule_files: ["rules.yaml"],
    evaluation_interval: "1m",
    tests: [
      {
        interval: "1m",
        input_series: [
          // web: aborted (and so Degraded) from minute 2.
          series("sluice_rollout_aborted", 'name="web"', "0 0 1x20"),
          series("sluice_rollout_info", info("web"), "_ _ 1x20"),
          // api: Degraded (a progress deadline, say) from minute 0, never aborted.
          series("sluice_rollout_aborted", 'name="api"', "0x22"),
          series("sluice_rollout_info", info("api"), "1x22"),
        ],
        alert_rule_test: [
          { eval_time: "1m", alertname: "SluiceRolloutAborted", exp_alerts: [] },
          {
            eval_time: "2m",
            alertname: "SluiceRolloutAborted",
            exp_alerts: [
              {
                exp_labels: { severity: "warning", namespace: "shop", name: "web" },
                exp_annotations: aborted,
              },
            ],
          },
          { eval_time: "9m", alertname: "SluiceRolloutDegraded", exp_alerts: [] },
          {
            eval_time: "15m",
            alertname: "SluiceRolloutDegraded",
            exp_alerts: [
              {
                exp_labels: { severity: "critical", namespace: "shop", name: "api" },
                exp_annotations: degraded,
              },
            ],
          },
        ],
      },
    ],
  };
  await writeFile(join(dir, "tests.yaml"), stringify(tests));
  const tested = await promtoolRun(["test", "rules", join(dir, "tests.yaml")]);
  assert.ok(tested.ok, tested.output);
  assert.match(tested.output, /SUCCESS/);
});
