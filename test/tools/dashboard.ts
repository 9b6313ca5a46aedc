// The source of charts/sluice/dashboards/sluice.json, the Grafana dashboard the chart ships
// (npm run gen:dashboard writes it; a unit test checks the committed file is current). Written as
// code so panel ids and the grid layout are computed, not hand-kept; the panels are in
// dashboard-panels.ts. Every query goes to the $datasource variable.
import {
  analysis,
  applications,
  controller,
  type PanelSpec,
  rollouts,
  type Section,
} from "./dashboard-panels.ts";

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template
const DS = { type: "prometheus", uid: "${datasource}" };

function valueMappings(mappings: PanelSpec["mappings"]) {
  if (!mappings) return [];
  const options = Object.fromEntries(
    Object.entries(mappings).map(([value, [text, color]], index) => [value, { text, color, index }]),
  );
  return [{ type: "value", options }];
}

const redFrom = (value: number) => ({
  mode: "absolute",
  steps: [
    { color: "green", value: null },
    { color: "red", value },
  ],
});

function panelJson(spec: PanelSpec, id: number, gridPos: Record<string, number>) {
  const refIds = "ABCDEFGHIJ";
  const targets = spec.queries.map((q, i) => ({
    datasource: DS,
    expr: q.expr,
    legendFormat: q.legend ?? "__auto",
    refId: refIds[i],
    ...(spec.type === "stat" ? { instant: true } : {}),
  }));
  const custom = spec.stack ? { stacking: { mode: "normal", group: "A" }, fillOpacity: 20 } : {};
  return {
    id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    datasource: DS,
    gridPos,
    targets,
    fieldConfig: {
      defaults: {
        ...(spec.unit ? { unit: spec.unit } : {}),
        ...(spec.min !== undefined ? { min: spec.min } : {}),
        ...(spec.max !== undefined ? { max: spec.max } : {}),
        mappings: valueMappings(spec.mappings),
        ...(spec.redFrom !== undefined ? { thresholds: redFrom(spec.redFrom) } : {}),
        custom,
      },
      overrides: [],
    },
    options:
      spec.type === "stat"
        ? { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, graphMode: "none" }
        : {
            legend: { displayMode: "list", placement: "bottom", showLegend: true },
            tooltip: { mode: "multi" },
          },
  };
}

/** Rows with their panels, laid out left to right and wrapped at 24 columns; ids from 1. */
function layout(sections: Section[]) {
  const panels: object[] = [];
  let y = 0;
  for (const [title, specs] of sections) {
    panels.push({
      id: panels.length + 1,
      type: "row",
      title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const spec of specs) {
      const h = spec.h ?? 8;
      if (x + spec.w > 24) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      panels.push(panelJson(spec, panels.length + 1, { h, w: spec.w, x, y }));
      x += spec.w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return panels;
}

const templating = {
  list: [
    {
      name: "datasource",
      label: "Data source",
      type: "datasource",
      query: "prometheus",
      current: {},
      hide: 0,
      refresh: 1,
      regex: "",
      options: [],
    },
    {
      name: "namespace",
      label: "Namespace",
      type: "query",
      datasource: DS,
      definition:
        'label_values({__name__=~"sluice_rollout_info|sluice_analysis_run_info|sluice_app_info"}, namespace)',
      query: {
        query:
          'label_values({__name__=~"sluice_rollout_info|sluice_analysis_run_info|sluice_app_info"}, namespace)',
        refId: "namespace",
      },
      includeAll: true,
      multi: true,
      allValue: ".*",
      current: { selected: true, text: ["All"], value: ["$__all"] },
      refresh: 2,
      sort: 1,
      hide: 0,
      regex: "",
      options: [],
    },
  ],
};

export function dashboard() {
  return {
    title: "sluice",
    uid: "sluice",
    description:
      "Rollouts, analysis, Applications and the sluice controller (charts/sluice/dashboards/sluice.json).",
    tags: ["sluice", "progressive-delivery", "gitops"],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    time: { from: "now-6h", to: "now" },
    refresh: "30s",
    timezone: "",
    annotations: { list: [] },
    links: [],
    templating,
    panels: layout([rollouts, analysis, applications, controller]),
  };
}
