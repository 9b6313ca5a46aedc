// The chart's rules outside the Git side's are each needed, and the Rollout side's suffice alone.
// With the Git side granted nothing (applicationController.rbac.mode=none: where it has every verb,
// it covers the Rollout side's rules too and no removal could show), sluice runs as the chart's
// Deployment runs it. First a canary with nginx traffic routing, background analysis and an analysis
// step (web metric with a secret-backed argument, a Job, a ClusterAnalysisTemplate) is rolled out,
// promoted and restarted with no refusal; Rollouts naming a Gateway API HTTPRoute and an Istio
// VirtualService are looked at too. Then each rule of the main ClusterRole, the leader-election
// Role, the repository-credentials Role and (with watchNamespace) the ClusterAnalysisTemplate
// ClusterRole is taken out in turn and that run (or, for credentials, an Application on an https
// and an ssh repository) goes until the controller is refused.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { parseAllDocuments } from "yaml";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import type { Rollout } from "../../../src/api/rollout.ts";
import { INSTANCE_ID_LABEL } from "../../../src/controller/kernel.ts";
import {
  AnalysisRuns,
  Ingresses,
  type ResourceType,
  Rollouts,
  Services,
} from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { analysisFixtures, appFiles } from "../../helpers/chart-app.ts";
import type { ChartObject } from "../../helpers/chart-install.ts";
import {
  createApplication,
  type Install,
  type Installed,
  install,
  refusals,
  refused,
} from "../../helpers/chart-rbac.ts";
import { testClient } from "../../helpers/kube.ts";
import { podTemplate, rolloutIn } from "../../helpers/rollouts.ts";
import { installTrafficCrds } from "../../helpers/traffic-crds.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const GIT_SIDE_NONE: Install = {
  name: "Git side granted nothing",
  values: () => ["applicationController.rbac.mode=none"],
};

/** With watchNamespace, only a ClusterRole of its own grants ClusterAnalysisTemplates. */
const ONE_NAMESPACE_GIT_SIDE_NONE: Install = {
  name: "watchNamespace, Git side granted nothing",
  values: (app) => [`watchNamespace=${app}`, "applicationController.rbac.mode=none"],
};

const KINDS: Record<string, ResourceType> = { Service: Services, Ingress: Ingresses, Rollout: Rollouts };

/** The app's Services, stable Ingress and Rollout (as in Git for the other RBAC test), created directly. */
async function createApp(t: TestContext, at: Installed): Promise<void> {
  const clusterTemplate = await analysisFixtures(t, at);
  const files = appFiles("web:1", clusterTemplate, at.release);
  for (const file of ["app/services.yaml", "app/ingress.yaml", "app/rollout.yaml"]) {
    for (const doc of parseAllDocuments(files[file] ?? "")) {
      const object = doc.toJS() as KubeObject;
      const type = KINDS[object.kind ?? ""];
      assert.ok(type, `a kind this test creates: ${object.kind}`);
      await testClient().create(
        type,
        { ...object, metadata: { ...object.metadata, namespace: at.appNamespace } },
        "test",
      );
    }
  }
}

/** `<name>-stable` and `<name>-canary`, selecting the app's pods. */
async function createCanaryServices(at: Installed, name: string): Promise<void> {
  for (const suffix of ["stable", "canary"])
    await testClient().create(
      Services,
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: `${name}-${suffix}`, namespace: at.appNamespace },
        spec: { selector: { app: name }, ports: [{ port: 80 }] },
      } as KubeObject,
      "test",
    );
}

/** Rollouts naming an HTTPRoute and a VirtualService (absent: looking for them is what needs the rules). */
async function createRoutedElsewhere(at: Installed): Promise<void> {
  const routers = {
    gw: { plugins: { "argoproj-labs/gatewayAPI": { httpRoute: "gw-route" } } },
    mesh: { istio: { virtualService: { name: "mesh-vs", routes: ["primary"] } } },
  };
  for (const [name, trafficRouting] of Object.entries(routers)) {
    await createCanaryServices(at, name);
    const rollout: Rollout = {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "Rollout",
      metadata: { name, namespace: at.appNamespace, labels: { [INSTANCE_ID_LABEL]: at.release } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: podTemplate("x:1", { app: name }),
        strategy: {
          canary: {
            canaryService: `${name}-canary`,
            stableService: `${name}-stable`,
            trafficRouting,
            steps: [{ setWeight: 50 }],
          },
        },
      },
    } as Rollout;
    await testClient().create(Rollouts, rollout, "test");
  }
}

/** v1 Healthy, v2 walked through its analysis to the pause, promoted, Healthy, then restarted. */
async function walkCanary(at: Installed): Promise<void> {
  const rollout = rolloutIn(at.appNamespace);
  const v1 = await rollout.until("v1 Healthy", (r) => r.status?.phase === "Healthy", 60_000);
  await rollout.patchSpec({ template: podTemplate("web:2") });
  await rollout.until(
    "v2 paused after its analysis",
    (r) => r.status?.currentStepIndex === 2 && (r.status.pauseConditions?.length ?? 0) > 0,
    60_000,
  );
  await rollout.patchStatus({ pauseConditions: null });
  await rollout.until(
    "v2 promoted",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS !== v1.status?.stableRS,
    60_000,
  );
  const restartAt = new Date().toISOString();
  await rollout.patchSpec({ restartAt });
  await rollout.until("restarted", (r) => r.status?.restartedAt === restartAt, 45_000);
}

/**
 * A canary without a router taken to v2: handing its stable Service over reads the Service's
 * EndpointSlices before the old pod goes.
 */
