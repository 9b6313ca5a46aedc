// `npm run dev` installs the CRDs before sluice starts (test/tools/apply-crds.ts): every CRD in
// crds/ ends Established under the field manager sluice-dev, and applying again changes nothing.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ApiextensionsV1Api, type V1CustomResourceDefinition } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { ENV, requireEnv } from "../../helpers/env.ts";
import { testKubeConfig } from "../../helpers/kube.ts";
import { CRD_DIR, DEV_FIELD_MANAGER, installDevCrds, readCrds } from "../../tools/crds.ts";

const run = promisify(execFile);
const script = resolve(fileURLToPath(import.meta.url), "../../../tools/apply-crds.ts");

function isEstablished(crd: V1CustomResourceDefinition): boolean {
  return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ?? false;
}

function appliedBy(crd: V1CustomResourceDefinition, manager: string): boolean {
  return crd.metadata?.managedFields?.some((f) => f.manager === manager && f.operation === "Apply") ?? false;
}

test("the script installs every CRD in crds/ and prints one line for each", async () => {
  const kubeconfig = requireEnv(ENV.kubeconfig);
  const { stdout } = await run(process.execPath, ["--import", "tsx", script, "--kubeconfig", kubeconfig]);
  const names = (await readCrds(CRD_DIR)).map((crd) => crd.metadata.name);
  assert.ok(names.includes("rollouts.sluice.dev"));
  const lines = stdout.trimEnd().split("\n");
  assert.deepEqual(
    lines.map((line) => line.match(/^crd (\S+) established \(/)?.[1]),
    names,
    "one line per CRD, in file order",
  );
  const ext = testKubeConfig().makeApiClient(ApiextensionsV1Api);
  for (const name of names) {
    const live = await ext.readCustomResourceDefinition({ name });
    assert.ok(isEstablished(live), `${name} is Established`);
    assert.ok(appliedBy(live, DEV_FIELD_MANAGER), `${name} is applied by ${DEV_FIELD_MANAGER}`);
  }
});

test("a new CRD is waited on until served; applying it again changes nothing", async (t) => {
  // A group of its own, so the CRD is new on every run and nothing else applies it meanwhile.
  const group = `devcrds-${Date.now().toString(36)}.test.sluice.dev`;
  const name = `gadgets.${group}`;
  const dir = await mkdtemp(join(tmpdir(), "sluice-crds-"));
  const ext = testKubeConfig().makeApiClient(ApiextensionsV1Api);
  t.after(async () => {
    await ext.deleteCustomResourceDefinition({ name }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  const crd = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name },
    spec: {
      group,
      scope: "Namespaced",
      names: { plural: "gadgets", singular: "gadget", kind: "Gadget" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        },
      ],
    },
  };
  await writeFile(join(dir, "gadget.yaml"), stringify(crd));

  const kubeconfig = requireEnv(ENV.kubeconfig);
  assert.deepEqual(await installDevCrds(kubeconfig, dir), [
    { name, kind: "Gadget", apiVersion: `${group}/v1` },
  ]);
  const first = await ext.readCustomResourceDefinition({ name });
  assert.ok(isEstablished(first));

  await installDevCrds(kubeconfig, dir);
  const second = await ext.readCustomResourceDefinition({ name });
  assert.equal(
    second.metadata?.resourceVersion,
    first.metadata?.resourceVersion,
    "a repeat apply is a no-op",
  );
});
