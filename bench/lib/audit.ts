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

/**
 * How long the API server took over each of the controller's writes received in [fromMs, toMs)
 * (stageTimestamp − requestReceivedTimestamp of the ResponseComplete event), sorted: the part of a
 * reconcile's latency that is the API server's, request by request.
 */
export async function auditServerMs(auditLog: string, fromMs: number, toMs: number): Promise<number[]> {
  const times: number[] = [];
  if (!existsSync(auditLog)) return times;
  const lines = createInterface({ input: createReadStream(auditLog) });
  for await (const line of lines) {
    if (!line.includes('"userAgent":"sluice/')) continue;
    const e = JSON.parse(line) as { verb: string; requestReceivedTimestamp: string; stageTimestamp?: string };
    if (e.verb === "get" || e.verb === "list" || e.verb === "watch" || !e.stageTimestamp) continue;
    const at = Date.parse(e.requestReceivedTimestamp);
    if (at < fromMs || at >= toMs) continue;
    times.push(microsOf(e.stageTimestamp) - microsOf(e.requestReceivedTimestamp));
  }
  return times.sort((a, b) => a - b);
}

/** An RFC 3339 timestamp with microseconds (the audit log's) as epoch milliseconds, fraction kept. */
function microsOf(timestamp: string): number {
  const fraction = /\.(\d+)Z$/.exec(timestamp)?.[1] ?? "0";
  return Date.parse(timestamp.replace(/\.\d+Z$/, "Z")) + Number(`0.${fraction}`) * 1000;
}
