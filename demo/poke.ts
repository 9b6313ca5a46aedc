// "How to poke at it": the commands and URLs for a person to look at the demo from another
// terminal while it runs. Pure, so the text is tested.

export interface PokeTargets {
  kubeconfig: string;
  namespace: string;
  application: string;
  rollout: string;
  /** Directory holding the kubectl-sluice shim (kubectl finds plugins on PATH). */
  binDir: string;
  repoDir: string;
  prometheusUrl: string;
  sluiceMetricsUrl: string;
  exporterUrl: string;
  query: string;
}

export function pokeText(t: PokeTargets): string {
  const promQuery = `${t.prometheusUrl}/graph?g0.expr=${encodeURIComponent(t.query)}&g0.tab=0&g0.range_input=5m`;
  const commands: [string, string][] = [
    [
      `kubectl sluice get rollout ${t.rollout} -w -n ${t.namespace}`,
      "the canary, live (kubectl-sluice alone works too)",
    ],
    [
      `kubectl sluice app get ${t.application} -n ${t.namespace}`,
      "the Application: sync, health, revision, objects",
    ],
    [`kubectl sluice list analysisruns -n ${t.namespace}`, "the analysis verdicts"],
    [`git -C ${t.repoDir} log --oneline`, "the repository sluice syncs from"],
  ];
  const width = Math.max(...commands.map(([c]) => c.length));
  return [
    "In another terminal:",
    `  export KUBECONFIG=${t.kubeconfig} PATH=${t.binDir}:$PATH`,
    ...commands.map(([command, why]) => `  ${command.padEnd(width)}   # ${why}`),
    `Prometheus:       ${t.prometheusUrl}  (error ratio per version: ${promQuery})`,
    `sluice /metrics:  ${t.sluiceMetricsUrl}`,
    `sample exporter:  ${t.exporterUrl}`,
  ].join("\n");
}
