// Applies an Application's placed objects by server-side apply (field manager sluice-gitops): all
// of them dry-run first, so one invalid object fails the sync before anything is applied (its
// kind, name and the API server's message in status); then applied in order.
import type { ResourceStatus } from "../../api/application.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { Placed } from "./placement.ts";

export const GITOPS_FIELD_MANAGER = "sluice-gitops";

export interface SyncOutcome {
  ok: boolean;
  message: string;
  resources: (ResourceStatus & { message: string })[];
}

const statusOf = (p: Placed, message: string, ok: boolean): ResourceStatus & { message: string } => ({
  group: p.group,
  version: p.version,
  kind: p.object.kind ?? "",
  ...(p.object.metadata?.namespace ? { namespace: p.object.metadata.namespace } : {}),
  name: p.object.metadata?.name ?? "",
  status: ok ? "Synced" : "OutOfSync",
  message,
});

const typeOf = (p: Placed) => ({
  group: p.group,
  version: p.version,
  kind: p.object.kind ?? "",
  plural: "",
  namespaced: p.namespaced,
});

export async function syncObjects(
  client: KubeClient,
  ordered: { placed: Placed; plural: string }[],
): Promise<SyncOutcome> {
  const apply = (o: { placed: Placed; plural: string }, dryRun: boolean) =>
    client.apply({ ...typeOf(o.placed), plural: o.plural }, o.placed.object, GITOPS_FIELD_MANAGER, {
      dryRun,
      force: false,
    });
  for (const o of ordered) {
    try {
      await apply(o, true);
    } catch (error) {
      const message = `${o.placed.object.kind}/${o.placed.object.metadata?.name}: ${(error as Error).message}`;
      const resources = ordered.map((x) =>
        statusOf(x.placed, x === o ? (error as Error).message : "not applied", false),
      );
      return { ok: false, message: `one or more objects failed to apply (dry run): ${message}`, resources };
    }
  }
  const resources: SyncOutcome["resources"] = [];
  for (const o of ordered) {
    try {
      await apply(o, false);
      resources.push(
        statusOf(
          o.placed,
          `${(o.placed.object.kind ?? "").toLowerCase()}/${o.placed.object.metadata?.name} serverside-applied`,
          true,
        ),
      );
    } catch (error) {
      resources.push(statusOf(o.placed, (error as Error).message, false));
      return {
        ok: false,
        message: `${o.placed.object.kind}/${o.placed.object.metadata?.name}: ${(error as Error).message}`,
        resources,
      };
    }
  }
  return { ok: true, message: "successfully synced (all tasks run)", resources };
}
