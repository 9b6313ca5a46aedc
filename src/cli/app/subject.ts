// The commit subject of a revision, for `app get`, when it is cheap: only a file:// repository the
// CLI can read, through the Git core's git helper (argument array, short deadline). Anything else —
// a remote, a missing directory, an unknown commit — gives no subject: the SHA alone is shown.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { git } from "../../gitops/source/git.ts";

const SUBJECT_DEADLINE_MS = 3000;

export async function commitSubject(repoURL: string | undefined, sha: string | undefined) {
  if (!repoURL?.startsWith("file://") || !sha || !/^[0-9a-f]{40}$/.test(sha)) return undefined;
  let dir: string;
  try {
    dir = fileURLToPath(repoURL);
  } catch {
    return undefined;
  }
  if (!existsSync(dir)) return undefined;
  const subject = await git(["log", "-1", "--format=%s", sha], {
    cwd: dir,
    timeoutMs: SUBJECT_DEADLINE_MS,
    maxOutput: 64 * 1024,
  }).catch(() => "");
  return subject.trim() || undefined;
}
