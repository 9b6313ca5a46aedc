// spec.ignoreDifferences in the diff core: which entries match an object (Argo CD's glob rules),
// JSON pointers, jq paths and managedFields managers removing fields from both sides, the apply
// body under RespectIgnoreDifferences, and the problems reported for bad entries.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyBody, compare, type IgnoreRule, ignoreProblems } from "../../../src/gitops/diff/index.ts";
import {
  DEPLOYMENT_CONTROLLER,
  desiredDeployment,
  edited,
  entry,
  frozen,
  GITOPS_FIELDS,
  has,
  read,
  serverDeployment,
} from "./diff-fixtures.ts";

const IMAGE = "/spec/template/spec/containers/0/image";
const REPLICAS = { group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"] };

/** Live scaled to 5 by someone else, the prediction back at Git's 3. */
const scaled = () => ({
  predicted: frozen(serverDeployment()),
  live: frozen(serverDeployment("nginx:1.27", 5)),
});

test("without rules a replica change is drift; Argo CD's doc rule for apps/Deployment ignores it", () => {
  const { predicted, live } = scaled();
  assert.deepEqual(compare(predicted, live, []).paths, ["/spec/replicas"]);
  assert.deepEqual(compare(predicted, live, [REPLICAS]), { drifted: false, paths: [] });
});

test("rules match group exactly (absent = core), kind and group as globs, name and namespace when given", () => {
  const { predicted, live } = scaled();
  const ignored = (rule: Partial<IgnoreRule>) =>
    !compare(predicted, live, [{ kind: "Deployment", jsonPointers: ["/spec/replicas"], ...rule }]).drifted;
  assert.equal(ignored({ group: "apps" }), true);
  assert.equal(ignored({}), false, "an absent group is the core group, not any group");
  assert.equal(ignored({ group: "" }), false);
  assert.equal(ignored({ group: "*" }), true);
  assert.equal(ignored({ group: "app?" }), true);
  assert.equal(ignored({ group: "batch" }), false);
  assert.equal(ignored({ group: "*", kind: "*" }), true);
  assert.equal(ignored({ group: "apps", kind: "Deploy*" }), true);
  assert.equal(ignored({ group: "apps", kind: "StatefulSet" }), false);
  assert.equal(ignored({ group: "apps", kind: "deployment" }), false, "kinds are case-sensitive");
  assert.equal(ignored({ group: "apps", name: "web" }), true);
  assert.equal(ignored({ group: "apps", name: "other" }), false);
  assert.equal(ignored({ group: "apps", namespace: "team" }), true);
  assert.equal(ignored({ group: "apps", name: "web", namespace: "elsewhere" }), false);
  assert.equal(ignored({ group: "a.ps" }), false, "a dot in a group is literal, not a regex wildcard");
});

test("an absent group matches core kinds such as ConfigMap", () => {
  const configMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c" },
    data: { a: "1", b: "2" },
  };
  const changed = edited(configMap, { "/data/b": "3" });
  assert.equal(
    compare(frozen(changed), frozen(configMap), [{ kind: "ConfigMap", jsonPointers: ["/data/b"] }]).drifted,
    false,
  );
  assert.equal(
    compare(frozen(changed), frozen(configMap), [{ kind: "ConfigMap", jsonPointers: ["/data/a"] }]).drifted,
    true,
  );
});

test("JSON pointers reach into arrays by index, unescape ~1 and ~0, and a pointer to nothing is harmless", () => {
  const predicted = frozen(
    edited(serverDeployment("nginx:1.28"), { "/metadata/annotations/example.com~1a~0b": "new" }),
  );
  const live = frozen(
    edited(serverDeployment("nginx:1.27"), { "/metadata/annotations/example.com~1a~0b": "old" }),
  );
  const rule = (jsonPointers: string[]): IgnoreRule[] => [
    { group: "apps", kind: "Deployment", jsonPointers },
  ];
  assert.deepEqual(compare(predicted, live, rule([IMAGE])).paths, [
    "/metadata/annotations/example.com~1a~0b",
  ]);
  assert.deepEqual(compare(predicted, live, rule(["/metadata/annotations/example.com~1a~0b"])).paths, [
    IMAGE,
  ]);
  assert.equal(
    compare(predicted, live, rule([IMAGE, "/metadata/annotations/example.com~1a~0b"])).drifted,
    false,
  );
  assert.equal(compare(predicted, live, rule(["/spec/template/spec/containers/0"])).drifted, true);
  assert.deepEqual(
    compare(
      predicted,
      live,
      rule(["/spec/nothing/here", "/spec/template/spec/containers/7/image", "/spec/replicas/x"]),
    ).paths.length,
    2,
  );
});

