// Discovery's cache: one request per group version, a miss refetches (at most once per
// missRefreshMs), concurrent lookups share a request, an unserved group version is "unknown kind".
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiDiscovery, type ApiResourceList, kindsOf, parseApiVersion } from "../../../src/kube/discovery.ts";
import { isUnknownKind, KubeError } from "../../../src/kube/errors.ts";
import type { KubeTransport, RequestSpec } from "../../../src/kube/transport.ts";

/** Answers discovery paths from `served` (mutable), counting requests per path. */
function fakeServer(served: Record<string, ApiResourceList>) {
  const requests: string[] = [];
  const transport = {
    async request<T>(spec: RequestSpec): Promise<T> {
      requests.push(spec.path);
      await Promise.resolve();
      const list = served[spec.path];
      if (!list) throw new KubeError("NotFound", `get ${spec.path}: not found`, 404);
      return structuredClone(list) as T;
    },
  } as unknown as KubeTransport;
  return { transport, requests };
}

const widgets: ApiResourceList = {
  groupVersion: "x.dev/v1",
  resources: [
    { name: "widgets", kind: "Widget", namespaced: true, verbs: ["get", "list", "watch"] },
    { name: "widgets/status", kind: "Widget", namespaced: true, verbs: ["get", "patch"] },
  ],
};

test("apiVersion splits into group and version; the core group is empty", () => {
  assert.deepEqual(parseApiVersion("apps/v1"), { group: "apps", version: "v1" });
  assert.deepEqual(parseApiVersion("v1"), { group: "", version: "v1" });
  assert.deepEqual(parseApiVersion("a.b.c/v1beta2"), { group: "a.b.c", version: "v1beta2" });
});

test("subresources are not kinds of their own", () => {
  const kinds = kindsOf(widgets, "x.dev", "v1");
  assert.deepEqual([...kinds.keys()], ["Widget"]);
  assert.equal(kinds.get("Widget")?.plural, "widgets");
  assert.deepEqual(kinds.get("Widget")?.verbs, ["get", "list", "watch"]);
});

test("a group version is fetched once and then served from the cache", async () => {
  const { transport, requests } = fakeServer({ "/apis/x.dev/v1": widgets });
  const discovery = new ApiDiscovery(transport);
  const [a, b] = await Promise.all([
    discovery.resourceFor({ group: "x.dev", version: "v1", kind: "Widget" }),
    discovery.resourceFor({ group: "x.dev", version: "v1", kind: "Widget" }),
  ]);
  await discovery.resourceFor({ group: "x.dev", version: "v1", kind: "Widget" });
  assert.equal(a, b);
  assert.deepEqual(requests, ["/apis/x.dev/v1"]);
});

test("core kinds are read from /api/v1", async () => {
  const { transport, requests } = fakeServer({
    "/api/v1": { resources: [{ name: "configmaps", kind: "ConfigMap", namespaced: true, verbs: ["get"] }] },
  });
  const found = await new ApiDiscovery(transport).resourceFor({
    group: "",
    version: "v1",
    kind: "ConfigMap",
  });
  assert.equal(found.group, "");
  assert.deepEqual(requests, ["/api/v1"]);
});

test("a missing kind refetches its group version, at most once per missRefreshMs", async () => {
  let now = 0;
  const served: Record<string, ApiResourceList> = {};
  const { transport, requests } = fakeServer(served);
  const discovery = new ApiDiscovery(transport, { missRefreshMs: 1000, now: () => now });
  const gvk = { group: "x.dev", version: "v1", kind: "Widget" };
  await assert.rejects(discovery.resourceFor(gvk), (e: Error) => isUnknownKind(e));
  now = 500;
  await assert.rejects(discovery.resourceFor(gvk), (e: Error) => isUnknownKind(e));
  assert.equal(requests.length, 1, "a miss within missRefreshMs is answered from the cache");
  served["/apis/x.dev/v1"] = widgets; // the CRD was installed
  now = 1000;
  assert.equal((await discovery.resourceFor(gvk)).plural, "widgets");
  assert.equal(requests.length, 2);
});

test("a kind added to a served group version is found on the next miss", async () => {
  let now = 0;
  const served: Record<string, ApiResourceList> = { "/apis/x.dev/v1": widgets };
  const { transport } = fakeServer(served);
  const discovery = new ApiDiscovery(transport, { missRefreshMs: 10, now: () => now });
  await discovery.resourceFor({ group: "x.dev", version: "v1", kind: "Widget" });
  served["/apis/x.dev/v1"] = {
    resources: [...(widgets.resources ?? []), { name: "gears", kind: "Gear", namespaced: false, verbs: [] }],
  };
  now = 10;
  const gear = await discovery.resourceFor({ group: "x.dev", version: "v1", kind: "Gear" });
  assert.deepEqual(
    { plural: gear.plural, namespaced: gear.namespaced },
    { plural: "gears", namespaced: false },
  );
});

test("errors other than 404 are not cached as unknown", async () => {
  let fail = true;
  const transport = {
    async request<T>(): Promise<T> {
      if (fail) throw new KubeError("Timeout", "no answer");
      return widgets as T;
    },
  } as unknown as KubeTransport;
  const discovery = new ApiDiscovery(transport);
  const gvk = { group: "x.dev", version: "v1", kind: "Widget" };
  await assert.rejects(discovery.resourceFor(gvk), /no answer/);
  fail = false;
  assert.equal((await discovery.resourceFor(gvk)).plural, "widgets");
});
