// From a checkout and an Application's source to objects: one renderer per source type, chosen as
// Argo CD chooses — the one `source.directory` / `source.kustomize` / `source.helm` names, else by
// the files at the path (a kustomization file: kustomize; Chart.yaml: helm; else a directory of
// manifests). Tool renders (kustomize, helm) share a cap on how many run at once across every
// Application, so a burst of new commits cannot fork a process per Application.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ApplicationSource } from "../../api/application.ts";
import { confinedPath, RenderError } from "./confine.ts";
import { DEFAULT_LIMITS, type Rendered, type RenderLimits, renderDirectory } from "./directory.ts";
import { renderHelm } from "./helm.ts";
import { KUSTOMIZATION_FILES, renderKustomize } from "./kustomize.ts";
import { Slots } from "./tool.ts";

export type { Rendered } from "./directory.ts";
export { RenderError };

export type SourceType = "directory" | "kustomize" | "helm";

export interface RenderToolsConfig {
  /** The kustomize binary (default `kustomize` on PATH). */
  kustomizePath?: string | undefined;
  /** The helm binary (default `helm` on PATH). */
  helmPath?: string | undefined;
  /** Tool renders at once, across all Applications (default 4). */
  renderConcurrency?: number | undefined;
  /** Deadline of one tool run (default 90 s, Argo CD's exec timeout). */
  renderTimeoutMs?: number | undefined;
  /** Told of every render: which renderer, how long, whether it worked (for metrics). */
  onRender?: ((type: SourceType, seconds: number, ok: boolean) => void) | undefined;
}

/** The tools and their shared limits; made once per controller. */
export interface RenderTools {
  kustomizePath: string;
  helmPath: string;
  timeoutMs: number;
  limits: RenderLimits;
  slots: Slots;
  onRender?: ((type: SourceType, seconds: number, ok: boolean) => void) | undefined;
}

export function renderTools(config: RenderToolsConfig = {}): RenderTools {
  return {
    kustomizePath: config.kustomizePath ?? "kustomize",
    helmPath: config.helmPath ?? "helm",
    timeoutMs: config.renderTimeoutMs ?? 90_000,
    limits: DEFAULT_LIMITS,
    slots: new Slots(config.renderConcurrency ?? 4),
    onRender: config.onRender,
  };
}

export interface RenderContext {
  /** The Application's name (Helm's default release name). */
  appName: string;
  /** The destination namespace (Helm's `--namespace`). */
  namespace: string;
  tools: RenderTools;
}

type Renderer = (checkout: string, source: ApplicationSource, context: RenderContext) => Promise<Rendered[]>;

const tool = (tools: RenderTools, binary: string) => ({
  binary,
  timeoutMs: tools.timeoutMs,
  maxBytes: tools.limits.maxBytes,
});

const RENDERERS: Record<SourceType, Renderer> = {
  directory: (checkout, source, { tools }) =>
    renderDirectory(checkout, source.path ?? "", source.directory ?? {}, tools.limits),
  kustomize: (checkout, source, { tools }) =>
    tools.slots.run(() =>
      renderKustomize(checkout, source.path ?? "", source.kustomize, tool(tools, tools.kustomizePath)),
    ),
  helm: (checkout, source, { tools, appName, namespace }) =>
    tools.slots.run(() =>
      renderHelm(
        checkout,
        source.path ?? "",
        source.helm,
        { appName, namespace },
        tool(tools, tools.helmPath),
      ),
    ),
};

/** The source type: named by the source, else found from the files at the path. */
export async function sourceTypeOf(checkout: string, source: ApplicationSource): Promise<SourceType> {
  const named = (["directory", "kustomize", "helm"] as const).filter((type) => source[type] !== undefined);
  if (named.length > 1)
    throw new RenderError(`spec.source: only one of directory, kustomize, helm may be set (got ${named})`);
  if (named[0]) return named[0];
  const dir = await confinedPath(checkout, source.path || ".");
  if (KUSTOMIZATION_FILES.some((name) => existsSync(join(dir, name)))) return "kustomize";
  if (existsSync(join(dir, "Chart.yaml"))) return "helm";
  return "directory";
}

/**
 * The objects the source renders to. `checkout` is a scratch work tree of this one render: the
 * kustomize renderer edits its kustomization there, as Argo CD does.
 */
export async function render(
  checkout: string,
  source: ApplicationSource,
  context: RenderContext,
): Promise<Rendered[]> {
  const type = await sourceTypeOf(checkout, source);
  const started = performance.now();
  let ok = false;
  try {
    const rendered = await RENDERERS[type](checkout, source, context);
    ok = true;
    return rendered;
  } finally {
    context.tools.onRender?.(type, (performance.now() - started) / 1000, ok);
  }
}
