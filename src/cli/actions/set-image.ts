// `set image NAME CONTAINER=IMAGE...`: the peer's matching (containers, initContainers and
// ephemeralContainers by name; `*` for every one), as a merge patch of the lists that change.
import type { Rollout } from "../../api/rollout.ts";
import { usageError } from "../errors.ts";
import { type Decision, nameOf, noop, patch, refuse, templateElsewhere } from "./decision.ts";

export interface ImageAssignment {
  container: string;
  image: string;
}

const LISTS = ["initContainers", "containers", "ephemeralContainers"] as const;

type Container = { name?: string; image?: string | undefined } & Record<string, unknown>;

/** "web=registry/web:2" (the image may hold ':' and '@'); a bad one is a usage error. */
export function parseAssignment(text: string): ImageAssignment {
  const at = text.indexOf("=");
  const container = text.slice(0, at);
  const image = text.slice(at + 1);
  if (at <= 0 || image === "" || image.includes("=")) {
    throw usageError(`"${text}" is not CONTAINER=IMAGE`);
  }
  return { container, image };
}

/** The image each container gets: later assignments win, so `*=a web=b` leaves web on b. */
function imageFor(name: string | undefined, assignments: readonly ImageAssignment[]): string | undefined {
  let image: string | undefined;
  for (const a of assignments) if (a.container === "*" || a.container === name) image = a.image;
  return image;
}

export function decideSetImage(rollout: Rollout, assignments: readonly ImageAssignment[]): Decision {
  const elsewhere = templateElsewhere(rollout);
  if (elsewhere) return elsewhere;
  const podSpec = rollout.spec?.template?.spec ?? {};
  const names = LISTS.flatMap((list) => ((podSpec[list] ?? []) as Container[]).map((c) => c.name));
  const unknown = assignments.find((a) => a.container !== "*" && !names.includes(a.container));
  if (unknown || names.length === 0) {
    return refuse(`unable to find container named "${unknown?.container ?? "*"}"`);
  }
  const changed: Record<string, Container[]> = {};
  for (const list of LISTS) {
    const containers = podSpec[list] as Container[] | undefined;
    if (!containers) continue;
    const updated = containers.map((c) => ({ ...c, image: imageFor(c.name, assignments) ?? c.image }));
    if (updated.some((c, i) => c.image !== containers[i]?.image)) changed[list] = updated;
  }
  const name = nameOf(rollout);
  if (Object.keys(changed).length === 0) return noop(`rollout "${name}" image unchanged`);
  // A merge patch replaces a list whole; the resourceVersion it carries keeps that safe.
  return patch(`rollout "${name}" image updated`, { spec: { template: { spec: changed } } });
}
