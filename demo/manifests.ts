// The sample app the demo keeps in Git, as a pure function of the version and the pace: a Rollout
// `web` with nginx canary steps gated by an analysis step, its stable and canary Services, the
// stable Ingress the canary Ingress is copied from, and an AnalysisTemplate asking Prometheus for
// the error ratio the sample exporter reports for the canary's pods.
import { stringify } from "yaml";

export const APP = "web";
export const IMAGE_REPOSITORY = "registry.example/web";
export const ERROR_RATIO_METRIC = "demo_http_error_ratio";
/** The analysis passes while the canary fails fewer than this share of requests. */
export const MAX_ERROR_RATIO = 0.05;

/** How long the story's waits last: a person watching, or CI. */
export interface Pace {
  /** Each canary pause. */
  pause: string;
  /** Between two measurements of the analysis. */
  interval: string;
  /** Measurements the analysis takes (all must pass). */
  count: number;
  /** How long the old version keeps its pods after it stops taking traffic (promotion or abort). */
  scaleDownDelaySeconds: number;
}

export const PACES: Record<"normal" | "fast", Pace> = {
  normal: { pause: "10s", interval: "5s", count: 3, scaleDownDelaySeconds: 10 },
  fast: { pause: "2s", interval: "1s", count: 2, scaleDownDelaySeconds: 2 },
};

export interface SampleApp {
  /** The image tag, e.g. "v2"; a tag ending in "-bad" is a build the sample exporter makes fail. */
  version: string;
  namespace: string;
  prometheusUrl: string;
  pace: Pace;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function imageOf(version: string): string {
  if (!TAG.test(version)) throw new Error(`"${version}" is not a valid image tag`);
  return `${IMAGE_REPOSITORY}:${version}`;
}

/** The steps, in the order the narration names them. */
export function canarySteps(pace: Pace): Record<string, unknown>[] {
  return [
    { setWeight: 20 },
    { pause: { duration: pace.pause } },
    {
      analysis: {
        templates: [{ templateName: "error-ratio" }],
        // The canary's pods are the ones with the newest pod-template hash.
        args: [{ name: "canary-hash", valueFrom: { podTemplateHashValue: "Latest" } }],
      },
    },
    { setWeight: 50 },
    { pause: { duration: pace.pause } },
  ];
}

function service(name: string) {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name },
    spec: { selector: { app: APP }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
  };
}

const stableIngress = {
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name: APP },
  spec: {
    ingressClassName: "nginx",
    rules: [
      {
        host: "web.demo.local",
        http: {
          paths: [
            {
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: "web-stable", port: { number: 80 } } },
            },
          ],
        },
      },
    ],
  },
};

/** The PromQL for the canary's error ratio; the namespace keeps two demos on one Prometheus apart. */
export function errorRatioQuery(namespace: string): string {
  return `max(${ERROR_RATIO_METRIC}{namespace="${namespace}",pod_template_hash="{{args.canary-hash}}"})`;
}

function analysisTemplate(app: SampleApp) {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: { name: "error-ratio" },
    spec: {
      args: [{ name: "canary-hash" }],
      metrics: [
        {
          name: "error-ratio",
          interval: app.pace.interval,
          count: app.pace.count,
          // One bad measurement fails the run: a canary serving errors is not given the benefit of the doubt.
          failureLimit: 0,
          successCondition: `result[0] < ${MAX_ERROR_RATIO}`,
          provider: {
            prometheus: { address: app.prometheusUrl, query: errorRatioQuery(app.namespace), timeout: 5 },
          },
        },
      ],
    },
  };
}

function rollout(app: SampleApp) {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: APP },
    spec: {
      replicas: 5,
      revisionHistoryLimit: 3,
      selector: { matchLabels: { app: APP } },
      template: {
        metadata: { labels: { app: APP } },
        spec: { containers: [{ name: APP, image: imageOf(app.version), ports: [{ containerPort: 8080 }] }] },
      },
      strategy: {
        canary: {
          stableService: "web-stable",
          canaryService: "web-canary",
          // Time for the ingress to stop sending traffic to the old pods before they go.
          scaleDownDelaySeconds: app.pace.scaleDownDelaySeconds,
          abortScaleDownDelaySeconds: app.pace.scaleDownDelaySeconds,
          trafficRouting: { nginx: { stableIngress: APP } },
          steps: canarySteps(app.pace),
        },
      },
    },
  };
}

/** The files of the app directory (path in the repository → YAML text). */
export function sampleAppFiles(app: SampleApp): Record<string, string> {
  return {
    "app/services.yaml": [service("web-stable"), service("web-canary")]
      .map((s) => stringify(s))
      .join("---\n"),
    "app/ingress.yaml": stringify(stableIngress),
    "app/analysis.yaml": stringify(analysisTemplate(app)),
    "app/rollout.yaml": stringify(rollout(app)),
  };
}
