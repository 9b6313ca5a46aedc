// -o/--output on read commands, as kubectl has it: table (default), wide, json, yaml, name.
import { Option } from "commander";
import { stringify } from "yaml";
import { type ResourceType, Rollouts } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import type { CliIO } from "./io.ts";

export const OUTPUT_FORMATS = ["table", "wide", "json", "yaml", "name"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function outputOption(): Option {
  return new Option("-o, --output <format>", "output format").choices(OUTPUT_FORMATS).default("table");
}

/** The object as kubectl prints it: without managedFields (noise for people and diffs). */
function forOutput<T extends KubeObject>(object: T): T {
  if (!object.metadata?.managedFields) return object;
  const { managedFields: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata };
}

export function printObject(io: CliIO, object: KubeObject, format: "json" | "yaml"): void {
  const clean = forOutput(object);
  io.out(format === "json" ? `${JSON.stringify(clean, null, 2)}\n` : stringify(clean));
}

/** Several objects as one kubectl-style List. */
export function printList(io: CliIO, objects: KubeObject[], format: "json" | "yaml"): void {
  printObject(io, { apiVersion: "v1", kind: "List", items: objects.map(forOutput) } as KubeObject, format);
}

/** "rollout.sluice.dev/web", kubectl's -o name. */
export function qualifiedName(type: ResourceType, object: KubeObject): string {
  const kind = type.kind.toLowerCase();
  return `${type.group ? `${kind}.${type.group}` : kind}/${object.metadata?.name ?? ""}`;
}

export const rolloutName = (object: KubeObject) => qualifiedName(Rollouts, object);