async function walkPlainCanary(at: Installed): Promise<void> {
  const name = "plain";
  await createCanaryServices(at, name);
  const canary = {
    canaryService: `${name}-canary`,
    stableService: `${name}-stable`,
    steps: [{ setWeight: 50 }],
  };
  await testClient().create(
    Rollouts,
    {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "Rollout",
      metadata: { name, namespace: at.appNamespace, labels: { [INSTANCE_ID_LABEL]: at.release } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: podTemplate("x:1", { app: name }),
        strategy: { canary },
      },
    } as Rollout,
    "test",
  );
  const plain = rolloutIn(at.appNamespace, name);
  await plain.until("plain v1 Healthy", (r) => r.status?.phase === "Healthy", 60_000);
  await plain.patchSpec({ template: podTemplate("x:2", { app: name }) });
  await plain.until(
    "plain v2 Healthy, the old pod gone",
    (r) =>
      r.status?.phase === "Healthy" &&
      r.status.stableRS === r.status.currentPodHash &&
      r.status.replicas === 1,
    60_000,
  );
}

/** The Rollout side's whole run. */
async function rolloutScenario(t: TestContext, at: Installed): Promise<void> {
  await createApp(t, at);
  await createRoutedElsewhere(at);
  await walkCanary(at);
  await walkPlainCanary(at);
}

/** Applications on an https and an ssh repository: reading their credentials needs the Role. */
async function credentialsScenario(_t: TestContext, at: Installed): Promise<void> {
  await createApplication(at, "https://127.0.0.1:9/team/app.git", "over-https");
  await createApplication(at, "ssh://git@127.0.0.1:9/team/app.git", "over-ssh");
}

test("the Rollout side's rules alone cover a routed canary with analysis, promoted and restarted", async (t) => {
  await installTrafficCrds();
  const at = await install(t, GIT_SIDE_NONE);
  await rolloutScenario(t, at);
  assert.equal((await at.sluice.stop()).code, 0, "SIGTERM stops it cleanly");
  assert.deepEqual(await refusals(at), [], "no request of the controller was refused");
});

/** A rule the chart renders: the Role/ClusterRole's name after the release's, and its index. */
interface ChartRule {
  kind: "Role" | "ClusterRole";
  suffix: string;
  rule: number;
  scenario: (t: TestContext, at: Installed) => Promise<void>;
  install?: Install;
}

const MAIN_RULES = 15;
const RULES: ChartRule[] = [
  ...Array.from({ length: MAIN_RULES }, (_, rule) => ({
    kind: "ClusterRole" as const,
    suffix: "",
    rule,
    scenario: rolloutScenario,
  })),
  { kind: "Role", suffix: "-leader-election", rule: 0, scenario: rolloutScenario },
  {
    kind: "ClusterRole",
    suffix: "-cluster-templates",
    rule: 0,
    scenario: rolloutScenario,
    install: ONE_NAMESPACE_GIT_SIDE_NONE,
  },
  { kind: "Role", suffix: "-repo-credentials", rule: 0, scenario: credentialsScenario },
  { kind: "Role", suffix: "-repo-credentials", rule: 1, scenario: credentialsScenario },
];

/** The chart's rendered objects without `chartRule`; returns the rule taken out, as JSON. */
function withoutRule(docs: ChartObject[], chartRule: ChartRule): string {
  const release = docs.find((d) => d.kind === "Deployment")?.metadata.name ?? "";
  // The one-namespace ClusterRole is named <release>-<watchNamespace>-cluster-templates.
  const role = docs.find(
    (d) =>
      d.kind === chartRule.kind &&
      (chartRule.suffix === ""
        ? d.metadata.name === release
        : d.metadata.name.startsWith(release) && d.metadata.name.endsWith(chartRule.suffix)),
  );
  const [rule] = role?.rules?.splice(chartRule.rule, 1) ?? [];
  assert.ok(
    rule,
    `the chart renders ${chartRule.kind} ${release}…${chartRule.suffix} with rule ${chartRule.rule}`,
  );
  return JSON.stringify(rule);
}

/**
 * Refusals anywhere sluice reports them: its log, Applications' status, and AnalysisRuns'
 * measurements (a Job metric's refused create is an errored measurement long before the run ends).
 */
async function refusalsAnywhere(at: Installed): Promise<string[]> {
  const runs = await testClient().list<AnalysisRun>(AnalysisRuns, { namespace: at.appNamespace });
  const measured = runs.items.map((r) => JSON.stringify(r.status ?? {})).filter(refused);
  return [...(await refusals(at)), ...measured];
}

test("without any one of the Rollout side's, the kernel's or the credentials' rules, sluice is refused somewhere", async (t) => {
  await installTrafficCrds();
  for (const chartRule of RULES) {
    let removed = "";
    await t.test(`${chartRule.kind} <release>${chartRule.suffix} rule ${chartRule.rule}`, async (t) => {
      const at = await install(t, chartRule.install ?? GIT_SIDE_NONE, (docs) => {
        removed = withoutRule(docs, chartRule);
      });
      // The run goes on in the background until a refusal shows (it may never finish without the rule).
      const run = chartRule.scenario(t, at).catch((error: unknown) => error);
      const [refusal] = await waitFor(
        `a refusal without ${removed}`,
        async () => {
          const lines = await refusalsAnywhere(at);
          if (lines.length > 0) return lines;
          const ended = await Promise.race([run, Promise.resolve("running")]);
          return pending(
            ended === "running" ? "no refusal yet" : `the run ended without one: ${String(ended)}`,
          );
        },
        { timeoutMs: 120_000 },
      );
      t.diagnostic(`without ${removed}: ${refusal?.slice(0, 300)}`);
      await at.sluice.stop();
    });
  }
});
