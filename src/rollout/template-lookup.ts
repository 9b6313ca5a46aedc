// Looks up the AnalysisTemplates a run is made of (I/O before planning; the planner gets the
// outcome): those named, and those they name in turn, each once (a template reached twice, e.g.
// through two others, contributes its metrics once; a cycle ends).
import type { AnalysisTemplateSpec } from "../api/analysis.ts";
import type { RolloutAnalysis } from "../api/rollout.ts";
import type { KubeClient } from "../kube/client.ts";
import { isNotFound } from "../kube/errors.ts";
import { AnalysisTemplates, ClusterAnalysisTemplates } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import type { TemplateLookup } from "./context.ts";

type TemplateRef = NonNullable<RolloutAnalysis["templates"]>[number];

/** A template may name further templates (the peer's template composition). */
type ComposedTemplateSpec = AnalysisTemplateSpec & { templates?: TemplateRef[] };

/** How deep templates may nest before it is taken for a mistake. */
const MAX_TEMPLATE_DEPTH = 10;

class LookupStop extends Error {
  constructor(readonly outcome: TemplateLookup) {
    super("lookup stopped");
  }
}

async function fetchTemplate(client: KubeClient, namespace: string, ref: TemplateRef) {
  const name = ref.templateName ?? "";
  const kind = ref.clusterScope ? "ClusterAnalysisTemplate" : "AnalysisTemplate";
  try {
    const found = await client.get<KubeObject & { spec?: ComposedTemplateSpec }>(
      ref.clusterScope ? ClusterAnalysisTemplates : AnalysisTemplates,
      { namespace, name },
    );
    return { key: `${kind}/${name}`, name, spec: found.spec ?? {} };
  } catch (error) {
    if (isNotFound(error)) throw new LookupStop({ missing: `${kind} "${name}" not found` });
    throw error;
  }
}

export async function lookupTemplates(
  client: KubeClient,
  namespace: string,
  analysis: RolloutAnalysis,
): Promise<TemplateLookup> {
  const seen = new Set<string>();
  const found: { name: string; spec: AnalysisTemplateSpec }[] = [];
  const visit = async (ref: TemplateRef, depth: number): Promise<void> => {
    if (depth > MAX_TEMPLATE_DEPTH)
      throw new LookupStop({
        invalid: `templates nest deeper than ${MAX_TEMPLATE_DEPTH} at "${ref.templateName}"`,
      });
    const template = await fetchTemplate(client, namespace, ref);
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
