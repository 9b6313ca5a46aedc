// An informer stopped while its first LIST is in flight stops at once. The stop's abort fires
// before the watch that would follow the list is opened, so a watch opened afterwards never hears
// it and runs until the server ends it (5-10 min): a controller told to stop (SIGTERM) right after
// it started would hang until the kubelet's SIGKILL. Seen in the chart's RBAC test.
import assert from "node:assert/strict";
import { test } from "node:test";
import pino from "pino";
import { Informer } from "../../../src/controller/informer.ts";
import { ConfigMaps } from "../../../src/kube/resources.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";

test("an informer stopped while it lists stops at once, without opening a watch", async (t) => {
  const namespace = await useNamespace(t, "informer-stop");
  const informer = new Informer({
    client: testClient(),
    type: ConfigMaps,
    namespace,
    logger: pino({ level: "silent" }),
  });
  // The loop runs up to its first await: the LIST request is on its way when stop() is called.
  void informer.start();
  const started = Date.now();
  const stopped = informer.stop().then(() => Date.now() - started);
  const limit = new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 5000).unref());
  const outcome = await Promise.race([stopped, limit]);
  assert.notEqual(outcome, "hung", "stop() did not return within 5 s");
});
