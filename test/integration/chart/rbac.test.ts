// The chart's RBAC is enough for what the controller does, and the Git side's rules are each
// needed. The chart's ServiceAccount, roles and bindings are installed for real and sluice runs as
// the chart's Deployment runs it (its args and env, a TokenRequest token of its ServiceAccount; see
// test/helpers/chart-install.ts). A Git repository holds an app — ConfigMaps, the stable and canary
// Services, an nginx Ingress and a Rollout with nginx traffic routing, background analysis and an
// analysis step (a web metric with a secret-backed argument, a Job metric, a
// ClusterAnalysisTemplate) — which an Application in the release namespace deploys into another
// namespace. A commit of a new image (and without one ConfigMap) is synced, pruned, and walked as a
// canary by canary-Ingress weight, promoted and restarted. Any verb the chart forgot is a 403 the
// controller logs (or reports in an Application's status), so none may show, everything must finish
// and SIGTERM must end the controller cleanly; this runs for each way the
// chart can grant the Git side its rights. Where it may deploy only into some namespaces, an
// Application aimed elsewhere is refused by sluice itself. Each install has its own instanceID (the
// cluster is shared; a Rollout without the label beside the app is left alone). Then each of the Git
// side's rules is taken out in turn and the Git part alone is run again: a refusal shows, so the
// first test would fail (and the controller still stops at once).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import type { Rollout } from "../../../src/api/rollout.ts";
import { INSTANCE_ID_LABEL } from "../../../src/controller/kernel.ts";
import {
  AnalysisRuns,
  Applications,
  ConfigMaps,
  Ingresses,
  Namespaces,
  Rollouts,
} from "../../../src/kube/resources.ts";
import { analysisFixtures, appFiles, configMap, json, service } from "../../helpers/chart-app.ts";
import {
  appUntil,
  createApplication,
  type Install,
  type Installed,
  install,
  refusals,
} from "../../helpers/chart-rbac.ts";
import { repository } from "../../helpers/gitops.ts";
import { testClient } from "../../helpers/kube.ts";
import {
  createRollout,
  createServices,
  podTemplate,
  rolloutIn,
  scalesByHash,
  selectorHash,
} from "../../helpers/rollouts.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const ALL_NAMESPACES_CLUSTER: Install = {
  name: "all namespaces, Git side cluster-wide (defaults)",
  values: () => [],
};
const ALL_NAMESPACES_NAMESPACED: Install = {
  name: "all namespaces, Git side namespaced",
  // A cluster-scoped object in Git — another Namespace (the destination's own is covered by the
  // Role in it: RBAC checks namespaces/<x> in namespace <x>) — allowed by a clusterRules rule that
  // grants no list or watch, so sluice reads it by GET.
  values: (app) => [
    "applicationController.rbac.mode=namespaced",
    `applicationController.rbac.namespaces={${app}}`,
    "applicationController.rbac.clusterRules[0].apiGroups[0]=",
    "applicationController.rbac.clusterRules[0].resources[0]=namespaces",
    "applicationController.rbac.clusterRules[0].verbs={get,create,patch}",
  ],
  files: (app) => ({
    "app/namespace.yaml": json({ apiVersion: "v1", kind: "Namespace", metadata: { name: `${app}-x` } }),
  }),
  clusterObjects: (app) => [{ type: Namespaces, name: `${app}-x` }],
};
const ONE_NAMESPACE: Install = {
  name: "watchNamespace, Git side in it",
  values: (app) => [`watchNamespace=${app}`],
};

const WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";

/** The canary Ingress's weight, once the nginx router has made it. */
const canaryWeight = async (namespace: string) =>
  (await testClient().get(Ingresses, { namespace, name: "web-web-ing-canary" })).metadata?.annotations?.[
    WEIGHT
  ];

