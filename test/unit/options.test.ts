import assert from "node:assert/strict";
import { test } from "node:test";
import { microTime } from "../../src/controller/leader-election.ts";
import { parseDurationMs, parseOptions, usage } from "../../src/options.ts";

test("defaults match the peers' leader-election timings", () => {
  const o = parseOptions([], {});
  assert.equal(o.leaderElect, true);
  assert.equal(o.leaseDurationMs, 15_000);
  assert.equal(o.renewDeadlineMs, 10_000);
  assert.equal(o.retryPeriodMs, 2_000);
  assert.equal(o.metricsAddr, ":8080");
  assert.equal(o.namespace, undefined);
  assert.equal(o.leaderElectionNamespace, "default");
  assert.equal(o.logFormat, "auto");
});

test("--log-format takes auto, json or pretty, also from SLUICE_LOG_FORMAT", () => {
  assert.equal(parseOptions(["--log-format", "pretty"], {}).logFormat, "pretty");
  assert.equal(parseOptions([], { SLUICE_LOG_FORMAT: "json" }).logFormat, "json");
  assert.equal(parseOptions(["--log-format=auto"], { SLUICE_LOG_FORMAT: "json" }).logFormat, "auto");
  assert.throws(() => parseOptions(["--log-format", "text"], {}), /--log-format: "text" is not one of/);
});

test("flags win over SLUICE_ environment variables", () => {
  const env = { SLUICE_LOG_LEVEL: "debug", SLUICE_NAMESPACE: "team-a", POD_NAMESPACE: "sluice-system" };
  const o = parseOptions(["--log-level", "warn", "--leader-elect=false"], env);
  assert.equal(o.logLevel, "warn");
  assert.equal(o.namespace, "team-a");
  assert.equal(o.leaderElect, false);
  assert.equal(o.leaderElectionNamespace, "sluice-system");
});

test("the usage lists --log-format", () => {
  assert.match(usage(), /--log-format +auto\|json\|pretty/);
});

test("bad values name the flag", () => {
  assert.throws(() => parseOptions(["--log-level", "loud"], {}), /--log-level: "loud"/);
  assert.throws(
    () => parseOptions(["--lease-duration", "soon"], {}),
    /--lease-duration: "soon" is not a duration/,
  );
  assert.throws(() => parseOptions(["--leader-elect", "maybe"], {}), /--leader-elect/);
  assert.throws(() => parseOptions(["--workers", "0"], {}), /--workers/);
  assert.throws(() => parseOptions(["--renew-deadline", "20s"], {}), /shorter than --lease-duration/);
  assert.throws(() => parseOptions(["--bogus"], {}), /bogus/);
});

test("durations: Go style and bare seconds", () => {
  assert.equal(parseDurationMs("15s", "x"), 15_000);
  assert.equal(parseDurationMs("1m30s", "x"), 90_000);
  assert.equal(parseDurationMs("500ms", "x"), 500);
  assert.equal(parseDurationMs("1h", "x"), 3_600_000);
  assert.equal(parseDurationMs("2", "x"), 2000);
  assert.equal(parseDurationMs("0.5s", "x"), 500);
  assert.throws(() => parseDurationMs("", "x"));
  assert.throws(() => parseDurationMs("5 s", "x"));
  assert.throws(() => parseDurationMs("-5s", "x"));
});

test("lease times are MicroTime with six fractional digits", () => {
  assert.equal(microTime(Date.UTC(2026, 10, 26, 8, 30, 0, 123)), "2026-11-26T08:30:00.123000Z");
});

test("Applications are honoured in one namespace: the flag, else $POD_NAMESPACE, else --namespace, else default", () => {
  assert.equal(parseOptions([], {}).applicationNamespace, "default");
  assert.equal(parseOptions(["--namespace", "team"], {}).applicationNamespace, "team");
  assert.equal(
    parseOptions(["--namespace", "team"], { POD_NAMESPACE: "sluice" }).applicationNamespace,
    "sluice",
  );
  assert.equal(
    parseOptions(["--application-namespace", "apps"], { POD_NAMESPACE: "sluice" }).applicationNamespace,
    "apps",
  );
  assert.equal(parseOptions([], {}).repoPollMs, 180_000);
  assert.equal(parseOptions(["--repo-poll", "30s"], {}).repoPollMs, 30_000);
  assert.throws(() => parseOptions(["--repo-poll", "soon"], {}), /repo-poll/);
  assert.equal(parseOptions([], {}).repoTimeoutMs, 60_000);
  assert.equal(parseOptions(["--repo-timeout", "5s"], {}).repoTimeoutMs, 5_000);
  assert.throws(() => parseOptions(["--repo-timeout", "never"], {}), /repo-timeout/);
  assert.throws(() => parseOptions(["--repo-timeout", "0s"], {}), /repo-timeout must be longer than 0/);
});

test("--destination-namespaces is a comma-separated list (env too); empty means any namespace", () => {
  assert.deepEqual(parseOptions([], {}).destinationNamespaces, []);
  assert.deepEqual(parseOptions(["--destination-namespaces", "web, api,,"], {}).destinationNamespaces, [
    "web",
    "api",
  ]);
  assert.deepEqual(parseOptions([], { SLUICE_DESTINATION_NAMESPACES: "web" }).destinationNamespaces, ["web"]);
});

test("--instance-id: unset by default, else the controller's instance (SLUICE_INSTANCE_ID too)", () => {
  assert.equal(parseOptions([], {}).instanceId, undefined);
  assert.equal(parseOptions(["--instance-id", "blue"], {}).instanceId, "blue");
  assert.equal(parseOptions([], { SLUICE_INSTANCE_ID: "green" }).instanceId, "green");
});
