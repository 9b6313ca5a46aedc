// Events against the real API server: repeats of one Event fold into it (count, lastTimestamp);
// another message is another Event; an Event deleted meanwhile is written anew, not lost.
import assert from "node:assert/strict";
import { test } from "node:test";
import pino from "pino";
import { Events } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { EventRecorder } from "../../../src/telemetry/events.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { clockReaches } from "../../helpers/wait.ts";

type Event = KubeObject & {
  count?: number;
  message?: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
};

test("repeated Events fold into one with a count; a deleted one is written anew", async (t) => {
  const namespace = await useNamespace(t, "events");
  const client = testClient();
  const recorder = new EventRecorder(client, "sluice-test", pino({ level: "silent" }));
  const subject: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "subject", namespace, uid: "0b7c6a52-0000-4000-8000-000000000001" },
  };
  const list = async () => (await client.list<Event>(Events, { namespace })).items;
  for (let i = 0; i < 3; i++) await recorder.record(subject, "Warning", "InvalidSpec", "spec.replicas: bad");
  // Event times have one-second resolution: the fourth repeat comes once the clock is past the
  // first one's second, so lastTimestamp must move.
  const [first] = await list();
  assert.ok(first?.firstTimestamp, "the first Event is written");
  await clockReaches(Date.parse(first.firstTimestamp) + 1000);
  await recorder.record(subject, "Warning", "InvalidSpec", "spec.replicas: bad");
  await recorder.record(subject, "Warning", "InvalidSpec", "spec.selector: bad");
  const events = await list();
  assert.deepEqual(events.map((e) => [e.message, e.count]).sort(), [
    ["spec.replicas: bad", 4],
    ["spec.selector: bad", 1],
  ]);
  const folded = events.find((e) => e.count === 4);
  assert.ok(
    Date.parse(folded?.lastTimestamp ?? "") > Date.parse(folded?.firstTimestamp ?? ""),
    "lastTimestamp moved",
  );

  await client.delete(Events, { namespace, name: folded?.metadata?.name ?? "" });
  await recorder.record(subject, "Warning", "InvalidSpec", "spec.replicas: bad");
  const after = (await list()).filter((e) => e.message === "spec.replicas: bad");
  assert.deepEqual(
    after.map((e) => e.count),
    [1],
    "written anew after the old one was gone",
  );
});