test("a pointer removing the only element of a list makes it equal an absent list (Argo CD prunes empties)", () => {
  const predicted = frozen(serverDeployment());
  const live = frozen(
    edited(serverDeployment(), {
      "/spec/template/spec/initContainers": [{ name: "injected", image: "proxy" }],
    }),
  );
  assert.deepEqual(compare(predicted, live, []).paths, ["/spec/template/spec/initContainers"]);
  const rule = { group: "apps", kind: "Deployment", jsonPointers: ["/spec/template/spec/initContainers/0"] };
  assert.equal(compare(predicted, live, [rule]).drifted, false);
});

test("Argo CD's doc example: a jq select on an injected init container", () => {
  const injected = { name: "injected-init-container", image: "mesh/init:1" };
  const ours = { name: "migrate", image: "app/migrate:1" };
  const predicted = frozen(edited(serverDeployment(), { "/spec/template/spec/initContainers": [ours] }));
  const live = frozen(edited(serverDeployment(), { "/spec/template/spec/initContainers": [injected, ours] }));
  const rule: IgnoreRule = {
    group: "apps",
    kind: "Deployment",
    jqPathExpressions: ['.spec.template.spec.initContainers[] | select(.name == "injected-init-container")'],
  };
  assert.equal(compare(predicted, live, []).drifted, true);
  assert.deepEqual(compare(predicted, live, [rule]), { drifted: false, paths: [] });
  // Our own init container still counts.
  const changedOurs = frozen(
    edited(predicted, { "/spec/template/spec/initContainers/0/image": "app/migrate:2" }),
  );
  assert.deepEqual(compare(changedOurs, live, [rule]).paths, ["/spec/template/spec/initContainers/0/image"]);
  // A Deployment without initContainers at all is no error.
  assert.equal(compare(frozen(serverDeployment()), frozen(serverDeployment()), [rule]).drifted, false);
});

test("Argo CD's doc example: caBundle of every MutatingWebhookConfiguration webhook via []?", () => {
  const webhooks = (caBundle: string) => ({
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name: "injector" },
    webhooks: [
      { name: "a.example.com", clientConfig: { service: { name: "svc", namespace: "x" }, caBundle } },
      { name: "b.example.com", clientConfig: { url: "https://b.example.com", caBundle } },
    ],
  });
  const rule: IgnoreRule = {
    group: "admissionregistration.k8s.io",
    kind: "MutatingWebhookConfiguration",
    jqPathExpressions: [".webhooks[]?.clientConfig.caBundle"],
  };
  const predicted = frozen(webhooks(""));
  const live = frozen(webhooks("LS0tLS1CRUdJTi..."));
  assert.deepEqual(compare(predicted, live, []).paths, [
    "/webhooks/0/clientConfig/caBundle",
    "/webhooks/1/clientConfig/caBundle",
  ]);
  assert.equal(compare(predicted, live, [rule]).drifted, false);
  const noWebhooks = frozen({ ...webhooks(""), webhooks: undefined });
  assert.equal(compare(noWebhooks, noWebhooks, [rule]).drifted, false);
});

test("managedFieldsManagers: fields a trusted manager owns in live are dropped from both sides", () => {
  const autoscaler = entry("cluster-autoscaler-thing", { "f:spec": { "f:replicas": {} } });
  const live = frozen(serverDeployment("nginx:1.27", 5, [entry("sluice-gitops", GITOPS_FIELDS), autoscaler]));
  const predicted = frozen(serverDeployment("nginx:1.28", 3));
  const rule = (managedFieldsManagers: string[]): IgnoreRule[] => [
    { group: "apps", kind: "Deployment", managedFieldsManagers },
  ];
  assert.deepEqual(compare(predicted, live, []).paths, ["/spec/replicas", IMAGE]);
  assert.deepEqual(compare(predicted, live, rule(["cluster-autoscaler-thing"])).paths, [IMAGE]);
  assert.deepEqual(compare(predicted, live, rule(["someone-else"])).paths, ["/spec/replicas", IMAGE]);
});

