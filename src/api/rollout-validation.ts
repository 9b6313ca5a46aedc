// Semantic validation of a Rollout (DESIGN.md §8: the CRD schema checks only structure and
// types). One validator serves the controller (InvalidSpec condition + Event) and
// `kubectl sluice lint`. Each problem names the field path, so users can find it.

import type { IntOrString } from "./common.ts";
import { DurationError, parseDuration } from "./duration.ts";
import type {
  BlueGreenStrategy,
  CanaryStep,
  CanaryStrategy,
  Rollout,
  RolloutAnalysis,
  RolloutSpec,
} from "./rollout.ts";
import { RolloutDefaults } from "./rollout.ts";
import { routeStepProblems } from "./route-steps-validation.ts";
import { isEmptySelector, selectorMatches } from "./selector.ts";
import { validateTrafficRouting } from "./traffic-validation.ts";

export interface FieldProblem {
  path: string;
  message: string;
  /** "warning" problems are reported but do not make the spec invalid. */
  severity: "error" | "warning";
}

/** What the validator may know about other objects; undefined answers mean "cannot tell". */
export interface ReferenceResolver {
  /** The Service's selector, or null when it certainly does not exist. */
  service(name: string): Record<string, string> | null | undefined;
}

/**
 * Fields the peer accepts that sluice does not implement yet: they make the spec invalid with
 * "<field> is not supported yet" instead of being silently ignored. Entries go as features land.
 */
const UNSUPPORTED: { path: string; present: (r: Rollout) => unknown }[] = [
  { path: "spec.workloadRef", present: (r) => r.spec?.workloadRef },
  { path: "spec.rollbackWindow", present: (r) => r.spec?.rollbackWindow },
  { path: "spec.strategy.canary.antiAffinity", present: (r) => r.spec?.strategy?.canary?.antiAffinity },
  {
    path: "spec.strategy.canary.scaleDownDelayRevisionLimit",
    present: (r) => r.spec?.strategy?.canary?.scaleDownDelayRevisionLimit !== undefined,
  },
  { path: "spec.strategy.canary.pingPong", present: (r) => r.spec?.strategy?.canary?.pingPong },
  {
    path: "spec.strategy.canary.minPodsPerReplicaSet",
    present: (r) => r.spec?.strategy?.canary?.minPodsPerReplicaSet !== undefined,
  },
  {
    path: "spec.strategy.canary.replicaProgressThreshold",
    present: (r) => r.spec?.strategy?.canary?.replicaProgressThreshold,
  },
  { path: "spec.strategy.blueGreen.antiAffinity", present: (r) => r.spec?.strategy?.blueGreen?.antiAffinity },
  {
    path: "spec.strategy.blueGreen.scaleDownDelayRevisionLimit",
    present: (r) => r.spec?.strategy?.blueGreen?.scaleDownDelayRevisionLimit !== undefined,
  },
];

const UNSUPPORTED_STEPS: (keyof CanaryStep)[] = ["experiment", "plugin"];
const STEP_TYPES: (keyof CanaryStep)[] = [
  "setWeight",
  "pause",
  "setCanaryScale",
  "analysis",
  "setHeaderRoute",
  "setMirrorRoute",
  ...UNSUPPORTED_STEPS,
];

class Problems {
  readonly list: FieldProblem[] = [];
  error(path: string, message: string): void {
    this.list.push({ path, message, severity: "error" });
  }
  warning(path: string, message: string): void {
    this.list.push({ path, message, severity: "warning" });
  }
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

function nonNegativeInt(p: Problems, path: string, value: number | undefined): void {
  if (value !== undefined && (!isInt(value) || value < 0))
    p.error(path, `must be an integer ≥ 0, got ${value}`);
}

/** An int-or-string replica count: an integer ≥ 0 or a percentage like "25%". Returns 0 when it is zero. */
function intOrPercent(p: Problems, path: string, value: IntOrString | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number") {
    if (!isInt(value) || value < 0) p.error(path, `must be an integer ≥ 0 or a percentage, got ${value}`);
    return value;
  }
  const match = /^(\d+)%$/.exec(value);
  if (!match) {
    p.error(path, `must be an integer ≥ 0 or a percentage like "25%", got "${value}"`);
    return undefined;
  }
  const percent = Number(match[1]);
  if (percent > 100) p.error(path, `must be at most 100%, got "${value}"`);
  return percent;
}

