// Looks up the AnalysisTemplates a run is made of (I/O before planning; the planner gets the
// outcome): those named, and those they name in turn, each once (a template reached twice, e.g.
// through two others, contributes its metrics once; a cycle ends). Where templates come from is a
// source: the cluster for the controller, the objects in a file for `kubectl sluice lint`.
import type { AnalysisTemplateSpec } from "../api/analysis.ts";
import type { RolloutAnalysis } from "../api/rollout.ts";
import type { KubeClient } from "../kube/client.ts";
import { isNotFound } from "../kube/errors.ts";
import { AnalysisTemplates, ClusterAnalysisTemplates } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import type { TemplateLookup } from "./context.ts";

export type TemplateRef = NonNullable<RolloutAnalysis["templates"]>[number];

/** A template may name further templates (the peer's template composition). */
export type ComposedTemplateSpec = AnalysisTemplateSpec & { templates?: TemplateRef[] };

/** A referenced template's spec; undefined when there is no such template. */
export type TemplateSource = (ref: TemplateRef) => Promise<ComposedTemplateSpec | undefined>;

/** How deep templates may nest before it is taken for a mistake. */
const MAX_TEMPLATE_DEPTH = 10;

class LookupStop extends Error {
  constructor(readonly outcome: TemplateLookup) {
    super("lookup stopped");
  }
}

/** The kind a reference names. */
export const templateKind = (ref: TemplateRef) =>
  ref.clusterScope ? "ClusterAnalysisTemplate" : "AnalysisTemplate";

/** Templates as the API server has them, in the Rollout's namespace (cluster-scoped ones anywhere). */
export function clusterTemplates(client: KubeClient, namespace: string): TemplateSource {
  return async (ref) => {
    try {
      const found = await client.get<KubeObject & { spec?: ComposedTemplateSpec }>(
        ref.clusterScope ? ClusterAnalysisTemplates : AnalysisTemplates,
        { namespace, name: ref.templateName ?? "" },
      );
      return found.spec ?? {};
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
}

async function fetchTemplate(source: TemplateSource, ref: TemplateRef) {
  const name = ref.templateName ?? "";
  const kind = templateKind(ref);
  const spec = await source(ref);
  if (spec === undefined) throw new LookupStop({ missing: `${kind} "${name}" not found` });
  return { key: `${kind}/${name}`, name, spec };
}

export async function lookupTemplates(
  source: TemplateSource,
  analysis: RolloutAnalysis,
): Promise<TemplateLookup> {
  const seen = new Set<string>();
  const found: { name: string; spec: AnalysisTemplateSpec }[] = [];
  const visit = async (ref: TemplateRef, depth: number): Promise<void> => {
    if (depth > MAX_TEMPLATE_DEPTH)
      throw new LookupStop({
        invalid: `templates nest deeper than ${MAX_TEMPLATE_DEPTH} at "${ref.templateName}"`,
      });
    const template = await fetchTemplate(source, ref);
    if (seen.has(template.key)) return;
    seen.add(template.key);
    const { templates: nested, ...spec } = template.spec;
    found.push({ name: template.name, spec });
    for (const child of nested ?? []) await visit(child, depth + 1);
  };
  try {
    for (const ref of analysis.templates ?? []) await visit(ref, 1);
  } catch (error) {
    if (error instanceof LookupStop) return error.outcome;
    throw error;
  }
  return { found };
}