test("Argo CD's doc example: group * kind * with kube-controller-manager", () => {
  const live = frozen(
    edited(
      serverDeployment("nginx:1.27", 3, [entry("sluice-gitops", GITOPS_FIELDS), DEPLOYMENT_CONTROLLER]),
      {
        "/metadata/annotations/deployment.kubernetes.io~1revision": "9",
      },
    ),
  );
  const predicted = frozen(serverDeployment());
  assert.deepEqual(compare(predicted, live, []).paths, [
    "/metadata/annotations/deployment.kubernetes.io~1revision",
  ]);
  const rule: IgnoreRule = { group: "*", kind: "*", managedFieldsManagers: ["kube-controller-manager"] };
  assert.deepEqual(compare(predicted, live, [rule]), { drifted: false, paths: [] });
});

test("managedFields list items are found by merge key (k:), set value (v:) and index (i:) on each side", () => {
  const sidecar = { name: "mesh-proxy", image: "mesh/proxy:1", env: [{ name: "LEVEL", value: "info" }] };
  const injector = entry("mesh-injector", {
    "f:metadata": { "f:finalizers": { 'v:"mesh.example.com/cleanup"': {} } },
    "f:spec": {
      "f:template": {
        "f:spec": {
          "f:containers": {
            'k:{"name":"mesh-proxy"}': { ".": {}, "f:name": {}, "f:image": {}, "f:env": {} },
          },
          "f:tolerations": { "i:0": { "f:key": {} } },
        },
      },
    },
  });
  const live = frozen(
    edited(serverDeployment(), {
      "/metadata/finalizers": ["example.com/keep", "mesh.example.com/cleanup"],
      "/spec/template/spec/containers": [
        sidecar,
        read(serverDeployment(), "/spec/template/spec/containers/0"),
      ],
      "/spec/template/spec/tolerations": [{ key: "mesh" }],
      "/metadata/managedFields/-": injector,
    }),
  );
  const predicted = frozen(
    edited(serverDeployment(), {
      "/metadata/finalizers": ["example.com/keep"],
      "/spec/template/spec/containers/-": { ...sidecar, image: "mesh/proxy:2" },
    }),
  );
  const rule: IgnoreRule = { group: "apps", kind: "Deployment", managedFieldsManagers: ["mesh-injector"] };
  // Without the rule: the sidecar sits at different indices, so much differs.
  assert.equal(compare(predicted, live, []).drifted, true);
  assert.deepEqual(compare(predicted, live, [rule]), { drifted: false, paths: [] });
  // A change to a field the injector does not own still shows.
  const ownChange = frozen(edited(predicted, { [IMAGE]: "nginx:1.28" }));
  assert.deepEqual(compare(ownChange, live, [rule]).paths, [IMAGE]);
});

test("malformed managedFields entries are skipped, never thrown on", () => {
  const junk = [
    entry("m", { "k:{not json": {}, "f:spec": { "f:replicas": {} } }),
    entry("m", "not an object"),
    entry("m", { "f:spec": { "f:template": { "f:spec": { "f:containers": { "v:[": {}, "i:x": {} } } } } }),
    { manager: 7 },
    null,
  ];
  const live = frozen(edited(serverDeployment("nginx:1.27", 5), { "/metadata/managedFields": junk }));
  const rule: IgnoreRule = { group: "apps", kind: "Deployment", managedFieldsManagers: ["m"] };
  assert.deepEqual(compare(frozen(serverDeployment()), live, [rule]).paths, []);
  const notAList = frozen(edited(serverDeployment("nginx:1.27", 5), { "/metadata/managedFields": "x" }));
  assert.deepEqual(compare(frozen(serverDeployment()), notAList, [rule]).paths, ["/spec/replicas"]);
});

