// Reading and writing Applications for `kubectl sluice app ...`: a missing kind and a missing
// Application are told apart and said plainly; writes are merge patches carrying the
// resourceVersion they were computed from, retried on a conflict by reading again (DESIGN.md §8).
import type { Application } from "../../api/application.ts";
import type { KubeClient } from "../../kube/client.ts";
import { isConflict, isNotFound, type KubeError } from "../../kube/errors.ts";
import { Applications } from "../../kube/resources.ts";
import { CliError } from "../errors.ts";

export const CLI_FIELD_MANAGER = "kubectl-sluice";

export const KIND_NOT_INSTALLED =
  "the Application kind (applications.sluice.dev) is not installed in this cluster";

/** A 404 that names the object means the object is missing; any other 404 means the kind is. */
export function kindMissing(error: unknown, name: string | undefined): boolean {
  if (!isNotFound(error)) return false;
  const details = (error as KubeError).details as { name?: string } | undefined;
  return name === undefined || details?.name !== name;
}

export async function getApplication(client: KubeClient, namespace: string, name: string) {
  try {
    return await client.get<Application>(Applications, { namespace, name });
  } catch (error) {
    if (kindMissing(error, name)) throw new CliError(KIND_NOT_INSTALLED);
    if (isNotFound(error)) throw new CliError(`application "${name}" not found in namespace "${namespace}"`);
    throw error;
  }
}

export async function listApplications(client: KubeClient, namespace: string | undefined) {
  try {
    return (await client.list<Application>(Applications, { namespace })).items;
  } catch (error) {
    if (isNotFound(error)) throw new CliError(KIND_NOT_INSTALLED);
    throw error;
  }
}

const MAX_CONFLICTS = 5;

/**
 * Reads the Application, asks `change` for the patch (or a refusal, thrown), and merge-patches it
 * with the resourceVersion read; a 409 reads again and asks again.
 */
export async function patchApplication(
  client: KubeClient,
  ref: { namespace: string; name: string },
  change: (app: Application) => Record<string, unknown>,
): Promise<Application> {
  for (let attempt = 1; ; attempt++) {
    const app = await getApplication(client, ref.namespace, ref.name);
    const patch = change(app);
    try {
      return await client.mergePatch<Application>(Applications, ref, patch, CLI_FIELD_MANAGER, {
        resourceVersion: app.metadata?.resourceVersion,
      });
    } catch (error) {
      if (!isConflict(error) || attempt >= MAX_CONFLICTS) throw error;
    }
  }
}
