import assert from "node:assert/strict";
import { test } from "node:test";
import { checkAddress } from "../../../src/metricproviders/address-policy.ts";

const fakeDns = (table: Record<string, string[]>) => async (host: string) => table[host] ?? [];
const policy = {
  apiServer: "https://10.96.0.1:443",
  resolve: fakeDns({
    "prometheus.monitoring": ["10.0.3.4"],
    sneaky: ["169.254.169.254"],
    "kubernetes.default": ["10.96.0.1"],
  }),
};

test("metadata, link-local and the API server are denied, also behind a name", async () => {
  for (const [address, why] of [
    ["http://169.254.169.254/latest/meta-data/", /link-local \/ cloud metadata/],
    ["http://[fe80::1]:9090", /link-local/],
    ["http://[fd00:ec2::254]/", /cloud metadata/],
    ["http://metadata.google.internal/computeMetadata/v1/", /cloud metadata/],
    ["http://100.100.100.200/", /cloud metadata/],
    ["http://sneaky:9090", /sneaky is 169\.254\.169\.254/],
    ["https://10.96.0.1", /Kubernetes API server/],
    ["https://kubernetes.default:443/api", /Kubernetes API server/],
    ["http://[::ffff:169.254.169.254]/", /link-local/],
  ] as const) {
    await assert.rejects(checkAddress(address, policy), (e: Error) => why.test(e.message), address);
  }
});

test("ordinary addresses pass; the allow list narrows them", async () => {
  await checkAddress("http://prometheus.monitoring:9090", policy);
  await checkAddress("http://127.0.0.1:9090", policy);
  await checkAddress("https://10.96.0.1:8443", policy); // another port on that host is not the API server
  const narrowed = { ...policy, allow: ["prometheus.monitoring:9090"] };
  await checkAddress("http://prometheus.monitoring:9090/api", narrowed);
  await assert.rejects(checkAddress("http://127.0.0.1:9090", narrowed), /not in --metric-address-allow/);
  await assert.rejects(checkAddress("not a url", policy), /is not a URL/);
});
