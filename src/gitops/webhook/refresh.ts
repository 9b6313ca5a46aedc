// A verified push becomes the refresh annotation on each Application it concerns. The Applications
// are LISTed per push rather than read from an informer: the informers run only on the leader (the
// kernel starts when leadership is won) while every replica behind the Service receives webhooks,
// and a LIST of one namespace (paged, with the transport's deadline) per authenticated push is
// cheap. The patch passes the leader-election write fence on purpose: setting the annotation is
// the one write a standby replica makes (DESIGN.md §8), and the leader's controller does the rest.
import type { Application } from "../../api/application.ts";
import type { KubeClient } from "../../kube/client.ts";
import { isNotFound } from "../../kube/errors.ts";
import { Applications } from "../../kube/resources.ts";
import type { WebhookEvent } from "./event.ts";
import { applicationsFor } from "./match.ts";

/** The annotation set (the controller also honours Argo CD's, and takes either off once refreshed). */
export const WEBHOOK_REFRESH_ANNOTATION = "sluice.dev/refresh";
export const WEBHOOK_FIELD_MANAGER = "sluice-webhook";
/** Patches in flight at once for one push (a monorepo push may concern hundreds of Applications). */
const PATCH_CONCURRENCY = 8;

export interface RefreshResult {
  refreshed: string[];
  failed: string[];
}

export class Refresher {
  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async refresh(push: WebhookEvent & { type: "push" }): Promise<RefreshResult> {
    const list = await this.client.list<Application>(Applications, { namespace: this.namespace });
    const names = applicationsFor(list.items, push)
      .filter((app) => app.metadata?.deletionTimestamp === undefined)
      .map((app) => app.metadata?.name ?? "")
      .filter(Boolean);
    // A distinct value per delivery: a push that lands while an earlier refresh is pending still
    // changes the object, so the controller sees it.
    const value = this.now().toISOString();
    const result: RefreshResult = { refreshed: [], failed: [] };
    let next = 0;
    const worker = async () => {
      while (next < names.length) {
        const name = names[next++] ?? "";
        const outcome = await this.annotate(name, value);
        if (outcome !== "gone") result[outcome].push(name);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PATCH_CONCURRENCY, names.length) }, worker));
    return result;
  }

  private async annotate(name: string, value: string): Promise<"refreshed" | "failed" | "gone"> {
    try {
      await this.client.mergePatch(
        Applications,
        { namespace: this.namespace, name },
        { metadata: { annotations: { [WEBHOOK_REFRESH_ANNOTATION]: value } } },
        WEBHOOK_FIELD_MANAGER,
        { bypassFence: true },
      );
      return "refreshed";
    } catch (error) {
      return isNotFound(error) ? "gone" : "failed";
    }
  }
}
