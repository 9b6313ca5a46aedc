// Job names of job-metric measurements: readable, within 63 characters, never shared by two
// metrics of a run whose names sanitise or truncate alike.
import assert from "node:assert/strict";
import { test } from "node:test";
import { jobName } from "../../../src/metricproviders/job/index.ts";

const run = (name: string) => ({ metadata: { name } });
const metric = (name: string) => ({ name });

test("two metrics that sanitise or truncate alike get different Jobs; names fit 63 characters", () => {
  assert.notEqual(jobName(run("r"), metric("a.b"), 1), jobName(run("r"), metric("a-b"), 1));
  const long = "x".repeat(80);
  const one = jobName(run(long), metric("latency"), 1);
  const two = jobName(run(long), metric("errors"), 1);
  assert.notEqual(one, two);
  for (const name of [one, two, jobName(run("web-h2-1-0"), metric("smoke"), 12)]) {
    assert.ok(name.length <= 63, `${name} is ${name.length} characters`);
    assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  }
  assert.match(jobName(run("web-h2-1-0"), metric("smoke"), 12), /^web-h2-1-0-smoke-[0-9a-f]{5}-12$/);
  assert.equal(jobName(run("r"), metric("m"), 1), jobName(run("r"), metric("m"), 1), "deterministic");
});
