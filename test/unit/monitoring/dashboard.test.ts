// The Grafana dashboard the chart ships: the committed JSON is what test/tools/dashboard.ts
// generates, it is a dashboard Grafana can load (unique panel ids, every query on the $datasource
// variable, a $namespace variable), and `helm template` with metrics.grafanaDashboard.enabled puts
// exactly that JSON in a ConfigMap carrying the sidecar's label.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { chartDir, helmRun, noHelm, renderChart } from "../../helpers/chart.ts";
import { dashboard } from "../../tools/dashboard.ts";
import { metricNames } from "../../tools/promql-names.ts";

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; refId: string; datasource?: { uid: string } }[];
}

// Grafana's variable syntax, spelled without a template literal lookalike (Biome warns on "${…}").
const DATASOURCE = ["$", "{datasource}"].join("");

const committedText = () => readFile(join(chartDir, "dashboards/sluice.json"), "utf8");

test("dashboards/sluice.json is current (npm run gen:dashboard)", async () => {
  assert.deepEqual(JSON.parse(await committedText()), dashboard(), "stale: run npm run gen:dashboard");
});

test("every panel has a unique id; every non-row panel queries $datasource and has targets", async () => {
  const json = JSON.parse(await committedText()) as { panels: Panel[]; templating: { list: object[] } };
  const ids = json.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, `duplicate panel ids: ${ids}`);
  const panels = json.panels.filter((p) => p.type !== "row");
  assert.ok(panels.length >= 15, `only ${panels.length} panels`);
  for (const panel of panels) {
    assert.deepEqual(panel.datasource, { type: "prometheus", uid: DATASOURCE }, panel.title);
    assert.ok(panel.targets && panel.targets.length > 0, `${panel.title} has no target`);
    const refIds = panel.targets.map((t) => t.refId);
    assert.equal(new Set(refIds).size, refIds.length, `${panel.title}: duplicate refIds`);
    for (const target of panel.targets) {
      assert.equal(target.datasource?.uid, DATASOURCE, panel.title);
      assert.ok(
        metricNames(target.expr).some((n) => n.startsWith("sluice_")),
        `${panel.title}: ${target.expr} reads no sluice metric`,
      );
    }
  }
  const variables = json.templating.list as { name: string; type: string; query: unknown }[];
  assert.deepEqual(
    variables.map((v) => [v.name, v.type]),
    [
      ["datasource", "datasource"],
      ["namespace", "query"],
    ],
  );
  assert.equal(variables[0]?.query, "prometheus");
});

test("the panels a user looks for are there", async () => {
  const titles = (JSON.parse(await committedText()) as { panels: Panel[] }).panels.map((p) => p.title);
  for (const title of [
    "Rollout phase",
    "Current step",
    "Canary weight",
    "Metric verdicts",
    "Measured values",
    "Reconcile latency",
    "Work queue depth",
    "Applications by sync and health",
    "Git fetch errors",
    "Webhook deliveries",
  ])
    assert.ok(titles.includes(title), `no panel "${title}"`);
});

test("the dashboard ConfigMap: off by default; on, it carries the sidecar label and the same JSON", {
  skip: noHelm,
}, async () => {
  assert.ok(
    !(await renderChart()).some((o) => o.kind === "ConfigMap" && o.metadata.name === "rel-dashboard"),
  );
  const on = (await renderChart(["metrics.grafanaDashboard.enabled=true"])).find(
    (o) => o.kind === "ConfigMap" && o.metadata.name === "rel-dashboard",
  );
  assert.ok(on, "no rel-dashboard ConfigMap");
  assert.equal(on.metadata.namespace, "ns");
  assert.equal(on.metadata.labels?.grafana_dashboard, "1");
  assert.deepEqual(JSON.parse(on.data?.["sluice.json"] ?? ""), JSON.parse(await committedText()));

  const moved = (
    await renderChart([
      "metrics.grafanaDashboard.enabled=true",
      "metrics.grafanaDashboard.namespace=monitoring",
      "metrics.grafanaDashboard.label=team_dashboard",
      "metrics.grafanaDashboard.labelValue=yes",
    ])
  ).find((o) => o.kind === "ConfigMap" && o.metadata.name === "rel-dashboard");
  assert.equal(moved?.metadata.namespace, "monitoring");
  assert.equal(moved?.metadata.labels?.team_dashboard, "yes");
  assert.equal(moved?.metadata.labels?.grafana_dashboard, undefined);
});

test("helm lint --strict is clean with the dashboard and the alert rules on", { skip: noHelm }, async () => {
  const { stdout } = await helmRun([
    "lint",
    "--strict",
    chartDir,
    ...["metrics.grafanaDashboard.enabled=true", "metrics.prometheusRule.enabled=true"].flatMap((s) => [
      "--set",
      s,
    ]),
  ]);
  assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/, stdout);
  assert.doesNotMatch(stdout, /\[(WARNING|ERROR)\]/, stdout);
});
