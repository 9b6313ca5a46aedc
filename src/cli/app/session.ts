// A connection for one app command, closed when the command is done.
import type { Command } from "commander";
import { type Cluster, connect } from "../cluster.ts";
import { globalsOf } from "../commands/context.ts";

export async function withCluster<T>(command: Command, fn: (cluster: Cluster) => Promise<T>): Promise<T> {
  const cluster = connect(globalsOf(command));
  try {
    return await fn(cluster);
  } finally {
    cluster.close();
  }
}