test("RespectIgnoreDifferences: ignored fields Git sets are sent with live's value, or left out when live lacks them", () => {
  const live = frozen(
    edited(serverDeployment("nginx:1.27", 5), {
      "/spec/template/spec/containers/0/imagePullPolicy": "Always",
    }),
  );
  const desired = frozen(
    edited(desiredDeployment("nginx:1.28", 3), { "/spec/template/spec/containers/0/args": ["--verbose"] }),
  );
  const rules: IgnoreRule[] = [
    { ...REPLICAS, jsonPointers: ["/spec/replicas", "/spec/template/spec/containers/0/args"] },
  ];
  const body = applyBody(desired, live, "sluice-gitops", rules, true);
  assert.equal(read(body, "/spec/replicas"), 5, "live's value kept");
  assert.equal(has(body, "/spec/template/spec/containers/0/args"), false, "not in live: left out");
  assert.equal(read(body, IMAGE), "nginx:1.28", "other fields applied");
  assert.equal(
    has(body, "/spec/template/spec/containers/0/imagePullPolicy"),
    false,
    "live-only fields not added",
  );
  assert.deepEqual(applyBody(desired, live, "sluice-gitops", rules, false), desired, "without the option");
  assert.deepEqual(applyBody(desired, undefined, "sluice-gitops", rules, true), desired, "on creation");
  const otherKind: IgnoreRule[] = [{ ...rules[0], kind: "StatefulSet" } as IgnoreRule];
  assert.deepEqual(
    applyBody(desired, live, "sluice-gitops", otherKind, true),
    desired,
    "rule for another kind",
  );
});

test("RespectIgnoreDifferences with a jq select keeps the matching item as live has it", () => {
  const proxy = (image: string) => ({ name: "proxy", image });
  const app = (image: string) => ({ name: "web", image });
  const desired = frozen(
    edited(desiredDeployment(), { "/spec/template/spec/containers": [app("nginx:1.28"), proxy("proxy:2")] }),
  );
  const live = frozen(
    edited(serverDeployment(), { "/spec/template/spec/containers": [app("nginx:1.27"), proxy("proxy:1")] }),
  );
  const rule: IgnoreRule = {
    group: "apps",
    kind: "Deployment",
    jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == "proxy") | .image'],
  };
  const body = applyBody(desired, live, "sluice-gitops", [rule], true);
  assert.deepEqual(read(body, "/spec/template/spec/containers"), [app("nginx:1.28"), proxy("proxy:1")]);
  // An injected container ahead of ours in live: the item is found by name, not by index.
  const injectedFirst = frozen(
    edited(serverDeployment(), {
      "/spec/template/spec/containers": [{ name: "mesh", image: "m:1" }, app("nginx:1.27"), proxy("proxy:1")],
    }),
  );
  const wholeProxy: IgnoreRule = {
    ...rule,
    jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == "proxy")'],
  };
  for (const r of [rule, wholeProxy]) {
    const shifted = applyBody(desired, injectedFirst, "sluice-gitops", [r], true);
    assert.deepEqual(read(shifted, "/spec/template/spec/containers"), [app("nginx:1.28"), proxy("proxy:1")]);
  }
  // A whole item Git sets that live does not have is left out, without leaving an empty list behind.
  const onlyProxy = frozen(
    edited(desiredDeployment(), { "/spec/template/spec/initContainers": [proxy("p:1")] }),
  );
  const dropItem: IgnoreRule = { ...rule, jqPathExpressions: [".spec.template.spec.initContainers[]"] };
  const body2 = applyBody(onlyProxy, live, "sluice-gitops", [dropItem], true);
  assert.equal(has(body2, "/spec/template/spec/initContainers"), false);
  assert.deepEqual(body2, desiredDeployment());
});

test("RespectIgnoreDifferences with managedFieldsManagers and the HPA rule together", () => {
  const labeller = entry("labeller", { "f:metadata": { "f:labels": { "f:tier": {} } } });
  const hpa = entry("kube-controller-manager", { "f:spec": { "f:replicas": {} } }, { subresource: "scale" });
  const live = frozen(
    edited(serverDeployment("nginx:1.27", 8, [labeller, hpa]), { "/metadata/labels/tier": "gold" }),
  );
  const desired = frozen(edited(desiredDeployment(), { "/metadata/labels/tier": "bronze" }));
  const rule: IgnoreRule = { group: "apps", kind: "Deployment", managedFieldsManagers: ["labeller"] };
  const body = applyBody(desired, live, "sluice-gitops", [rule], true);
  assert.equal(read(body, "/metadata/labels/tier"), "gold");
  assert.equal(has(body, "/spec/replicas"), false);
  assert.equal(
    read(applyBody(desired, live, "sluice-gitops", [rule], false), "/metadata/labels/tier"),
    "bronze",
  );
});

