// The controller's mutating requests (user agent sluice/...) in the API server's audit log, by
// "verb resource[/subresource]", split into time windows.
import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";

/**
 * `windows`: [name, end (epoch ms)] in time order; a request falls in the first window it ends
 * before, or in "after" past the last one.
 */
export async function auditWrites(
  auditLog: string,
  windows: [string, number][],
): Promise<Record<string, Record<string, number>>> {
  const counts: Record<string, Record<string, number>> = { after: {} };
  for (const [name] of windows) counts[name] = {};
  if (!existsSync(auditLog)) return counts;
  const lines = createInterface({ input: createReadStream(auditLog) });
  for await (const line of lines) {
    if (!line.includes('"userAgent":"sluice/')) continue;
    const e = JSON.parse(line) as {
      verb: string;
      requestReceivedTimestamp: string;
      objectRef?: { resource?: string; subresource?: string };
    };
    const sub = e.objectRef?.subresource ? `/${e.objectRef.subresource}` : "";
    const what = `${e.verb} ${e.objectRef?.resource ?? "?"}${sub}`;
    const at = Date.parse(e.requestReceivedTimestamp);
    const window = windows.find(([, end]) => at < end)?.[0] ?? "after";
    const bucket = counts[window] ?? {};
    bucket[what] = (bucket[what] ?? 0) + 1;
    counts[window] = bucket;
  }
  return counts;
}

export const totalOf = (counts: Record<string, number> | undefined) =>
  Object.values(counts ?? {}).reduce((a, b) => a + b, 0);
