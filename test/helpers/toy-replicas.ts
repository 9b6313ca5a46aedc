// Replicas of the toy controller as real processes, and the views the leader-election tests take
// of them: who holds the Lease, whether a Toy converged. Shared by the kernel's failover tests.
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CoordinationV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { ManagedProcess } from "../cluster/process.ts";
import { TOY_GROUP, type Toy } from "../fixtures/toy-controllers.ts";
import { testKubeConfig } from "./kube.ts";
import { pending, waitFor } from "./wait.ts";

const repoRoot = resolve(fileURLToPath(import.meta.url), "../../..");

export interface LeaseTimes {
  duration: number;
  renewDeadline: number;
  retry: number;
}

/** One toy-sluice process with leader election on Lease toy-lock in `namespace`. */
export function startToyReplica(o: {
  identity: string;
  kubeconfig: string;
  namespace: string;
  logDir: string;
  lease: LeaseTimes;
  extraArgs?: string[];
}): ManagedProcess {
  return ManagedProcess.start({
    name: o.identity,
    command: process.execPath,
    args: [
      "--import",
      "tsx",
      join(repoRoot, "test/fixtures/toy-sluice.ts"),
      `--kubeconfig=${o.kubeconfig}`,
      `--namespace=${o.namespace}`,
      "--leader-elect=true",
      `--leader-election-namespace=${o.namespace}`,
      "--leader-election-id=toy-lock",
      `--lease-duration=${o.lease.duration}ms`,
      `--renew-deadline=${o.lease.renewDeadline}ms`,
      `--retry-period=${o.lease.retry}ms`,
      `--identity=${o.identity}`,
      "--metrics-addr=127.0.0.1:0",
      "--log-level=debug",
      ...(o.extraArgs ?? []),
    ],
    logFile: join(o.logDir, `${o.identity}.log`),
    cwd: repoRoot,
  });
}

/** The Toys and the Lease of `namespace`, as the tests read and change them. */
export function toyWorld(namespace: string) {
  const kc = testKubeConfig();
  const coordination = kc.makeApiClient(CoordinationV1Api);
  const toys = kc.makeApiClient(CustomObjectsApi);
  const ref = { group: TOY_GROUP, version: "v1", namespace, plural: "toys" };
  const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  const holder = async () =>
    (await coordination.readNamespacedLease({ name: "toy-lock", namespace })).spec?.holderIdentity ?? "";
  return {
    holder,
    create: (name: string, input: string) =>
      toys.createNamespacedCustomObject({
        ...ref,
        body: { apiVersion: `${TOY_GROUP}/v1`, kind: "Toy", metadata: { name }, spec: { input } },
      }),
    setInput: (name: string, input: string) =>
      toys.patchNamespacedCustomObject({ ...ref, name, body: { spec: { input } } }, merge),
    waitHolder: (identity: string, timeoutMs = 20_000) =>
      waitFor(
        `lease held by ${identity}`,
        async () => ((await holder()) === identity ? true : pending(await holder())),
        {
          timeoutMs,
          intervalMs: 50,
        },
      ),
    waitConverged: (name: string, input: string) =>
      waitFor(`toy ${name} converged to ${input}`, async () => {
        const toy = (await toys.getNamespacedCustomObject({ ...ref, name })) as Toy;
        return toy.status?.output === input.toUpperCase() ? true : pending(JSON.stringify(toy.status));
      }),
    running: (replica: ManagedProcess) =>
      waitFor(`${replica.spec.name} running`, async () =>
        (await readFile(replica.spec.logFile, "utf8")).includes("sluice starting")
          ? true
          : pending("not started"),
      ),
  };
}
