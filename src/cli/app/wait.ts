// Waiting on an Application, driven by a watch on it (never a poll): until it is Synced and/or
// Healthy as the controller last judged it, or its operation failed, or the timeout.
import pino from "pino";
import type { Application } from "../../api/application.ts";
import { Informer } from "../../controller/informer.ts";
import type { KubeClient } from "../../kube/client.ts";
import { Applications } from "../../kube/resources.ts";
import type { CliIO } from "../io.ts";
import { appStateLine, shortRevision } from "../render/app-info.ts";
import { ending } from "../watch.ts";

export interface WaitFor {
  sync: boolean;
  health: boolean;
}

export type Verdict = { done: true } | { failed: string } | undefined;

/**
 * Whether the wait is over. A verdict counts only once the controller has looked at the
 * Application as it is now: no operation pending and its generation observed (a sync request, a
 * spec change bump the generation), so a Synced written before a sync request is not taken for
 * the answer to it.
 */
export function waitVerdict(app: Application, want: WaitFor): Verdict {
  const observed = (app.status?.observedGeneration ?? 0) >= (app.metadata?.generation ?? 0);
  if (app.operation || !observed) return undefined;
  const last = app.status?.operationState;
  const current = app.status?.sync?.revision;
  if (
    (last?.phase === "Failed" || last?.phase === "Error") &&
    last.syncResult?.revision !== undefined &&
    last.syncResult.revision === current
  )
    return { failed: `the sync to ${shortRevision(current)} failed: ${last.message ?? last.phase}` };
  const synced = !want.sync || app.status?.sync?.status === "Synced";
  const healthy = !want.health || app.status?.health?.status === "Healthy";
  return synced && healthy ? { done: true } : undefined;
}

/** "Synced and Healthy", "Synced", "Healthy". */
export const wanted = (want: WaitFor) =>
  [want.sync ? "Synced" : "", want.health ? "Healthy" : ""].filter(Boolean).join(" and ");

const silent = pino({ level: "silent" });

export interface WaitOutcome {
  kind: "done" | "failed" | "timeout" | "interrupted" | "deleted";
  /** The state last seen ("OutOfSync Progressing at abc1234 - ..."). */
  last: string;
  message?: string;
}

/** Watches the Application, printing each new state, until the verdict, deletion or the timeout. */
export async function waitForApplication(
  client: KubeClient,
  ref: { namespace: string; name: string },
  want: WaitFor,
  io: CliIO,
  timeoutMs: number,
): Promise<WaitOutcome> {
  const informer = new Informer<Application>({
    client,
    type: Applications,
    namespace: ref.namespace,
    fieldSelector: `metadata.name=${ref.name}`,
    logger: silent,
  });
  const end = ending<WaitOutcome>(io.signal, timeoutMs);
  let last = "";
  let synced = false;
  const check = () => {
    if (!synced) return;
    const app = informer.cache.get(`${ref.namespace}/${ref.name}`);
    if (!app) return end.settle({ kind: "deleted", last });
    const line = appStateLine(app) + (app.operation ? " (sync requested)" : "");
    if (line !== last) io.out(`${line}\n`);
    last = line;
    const verdict = waitVerdict(app, want);
    if (verdict && "done" in verdict) end.settle({ kind: "done", last });
    else if (verdict) end.settle({ kind: "failed", last, message: verdict.failed });
  };
  informer.on(() => check());
  void informer.start().then(() => {
    synced = true;
    check();
  });
  try {
    const ended = await end.promise;
    return ended.kind === "settled" ? ended.value : { kind: ended.kind, last };
  } finally {
    end.dispose();
    await informer.stop();
  }
}
