// Types shared by the sluice CRDs.
import type { KubeObject } from "../kube/types.ts";

export const GROUP = "sluice.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

export type IntOrString = number | string;

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface PodMetadata {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PodTemplateSpec {
  metadata?: PodMetadata & Record<string, unknown>;
  spec?: Record<string, unknown>;
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export interface TypedObject<Spec, Status> extends KubeObject {
  spec?: Spec;
  status?: Status;
}