test("ignoreProblems: valid entries, including Argo CD's doc examples, have none", () => {
  const rules: IgnoreRule[] = [
    REPLICAS,
    {
      group: "apps",
      kind: "Deployment",
      name: "guestbook",
      namespace: "default",
      jsonPointers: ["/spec/replicas"],
    },
    {
      group: "apps",
      kind: "Deployment",
      jqPathExpressions: [
        '.spec.template.spec.initContainers[] | select(.name == "injected-init-container")',
      ],
    },
    { group: "*", kind: "*", managedFieldsManagers: ["kube-controller-manager"] },
    { kind: "ConfigMap", jsonPointers: ["/data/a~1b", "/data/x~0y", "/"] },
    {
      group: "admissionregistration.k8s.io",
      kind: "MutatingWebhookConfiguration",
      jqPathExpressions: [".webhooks[]?.clientConfig.caBundle"],
    },
  ];
  assert.deepEqual(ignoreProblems(rules), []);
  assert.deepEqual(ignoreProblems([]), []);
});

test("ignoreProblems names each bad entry by path and says what is wrong", () => {
  const rules = [
    { group: "apps", jsonPointers: ["/spec/replicas"] },
    { kind: "", jsonPointers: ["spec/replicas", "", "/a/~2b", 7] },
    { kind: "Deployment", jqPathExpressions: [".spec.replicas", "del(.spec)", ".a[", ".a | length"] },
    { kind: "Deployment", managedFieldsManagers: ["", "ok"], jsonPointers: "/spec" },
    { kind: "Deployment", group: 3 },
    "not an object",
  ] as unknown as IgnoreRule[];
  const problems = ignoreProblems(rules);
  assert.deepEqual(
    problems.map((p) => p.path),
    [
      "spec.ignoreDifferences[0].kind",
      "spec.ignoreDifferences[1].kind",
      "spec.ignoreDifferences[1].jsonPointers[0]",
      "spec.ignoreDifferences[1].jsonPointers[1]",
      "spec.ignoreDifferences[1].jsonPointers[2]",
      "spec.ignoreDifferences[1].jsonPointers[3]",
      "spec.ignoreDifferences[2].jqPathExpressions[1]",
      "spec.ignoreDifferences[2].jqPathExpressions[2]",
      "spec.ignoreDifferences[2].jqPathExpressions[3]",
      "spec.ignoreDifferences[3].jsonPointers",
      "spec.ignoreDifferences[3].managedFieldsManagers[0]",
      "spec.ignoreDifferences[4].group",
      "spec.ignoreDifferences[5]",
    ],
  );
  const message = (path: string) => problems.find((p) => p.path === path)?.message ?? "";
  assert.match(message("spec.ignoreDifferences[0].kind"), /kind is required.*"\*"/);
  assert.match(message("spec.ignoreDifferences[1].jsonPointers[0]"), /"spec\/replicas" must start with "\/"/);
  assert.match(message("spec.ignoreDifferences[1].jsonPointers[1]"), /empty/);
  assert.match(message("spec.ignoreDifferences[1].jsonPointers[2]"), /"~" not followed by 0 or 1/);
  assert.match(message("spec.ignoreDifferences[1].jsonPointers[3]"), /must be a string/);
  assert.match(
    message("spec.ignoreDifferences[2].jqPathExpressions[1]"),
    /"del\(\.spec\)" is not supported.*supported: paths/,
  );
  assert.match(message("spec.ignoreDifferences[2].jqPathExpressions[2]"), /end of the expression/);
  assert.match(
    message("spec.ignoreDifferences[2].jqPathExpressions[3]"),
    /expected a path starting with "\." or select\( at column 6 \(found length\)/,
  );
  assert.match(message("spec.ignoreDifferences[3].jsonPointers"), /list of strings/);
  assert.match(message("spec.ignoreDifferences[3].managedFieldsManagers[0]"), /must not be empty/);
});

test("compare never throws on bad rules: the bad parts are skipped, the good ones still apply", () => {
  const { predicted, live } = scaled();
  const rules = [
    {
      group: "apps",
      kind: "Deployment",
      jsonPointers: ["spec/replicas", "~"],
      jqPathExpressions: ["del(.x)", "]["],
    },
    { group: "apps", jsonPointers: ["/spec/replicas"] },
    {
      group: "apps",
      kind: "Deployment",
      jsonPointers: "x",
      jqPathExpressions: [7],
      managedFieldsManagers: {},
    },
  ] as unknown as IgnoreRule[];
  assert.deepEqual(compare(predicted, live, rules).paths, ["/spec/replicas"]);
  assert.equal(compare(predicted, live, [...rules, REPLICAS]).drifted, false);
  assert.doesNotThrow(() => applyBody(desiredDeployment(), live, "sluice-gitops", rules, true));
});
