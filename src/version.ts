// The running version, read from package.json once at start-up.
import { readFileSync } from "node:fs";

function readVersion(): string {
  for (const candidate of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "sluice" && pkg.version) return pkg.version;
    } catch {
      // Try the next location: src/ when run from source, dist/src/ when built.
    }
  }
  return "unknown";
}

export const VERSION = readVersion();
