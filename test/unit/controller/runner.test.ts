// The runner's handling of a reconcile's requeue delay: a valid one is a timer; a NaN or negative
// one (an unreadable date upstream) is refused, logged with the key and retried with backoff
// instead of firing at once for ever.
import assert from "node:assert/strict";
import { test } from "node:test";
import pino from "pino";
import { WorkQueue } from "../../../src/controller/queue.ts";
import { Controller } from "../../../src/controller/runner.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";

async function runWith(delay: number) {
  const clock = new FakeClock();
  const queue = new WorkQueue({ clock });
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  let calls = 0;
  const controller = new Controller({
    name: "t",
    logger,
    queue,
    workers: 1,
    reconcile: async () => {
      calls++;
      return { requeueAfterMs: delay };
    },
  });
  controller.run();
  controller.enqueue("ns/a");
  const settle = () => new Promise((r) => setTimeout(r, 20));
  await settle();
  for (let i = 0; i < 5; i++) {
    clock.advance(1);
    await settle();
  }
  const afterFiveMs = calls;
  await controller.shutdown();
  return { afterFiveMs, lines };
}

test("a valid requeue delay is a timer; NaN and negative delays are refused, logged and backed off", async () => {
  const valid = await runWith(1000);
  assert.equal(valid.afterFiveMs, 1, "1 s later: not yet");
  for (const bad of [Number.NaN, -5, Number.POSITIVE_INFINITY]) {
    const { afterFiveMs, lines } = await runWith(bad);
    assert.ok(afterFiveMs <= 2, `${bad}: reconciled ${afterFiveMs} times in 5 ms (a spin)`);
    const said = lines.find((l) => l.msg === "reconcile asked for an invalid requeue delay; backing off");
    assert.equal(said?.name, "a", `${bad}: logged with the key`);
    assert.equal(said?.namespace, "ns");
  }
});