/** v2 from Git: pruned, walked by weight through its analysis to the pause, promoted, Healthy. */
async function canaryFromGit(
  at: Installed,
  repo: Awaited<ReturnType<typeof repository>>,
  clusterTemplate: string,
) {
  const client = testClient();
  const namespace = at.appNamespace;
  const rollout = rolloutIn(namespace);
  const v1 = await rollout.until("v1 Healthy", (r) => r.status?.phase === "Healthy", 60_000);
  const sha = await repo.commit(
    { ...appFiles("web:2", clusterTemplate, at.release), ...at.files, "app/obsolete.yaml": null },
    "v2",
  );
  await client.mergePatch(
    Applications,
    { namespace: at.namespace, name: "demo" },
    { metadata: { annotations: { "argocd.argoproj.io/refresh": "normal" } } },
    "test",
  );
  await waitFor("the ConfigMap Git dropped pruned", async () =>
    (await client.list(ConfigMaps, { namespace })).items.some((c) => c.metadata?.name === "obsolete")
      ? pending("still there")
      : true,
  );
  await rollout.until(
    "v2 paused after its analysis",
    (r) => r.status?.currentStepIndex === 2 && (r.status.pauseConditions?.length ?? 0) > 0,
    60_000,
  );
  assert.equal(await canaryWeight(namespace), "50", "the canary Ingress carries the step's weight");
  await rollout.patchStatus({ pauseConditions: null });
  await rollout.until(
    "v2 promoted",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS !== v1.status?.stableRS,
    60_000,
  );
  assert.equal(await canaryWeight(namespace), "0", "traffic back on stable, the canary Ingress kept at 0");
  const runs = (await client.list<AnalysisRun>(AnalysisRuns, { namespace })).items;
  const step = runs.find((r) => r.metadata?.labels?.["rollout-type"] === "Step");
  assert.equal(step?.status?.phase, "Successful", "the step's probe, Job and cluster template passed");
  assert.deepEqual(step?.spec?.metrics?.map((m) => m.name).sort(), ["probe", "smoke", "up"]);
  await waitFor("the background run terminated by the controller", async () => {
    const [background] = (
      await client.list<AnalysisRun>(AnalysisRuns, { namespace, labelSelector: "rollout-type=Background" })
    ).items;
    return background?.spec?.terminate === true ? true : pending(JSON.stringify(background?.spec));
  });
  await appUntil(
    at,
    "the Application Synced and Healthy at v2",
    (a) =>
      a.status?.sync?.status === "Synced" &&
      a.status.sync.revision === sha &&
      a.status.health?.status === "Healthy",
  );
  // A restart evicts pods (pods list, pods/eviction).
  const restartAt = new Date().toISOString();
  await rollout.patchSpec({ restartAt });
  await rollout.until("restarted", (r) => r.status?.restartedAt === restartAt, 45_000);
}

for (const how of [ALL_NAMESPACES_CLUSTER, ALL_NAMESPACES_NAMESPACED, ONE_NAMESPACE])
  test(`the chart's RBAC (${how.name}) covers a Git-synced app walked as an nginx canary with analysis`, async (t) => {
    const at = await install(t, how);
    const clusterTemplate = await analysisFixtures(t, at);
    const repo = await repository(t);
    const sha = await repo.commit({ ...appFiles("web:1", clusterTemplate, at.release), ...at.files }, "v1");
    await createApplication(at, repo.url);
    // A Rollout of no instance (another controller's) beside it: this one must leave it alone.
    const bystander = await createRollout(
      at.appNamespace,
      { canary: { steps: [{ setWeight: 50 }] } },
      {
        name: "bystander",
        spec: {
          selector: { matchLabels: { app: "bystander" } },
          template: podTemplate("x:1", { app: "bystander" }),
        },
      },
    );
    await appUntil(
      at,
      "the Application Synced at v1",
      (a) => a.status?.sync?.status === "Synced" && a.status.sync.revision === sha,
    );
    await canaryFromGit(at, repo, clusterTemplate);
    if (how !== ALL_NAMESPACES_CLUSTER) {
      // Where the Git side has no rights, sluice refuses the Application itself instead of
      // meeting a 403 at sync.
      await createApplication(at, repo.url, "elsewhere", at.namespace);
      const refused = await appUntil(
        at,
        "an Application deploying outside the Git side's namespaces refused",
        (a) => a.status?.conditions?.some((c) => c.type === "InvalidSpecError") === true,
        "elsewhere",
      );
      const message = refused.status?.conditions?.find((c) => c.type === "InvalidSpecError")?.message ?? "";
      assert.ok(message.includes(`"${at.appNamespace}"`), message);
    }
    const untouched = await testClient().get<Rollout>(Rollouts, {
      namespace: at.appNamespace,
      name: "bystander",
    });
    assert.equal(
      untouched.metadata?.resourceVersion,
      bystander.metadata?.resourceVersion,
      "another instance's Rollout",
    );
    assert.equal((await at.sluice.stop()).code, 0, "SIGTERM stops it cleanly");
    assert.deepEqual(await refusals(at), [], "no request of the controller was refused");
  });

