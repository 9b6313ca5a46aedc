// What an Application's operation asks for, and what it leaves behind (pure): a rollback to a
// history id is a sync of that entry's revision and source; once it succeeds, automated sync is
// suspended — recorded in status, never by editing spec (DESIGN.md §8) — until the user resumes it
// with the resume annotation or asks for a sync operation.
import type { Application, ApplicationSluiceStatus } from "../api/application.ts";
import { redactURLs } from "./source/git-auth.ts";

export const RESUME_ANNOTATION = "sluice.dev/resume-automated-sync";

/**
 * The Application as this look should see it: for a rollback, its source and revision replaced by
 * the history entry's; or why the rollback cannot be done.
 */
export function operationView(app: Application): { app: Application } | { error: string } {
  const rollback = app.operation?.rollback;
  if (!rollback) return { app };
  const entry = app.status?.history?.find((h) => h.id === rollback.id);
  if (!entry) return { error: `rollback: history id ${rollback.id} not found` };
  // History keeps the URL without a password written into it; the spec still has it.
  const specURL = app.spec?.source?.repoURL;
  const source = entry.source ?? app.spec?.source ?? {};
  const repoURL = specURL && redactURLs(specURL) === source.repoURL ? specURL : source.repoURL;
  return {
    app: {
      ...app,
      spec: { ...app.spec, source: { ...source, ...(repoURL ? { repoURL } : {}) } },
      operation: {
        ...app.operation,
        sync: { revision: entry.revision, ...(rollback.prune ? { prune: true } : {}) },
      },
    },
  };
}

/** sluice's status after this look: suspension set by a rollback, cleared by a resume or a sync. */
export function suspensionAfter(
  app: Application,
  ran: { ok: boolean } | undefined,
  now: string,
): ApplicationSluiceStatus["automationSuspended"] {
  const current = app.status?.sluice?.automationSuspended;
  if (app.operation?.rollback && ran?.ok) {
    const entry = app.status?.history?.find((h) => h.id === app.operation?.rollback?.id);
    return {
      reason: `rolled back to history id ${entry?.id} (revision ${entry?.revision.slice(0, 7)})`,
      at: now,
    };
  }
  if (app.operation?.sync && !app.operation.rollback && ran?.ok) return undefined;
  if (app.metadata?.annotations?.[RESUME_ANNOTATION] !== undefined) return undefined;
  return current;
}
