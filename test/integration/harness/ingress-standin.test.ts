// The nginx Ingress status stand-in (test/cluster/ingress-standin.ts): nginx-class Ingresses get
// 127.0.0.1 as their load-balancer address; Ingresses of other classes are left alone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { NetworkingV1Api, type V1Ingress } from "@kubernetes/client-node";
import { apply, testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

function ingress(name: string, ingressClassName: string): V1Ingress {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name },
    spec: {
      ingressClassName,
      rules: [
        {
          host: `${name}.example.test`,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "web", port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

test("nginx Ingresses get 127.0.0.1 in their status; other classes do not", async (t) => {
  const namespace = await useNamespace(t, "ingress");
  await apply([ingress("other", "traefik"), ingress("web", "nginx")], namespace);
  const api = testKubeConfig().makeApiClient(NetworkingV1Api);
  const web = await waitFor("ingress web to get an address", async () => {
    const live = await api.readNamespacedIngress({ name: "web", namespace });
    return live.status?.loadBalancer?.ingress?.length ? live : pending("no address");
  });
  assert.deepEqual(
    web.status?.loadBalancer?.ingress?.map((i) => i.ip),
    ["127.0.0.1"],
  );
  // The stand-in handles events in order; "other" was created first, so it has been seen by now.
  const other = await api.readNamespacedIngress({ name: "other", namespace });
  assert.equal(other.status?.loadBalancer?.ingress, undefined);
});
