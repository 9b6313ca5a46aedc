// The objects under chaos: N canary Rollouts (`web-<i>`, 1 replica), each with its own stable and
// canary Services; every other one routed through nginx (its own stable Ingress); half with a
// background analysis, half with an analysis step. All analyses query one gauge that always
// passes, with an error tolerance longer than any scheduled Prometheus outage. One more Rollout,
// `doomed`, has a background analysis with zero error tolerance and waits at an indefinite pause:
// whether it must abort follows from the recorded outages alone.
import type { Rollout } from "../../src/api/rollout.ts";
import type { KubeClient } from "../../src/kube/client.ts";
import { AnalysisTemplates, Ingresses, Namespaces, Rollouts, Services } from "../../src/kube/resources.ts";
import type { KubeObject } from "../../src/kube/types.ts";
import type { Tolerance } from "./windows.ts";

export const MANAGER = "sluice-chaos";
export const DOOMED = "doomed";
/** Errors are retried every 10 s (the peer's rule): this many in a row end a tolerant analysis. */
export const TOLERANT_ERROR_LIMIT = 3;
export const ERROR_RETRY_MS = 10_000;
/** The doomed analysis measures every second and gives up on the first Error. */
export const ZERO_TOLERANCE_INTERVAL_MS = 1_000;
export const TOLERANT_INTERVAL_MS = 2_000;

export type AnalysisKind = "background" | "step" | "zero-tolerance";

/** How much Prometheus downtime each kind of analysis rides out (see windows.ts errorVerdict). */
export function toleranceOf(kind: AnalysisKind): Tolerance {
  // Slack: the controller's latency over a few measurements on two busy cores.
  const common = { retryMs: ERROR_RETRY_MS, slackMs: 4_000 };
  return kind === "zero-tolerance"
    ? { ...common, limit: 0, intervalMs: ZERO_TOLERANCE_INTERVAL_MS }
    : { ...common, limit: TOLERANT_ERROR_LIMIT, intervalMs: TOLERANT_INTERVAL_MS };
}

export interface Canary {
  name: string;
  routed: boolean;
  analysis: AnalysisKind;
}

export function fleet(count: number): Canary[] {
  const canaries = Array.from(
    { length: count },
    (_, i): Canary => ({
      name: `web-${i}`,
      routed: i % 2 === 0,
      analysis: Math.floor(i / 2) % 2 === 0 ? "background" : "step",
    }),
  );
  return [...canaries, { name: DOOMED, routed: false, analysis: "zero-tolerance" }];
}

export const stableService = (c: Canary) => `${c.name}-stable`;

const template = (name: string, address: string, metric: Record<string, unknown>) => ({
  apiVersion: "sluice.dev/v1alpha1",
  kind: "AnalysisTemplate",
  metadata: { name },
  spec: {
    args: [{ name: "query" }],
    metrics: [
      {
        name: "ratio",
        successCondition: "result[0] >= 0.95",
        provider: { prometheus: { address, query: "{{args.query}}", timeout: 2 } },
        ...metric,
      },
    ],
  },
});

const templates = (address: string) => [
  template("tolerant-background", address, {
    interval: `${TOLERANT_INTERVAL_MS / 1000}s`,
    consecutiveErrorLimit: TOLERANT_ERROR_LIMIT,
  }),
  template("tolerant-step", address, {
    interval: `${TOLERANT_INTERVAL_MS / 1000}s`,
    count: 3,
    consecutiveErrorLimit: TOLERANT_ERROR_LIMIT,
  }),
  template("zero-tolerance", address, {
    interval: `${ZERO_TOLERANCE_INTERVAL_MS / 1000}s`,
    consecutiveErrorLimit: 0,
  }),
];

function steps(c: Canary, pauseSeconds: number, query: string): unknown[] {
  if (c.analysis === "zero-tolerance") return [{ setWeight: 50 }, { pause: {} }];
  const walk: unknown[] = [{ setWeight: 25 }, { pause: { duration: pauseSeconds } }, { setWeight: 50 }];
  if (c.analysis === "step") {
    return [
      ...walk,
      {
        analysis: { templates: [{ templateName: "tolerant-step" }], args: [{ name: "query", value: query }] },
      },
    ];
  }
  return [...walk, { pause: { duration: pauseSeconds } }];
}

function rollout(namespace: string, c: Canary, pauseSeconds: number, query: string): Rollout {
  const background =
    c.analysis === "step"
      ? undefined
      : c.analysis === "background"
        ? "tolerant-background"
        : "zero-tolerance";
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: c.name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: c.name } },
      template: podTemplate(c.name, "web:1"),
      strategy: {
        canary: {
          canaryService: `${c.name}-canary`,
          stableService: stableService(c),
          ...(c.routed ? { trafficRouting: { nginx: { stableIngress: c.name } } } : {}),
          steps: steps(c, pauseSeconds, query) as never,
          ...(background
            ? {
                analysis: {
                  templates: [{ templateName: background }],
                  args: [{ name: "query", value: query }],
                },
              }
            : {}),
        },
      },
    },
  };
}

export const podTemplate = (app: string, image: string) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: "web", image }] },
});

function routing(namespace: string, c: Canary): [typeof Services, KubeObject][] {
  const service = (name: string): [typeof Services, KubeObject] => [
    Services,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace },
      spec: { selector: { app: c.name }, ports: [{ port: 80 }] },
    } as KubeObject,
  ];
  const objects = [service(stableService(c)), service(`${c.name}-canary`)];
  if (!c.routed) return objects;
  const backend = { service: { name: stableService(c), port: { number: 80 } } };
  const ingress = {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: c.name, namespace },
    spec: {
      ingressClassName: "nginx",
      rules: [
        { host: `${c.name}.example.com`, http: { paths: [{ path: "/", pathType: "Prefix", backend }] } },
      ],
    },
  } as KubeObject;
  return [...objects, [Ingresses, ingress]];
}

/** Namespace, templates, Services, Ingresses and Rollouts at web:1. */
export async function createFleet(
  client: KubeClient,
  namespace: string,
  canaries: Canary[],
  options: { prometheusUrl: string; query: string; pauseSeconds: number },
): Promise<void> {
  await client.create(
    Namespaces,
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
    MANAGER,
  );
  for (const t of templates(options.prometheusUrl)) {
    await client.create(AnalysisTemplates, { ...t, metadata: { ...t.metadata, namespace } }, MANAGER);
  }
  await Promise.all(
    canaries.map(async (c) => {
      for (const [type, object] of routing(namespace, c)) await client.create(type, object, MANAGER);
      await client.create(Rollouts, rollout(namespace, c, options.pauseSeconds, options.query), MANAGER);
    }),
  );
}

/** The update the chaos runs across: every Rollout to web:2. */
export async function updateFleet(client: KubeClient, namespace: string, canaries: Canary[]): Promise<void> {
  await Promise.all(
    canaries.map((c) =>
      client.mergePatch(
        Rollouts,
        { namespace, name: c.name },
        { spec: { template: podTemplate(c.name, "web:2") } },
        MANAGER,
      ),
    ),
  );
}