function checkService(
  p: Problems,
  path: string,
  name: string | undefined,
  refs: ReferenceResolver | undefined,
  podLabels: Record<string, string>,
) {
  if (!name || !refs) return;
  const selector = refs.service(name);
  if (selector === undefined) return;
  if (selector === null) {
    p.error(path, `Service "${name}" not found`);
    return;
  }
  const { "rollouts-pod-template-hash": _hash, ...rest } = selector;
  if (!selectorMatches({ matchLabels: rest }, podLabels)) {
    p.error(
      path,
      `Service "${name}" selects ${JSON.stringify(rest)}, which the pod template's labels do not match`,
    );
  }
}

/** A step, background or blue/green analysis: which templates, and args that can be built. */
function validateAnalysis(p: Problems, path: string, analysis: RolloutAnalysis | undefined): void {
  if (analysis === undefined) return;
  if ((analysis.templates ?? []).length === 0) p.error(`${path}.templates`, "needs at least one template");
  (analysis.templates ?? []).forEach((ref, i) => {
    if (!ref.templateName) p.error(`${path}.templates[${i}].templateName`, "is required");
  });
  (analysis.args ?? []).forEach((arg, i) => {
    const from = arg.valueFrom;
    if (!arg.name) p.error(`${path}.args[${i}].name`, "is required");
    if (from?.fieldRef && !from.fieldRef.fieldPath)
      p.error(`${path}.args[${i}].valueFrom.fieldRef.fieldPath`, "is required");
    const hash = from?.podTemplateHashValue;
    if (hash !== undefined && hash !== "Stable" && hash !== "Latest")
      p.error(`${path}.args[${i}].valueFrom.podTemplateHashValue`, `must be Stable or Latest, got "${hash}"`);
  });
}

function validateSteps(
  p: Problems,
  base: string,
  steps: CanaryStep[],
  hasTrafficRouting: boolean,
  maxWeight: number,
): void {
  for (const [i, step] of steps.entries())
    validateStep(p, `${base}.steps[${i}]`, step, hasTrafficRouting, maxWeight);
}

/** A step is exactly one kind of step; then that kind's own fields. */
function validateStep(
  p: Problems,
  path: string,
  step: CanaryStep,
  hasTrafficRouting: boolean,
  maxWeight: number,
): void {
  const kinds = STEP_TYPES.filter((k) => step[k] !== undefined);
  if (kinds.length !== 1) {
    p.error(
      path,
      kinds.length === 0
        ? `a step needs one of ${STEP_TYPES.join(", ")}`
        : `a step may have only one of ${kinds.join(", ")}`,
    );
    return;
  }
  const kind = kinds[0] as keyof CanaryStep;
  if (UNSUPPORTED_STEPS.includes(kind)) p.error(`${path}.${kind}`, `${path}.${kind} is not supported yet`);
  if (step.setWeight !== undefined) {
    const max = maxWeight;
    if (!isInt(step.setWeight) || step.setWeight < 0 || step.setWeight > max) {
      p.error(`${path}.setWeight`, `must be an integer between 0 and ${max}, got ${step.setWeight}`);
    }
  }
  if (step.pause?.duration !== undefined)
    validatePauseDuration(p, `${path}.pause.duration`, step.pause.duration);
  validateAnalysis(p, `${path}.analysis`, step.analysis);
  if (step.setCanaryScale !== undefined)
    validateSetCanaryScale(p, `${path}.setCanaryScale`, step.setCanaryScale, hasTrafficRouting);
}

function validatePauseDuration(p: Problems, path: string, duration: IntOrString): void {
  try {
    parseDuration(duration, path);
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    p.error(path, error.message.replace(`${path}: `, ""));
  }
}

