// A kubectl-sluice on PATH for the demo, so `kubectl sluice ...` works from source without
// `npm run build && npm link`: a two-line script running src/cli/main.ts on this Node with tsx.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "./controller.ts";

/** Single-quotes a word for sh (the paths are this machine's; quoting keeps spaces and quotes inert). */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export function shimScript(node: string, tsxLoader: string, cliMain: string): string {
  return `#!/bin/sh\nexec ${[node, "--import", tsxLoader, cliMain].map(shellQuote).join(" ")} "$@"\n`;
}

/** Writes <dir>/kubectl-sluice and returns the directory (for PATH). */
export async function writeCliShim(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  // The loader as a file path: a bare "tsx" would be looked up from whatever directory the user is in.
  const tsx = fileURLToPath(import.meta.resolve("tsx"));
  const file = join(dir, "kubectl-sluice");
  await writeFile(file, shimScript(process.execPath, tsx, join(REPO_ROOT, "src", "cli", "main.ts")));
  await chmod(file, 0o755);
  return dir;
}
