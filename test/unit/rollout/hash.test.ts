import assert from "node:assert/strict";
import { test } from "node:test";
import {
  canonicalJson,
  POD_TEMPLATE_HASH_LABEL,
  podTemplateHash,
  templateMatches,
} from "../../../src/rollout/hash.ts";

const template = {
  metadata: { labels: { app: "web" } },
  spec: {
    containers: [{ name: "web", image: "registry.example/web:1.0", ports: [{ containerPort: 8080 }] }],
  },
};

test("hashes are frozen: the same template gives the same name in every sluice version", () => {
  // If this fails, existing ReplicaSets would be orphaned and redeployed on upgrade: do not
  // update the expected values; keep the old hash function instead.
  assert.equal(podTemplateHash(template), podTemplateHash(structuredClone(template)));
  assert.equal(podTemplateHash(template), "tvwq2s2r7r");
  assert.equal(
    podTemplateHash({
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "web:2" }] },
    }),
    "vx5wskbxfq",
  );
  assert.equal(podTemplateHash(template, 1), "v8q6n2n8cj");
  assert.match(podTemplateHash(template), /^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
});

test("hashes ignore key order, undefined values and the hash label itself", () => {
  const reordered = { spec: template.spec, metadata: { labels: { app: "web" } } };
  assert.equal(podTemplateHash(reordered), podTemplateHash(template));
  const withUndefined = { ...template, spec: { ...template.spec, hostname: undefined } };
  assert.equal(podTemplateHash(withUndefined), podTemplateHash(template));
  const labelled = { ...template, metadata: { labels: { app: "web", [POD_TEMPLATE_HASH_LABEL]: "abc" } } };
  assert.equal(podTemplateHash(labelled), podTemplateHash(template));
  const changed = structuredClone(template);
  changed.spec.containers[0] = { ...changed.spec.containers[0], image: "registry.example/web:1.1" } as never;
  assert.notEqual(podTemplateHash(changed), podTemplateHash(template));
});

test("canonicalJson sorts keys at every depth", () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 1 }], c: null } }),
    '{"a":{"c":null,"d":[1,{"e":1,"f":2}]},"b":1}',
  );
});

test("templateMatches: server defaults are tolerated, real changes are not", () => {
  const live = {
    metadata: { labels: { app: "web", [POD_TEMPLATE_HASH_LABEL]: "zzz" } },
    spec: {
      containers: [
        {
          name: "web",
          image: "registry.example/web:1.0",
          ports: [{ containerPort: 8080, protocol: "TCP" }],
          imagePullPolicy: "IfNotPresent",
          terminationMessagePath: "/dev/termination-log",
        },
      ],
      restartPolicy: "Always",
      dnsPolicy: "ClusterFirst",
      securityContext: {},
    },
  };
  assert.ok(templateMatches(template, live));
  const otherImage = structuredClone(live);
  otherImage.spec.containers[0] = {
    ...otherImage.spec.containers[0],
    image: "registry.example/web:2.0",
  } as never;
  assert.ok(!templateMatches(template, otherImage));
  assert.ok(!templateMatches(template, { ...live, metadata: { labels: { app: "web", extra: "1" } } }));
  const twoContainers = structuredClone(live);
  twoContainers.spec.containers.push(twoContainers.spec.containers[0] as never);
  assert.ok(!templateMatches(template, twoContainers));
});

test("effectiveHash: content matching only for ReplicaSets another tool or hash version made", async () => {
  const { effectiveHash, HASH_VERSION, HASH_VERSION_ANNOTATION } = await import(
    "../../../src/rollout/adoption.ts"
  );
  const live = (hash: string, image: string, ours: boolean) => ({
    metadata: {
      labels: { app: "web", [POD_TEMPLATE_HASH_LABEL]: hash },
      annotations: ours ? { [HASH_VERSION_ANNOTATION]: HASH_VERSION } : {},
    },
    spec: {
      template: {
        metadata: { labels: { app: "web", [POD_TEMPLATE_HASH_LABEL]: hash } },
        spec: { containers: [{ name: "web", image, imagePullPolicy: "Always" }] },
      },
    },
  });
  const desired = {
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "web", image: "web:1" }] },
  };
  const computed = podTemplateHash(desired);
  assert.equal(
    effectiveHash(desired, computed, [live("argo1", "web:1", false)]),
    "argo1",
    "a foreign RS with this template",
  );
  assert.equal(
    effectiveHash(desired, computed, [live("argo1", "web:2", false)]),
    computed,
    "a foreign RS with another template",
  );
  assert.equal(
    effectiveHash(desired, computed, [live("old", "web:1", true)]),
    computed,
    "our own RS differs in a field the user removed (imagePullPolicy): a new template, not a match",
  );
  assert.equal(effectiveHash(desired, computed, [live(computed, "web:1", true)]), computed);
});