function validateSetCanaryScale(
  p: Problems,
  path: string,
  scale: NonNullable<CanaryStep["setCanaryScale"]>,
  hasTrafficRouting: boolean,
): void {
  if (!hasTrafficRouting) p.error(path, "setCanaryScale needs trafficRouting");
  const set = (["weight", "replicas", "matchTrafficWeight"] as const).filter((k) => scale[k] !== undefined);
  if (set.length !== 1) p.error(path, "needs exactly one of weight, replicas, matchTrafficWeight");
}

/** What a traffic router needs of the canary, and the delays only a router gives meaning to. */
function validateCanaryRouting(p: Problems, base: string, c: CanaryStrategy): void {
  const hasTrafficRouting = c.trafficRouting !== undefined;
  if (hasTrafficRouting && (!c.canaryService || !c.stableService)) {
    p.error(`${base}.trafficRouting`, "trafficRouting needs both canaryService and stableService");
  }
  nonNegativeInt(p, `${base}.scaleDownDelaySeconds`, c.scaleDownDelaySeconds);
  nonNegativeInt(p, `${base}.abortScaleDownDelaySeconds`, c.abortScaleDownDelaySeconds);
  // As the peer: only scaleDownDelaySeconds needs a router; abortScaleDownDelaySeconds is accepted
  // without one (a basic canary scales down at once on abort).
  if (c.dynamicStableScale && !hasTrafficRouting)
    p.error(`${base}.dynamicStableScale`, "dynamicStableScale can only be used with traffic routing");
  if (c.dynamicStableScale && c.scaleDownDelaySeconds !== undefined)
    p.error(`${base}.dynamicStableScale`, "dynamicStableScale cannot be used with scaleDownDelaySeconds");
  if (c.scaleDownDelaySeconds !== undefined && !hasTrafficRouting)
    p.error(
      `${base}.scaleDownDelaySeconds`,
      "Canary scaleDownDelaySeconds can only be used with traffic routing",
    );
}

function validateCanary(
  p: Problems,
  c: CanaryStrategy,
  refs: ReferenceResolver | undefined,
  podLabels: Record<string, string>,
): void {
  const base = "spec.strategy.canary";
  const hasTrafficRouting = c.trafficRouting !== undefined;
  if (c.canaryService && c.canaryService === c.stableService) {
    p.error(`${base}.stableService`, "canaryService and stableService must be different Services");
  }
  const surge = intOrPercent(p, `${base}.maxSurge`, c.maxSurge);
  const unavailable = intOrPercent(p, `${base}.maxUnavailable`, c.maxUnavailable);
  if (surge === 0 && unavailable === 0)
    p.error(`${base}.maxUnavailable`, "maxSurge and maxUnavailable cannot both be 0");
  validateCanaryRouting(p, base, c);
  validateSteps(
    p,
    base,
    c.steps ?? [],
    hasTrafficRouting,
    c.trafficRouting?.maxTrafficWeight ?? RolloutDefaults.maxTrafficWeight,
  );
  if (c.trafficRouting) validateTrafficRouting(p, `${base}.trafficRouting`, c.trafficRouting);
  for (const problem of routeStepProblems(base, c)) p.error(problem.path, problem.message);
  validateAnalysis(p, `${base}.analysis`, c.analysis);
  const starting = c.analysis?.startingStep;
  if (starting !== undefined && (!isInt(starting) || starting < 0 || starting > (c.steps ?? []).length))
    p.error(
      `${base}.analysis.startingStep`,
      `must be a step index between 0 and ${(c.steps ?? []).length}, got ${starting}`,
    );
  checkService(p, `${base}.canaryService`, c.canaryService, refs, podLabels);
  checkService(p, `${base}.stableService`, c.stableService, refs, podLabels);
}