test("RBAC without endpointslices (as written for the peer): a canary without a router still finishes its update", async (t) => {
  let removed = "";
  // The Git side granted nothing (mode none): its rules would allow everything anyway.
  const rolloutsOnly: Install = {
    name: "no Git side",
    values: () => ["applicationController.rbac.mode=none"],
  };
  const at = await install(t, rolloutsOnly, (docs) => {
    for (const doc of docs)
      if (doc.kind === "ClusterRole" && doc.rules)
        doc.rules = doc.rules.filter((rule) => {
          const drop = rule.resources?.includes("endpointslices") === true;
          if (drop) removed = JSON.stringify(rule);
          return !drop;
        });
  });
  assert.ok(removed, "the chart grants endpointslices somewhere");
  const namespace = at.appNamespace;
  await createServices(namespace, ["web-stable", "web-canary"]);
  await createRollout(
    namespace,
    {
      canary: {
        stableService: "web-stable",
        canaryService: "web-canary",
        steps: [{ setWeight: 50 }, { pause: { duration: "1s" } }],
      },
    },
    { labels: { [INSTANCE_ID_LABEL]: at.release } },
  );
  const rollout = rolloutIn(namespace);
  const v1 = await rollout.until("v1 Healthy", (r) => r.status?.phase === "Healthy", 60_000);
  await rollout.patchSpec({ template: podTemplate("web:2") });
  const v2 = await rollout.until(
    "v2 Healthy, the stable Service handed over",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS !== v1.status?.stableRS,
    60_000,
  );
  assert.equal(await selectorHash(namespace, "web-stable"), v2.status?.stableRS);
  await waitFor("the old ReplicaSet scaled to 0", async () => {
    const scales = await scalesByHash(namespace);
    return scales[v1.status?.stableRS ?? ""]?.[0] === 0 ? true : pending(JSON.stringify(scales));
  });
  const lines = await at.sluice.log();
  assert.ok(
    lines.some((l) => l.includes("cannot list EndpointSlices") && l.includes("endpointslices list")),
    "a warning names the missing rule",
  );
  assert.equal((await at.sluice.stop()).code, 0);
});

/** One of the Git side's rules, and an install where nothing else grants what it does. */
interface GitRule {
  install: Install;
  kind: "Role" | "ClusterRole";
  /** The object's name after the release's, and for a Role whether it is in the app's namespace. */
  suffix: string;
  inAppNamespace: boolean;
  rule: number;
}

const GIT_RULES: GitRule[] = [
  // What Applications apply: everything, cluster-wide or in the namespaces given.
  {
    install: ALL_NAMESPACES_CLUSTER,
    kind: "ClusterRole",
    suffix: "-application-controller",
    inAppNamespace: false,
    rule: 0,
  },
  {
    install: ALL_NAMESPACES_NAMESPACED,
    kind: "Role",
    suffix: "-application-controller",
    inAppNamespace: true,
    rule: 0,
  },
  { install: ONE_NAMESPACE, kind: "Role", suffix: "-application-controller", inAppNamespace: true, rule: 0 },
  // The namespaced Git side's clusterRules (here: the Namespace in Git).
  {
    install: ALL_NAMESPACES_NAMESPACED,
    kind: "ClusterRole",
    suffix: "-application-controller-cluster",
    inAppNamespace: false,
    rule: 0,
  },
  // Applications, their status and their Events in the release namespace (with watchNamespace,
  // nothing else grants Events there).
  { install: ONE_NAMESPACE, kind: "Role", suffix: "-applications", inAppNamespace: false, rule: 0 },
  { install: ONE_NAMESPACE, kind: "Role", suffix: "-applications", inAppNamespace: false, rule: 1 },
  { install: ONE_NAMESPACE, kind: "Role", suffix: "-applications", inAppNamespace: false, rule: 2 },
];

test("without any one of the Git side's rules, syncing an Application is refused somewhere", async (t) => {
  for (const gitRule of GIT_RULES) {
    let removed = "";
    await t.test(
      `${gitRule.install.name}: ${gitRule.kind} <release>${gitRule.suffix} rule ${gitRule.rule}`,
      async (t) => {
        const at = await install(t, gitRule.install, (docs) => {
          const release = docs.find((d) => d.kind === "Deployment")?.metadata.name ?? "";
          const role = docs.find(
            (d) =>
              d.kind === gitRule.kind &&
              d.metadata.name === `${release}${gitRule.suffix}` &&
              (gitRule.kind === "ClusterRole" ||
                (d.metadata.namespace !== undefined) === gitRule.inAppNamespace),
          );
          const [rule] = role?.rules?.splice(gitRule.rule, 1) ?? [];
          assert.ok(
            rule,
            `the chart renders ${gitRule.kind} ${release}${gitRule.suffix} with rule ${gitRule.rule}`,
          );
          removed = JSON.stringify(rule);
        });
        const repo = await repository(t);
        await repo.commit(
          {
            "app/settings.yaml": json(configMap("settings")),
            "app/web.yaml": json(service("web")),
            ...at.files,
          },
          "v1",
        );
        await createApplication(at, repo.url);
        const [refusal] = await waitFor(`a refusal without ${removed}`, async () => {
          const lines = await refusals(at);
          return lines.length > 0
            ? lines
            : pending(`${(await at.sluice.log()).length} log lines, none refused`);
        });
        t.diagnostic(`without ${removed}: ${refusal?.slice(0, 300)}`);
        // Refused lists leave informers unsynced; a reconcile waiting on one must not hold up a
        // pod's shutdown.
        const stopped = await at.sluice.stop();
        assert.equal(stopped.code, 0);
        assert.ok(stopped.ms < 5000, `stopped in ${stopped.ms} ms`);
      },
    );
  }
});