function validateBlueGreen(
  p: Problems,
  b: BlueGreenStrategy,
  refs: ReferenceResolver | undefined,
  podLabels: Record<string, string>,
): void {
  const base = "spec.strategy.blueGreen";
  if (!b.activeService) p.error(`${base}.activeService`, "activeService is required");
  if (b.previewService && b.previewService === b.activeService) {
    p.error(`${base}.previewService`, "previewService and activeService must be different Services");
  }
  nonNegativeInt(p, `${base}.previewReplicaCount`, b.previewReplicaCount);
  nonNegativeInt(p, `${base}.autoPromotionSeconds`, b.autoPromotionSeconds);
  nonNegativeInt(p, `${base}.scaleDownDelaySeconds`, b.scaleDownDelaySeconds);
  nonNegativeInt(p, `${base}.abortScaleDownDelaySeconds`, b.abortScaleDownDelaySeconds);
  intOrPercent(p, `${base}.maxUnavailable`, b.maxUnavailable);
  validateAnalysis(p, `${base}.prePromotionAnalysis`, b.prePromotionAnalysis);
  validateAnalysis(p, `${base}.postPromotionAnalysis`, b.postPromotionAnalysis);
  checkService(p, `${base}.activeService`, b.activeService, refs, podLabels);
  checkService(p, `${base}.previewService`, b.previewService, refs, podLabels);
}

export function validateRollout(rollout: Rollout, refs?: ReferenceResolver): FieldProblem[] {
  const p = new Problems();
  const spec = rollout.spec;
  if (!spec) {
    p.error("spec", "spec is required");
    return p.list;
  }
  for (const { path, present } of UNSUPPORTED) {
    if (present(rollout)) p.error(path, `${path} is not supported yet`);
  }
  nonNegativeInt(p, "spec.replicas", spec.replicas);
  nonNegativeInt(p, "spec.minReadySeconds", spec.minReadySeconds);
  nonNegativeInt(p, "spec.revisionHistoryLimit", spec.revisionHistoryLimit);
  nonNegativeInt(p, "spec.progressDeadlineSeconds", spec.progressDeadlineSeconds);
  const deadline = spec.progressDeadlineSeconds ?? RolloutDefaults.progressDeadlineSeconds;
  if (deadline <= (spec.minReadySeconds ?? 0)) {
    p.error("spec.progressDeadlineSeconds", `must be greater than minReadySeconds (${spec.minReadySeconds})`);
  }
  if (spec.restartAt !== undefined && Number.isNaN(Date.parse(spec.restartAt))) {
    p.error("spec.restartAt", `"${spec.restartAt}" is not an RFC 3339 time`);
  }

  const podLabels = spec.template?.metadata?.labels ?? {};
  validateTemplateAndSelector(p, spec, podLabels);
  validateStrategy(p, spec.strategy ?? {}, refs, podLabels);
  return p.list;
}

/** A template is required (unless a workloadRef stands in), and a non-empty selector matching its labels. */
function validateTemplateAndSelector(
  p: Problems,
  spec: RolloutSpec,
  podLabels: Record<string, string>,
): void {
  if (!spec.template && !spec.workloadRef) p.error("spec.template", "template is required");
  if (isEmptySelector(spec.selector)) {
    if (!spec.workloadRef) p.error("spec.selector", "selector is required and must not be empty");
  } else if (spec.selector && spec.template && !selectorMatches(spec.selector, podLabels)) {
    p.error("spec.selector", "selector does not match the labels of spec.template.metadata.labels");
  }
}

/** Exactly one of canary and blueGreen, then its own fields. */
function validateStrategy(
  p: Problems,
  { canary, blueGreen }: NonNullable<RolloutSpec["strategy"]>,
  refs: ReferenceResolver | undefined,
  podLabels: Record<string, string>,
): void {
  if (canary && blueGreen) p.error("spec.strategy", "only one of canary and blueGreen may be set");
  else if (!canary && !blueGreen) p.error("spec.strategy", "one of canary or blueGreen is required");
  if (canary) validateCanary(p, canary, refs, podLabels);
  if (blueGreen) validateBlueGreen(p, blueGreen, refs, podLabels);
}

export function formatProblem(problem: FieldProblem): string {
  return problem.message.startsWith(problem.path) ? problem.message : `${problem.path}: ${problem.message}`;
}
