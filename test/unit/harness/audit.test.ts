import assert from "node:assert/strict";
import { appendFile, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  type AuditEvent,
  auditMark,
  auditMatches,
  auditSince,
  describeAudit,
  fieldManagerOf,
  parseAuditLog,
} from "../../helpers/audit.ts";

const line = (o: object) => JSON.stringify(o);

test("parseAuditLog keeps completed requests and skips a torn last line", () => {
  const text = [
    line({ auditID: "a", stage: "ResponseStarted", verb: "create", requestURI: "/api/v1/x" }),
    line({ auditID: "a", stage: "ResponseComplete", verb: "create", requestURI: "/api/v1/x" }),
    line({ auditID: "b", stage: "ResponseComplete", verb: "patch", requestURI: "/api/v1/y" }),
    '{"auditID":"c","stage":"Resp',
  ].join("\n");
  const events = parseAuditLog(text);
  assert.deepEqual(
    events.map((e) => e.auditID),
    ["a", "b"],
  );
});

test("fieldManagerOf reads the fieldManager query parameter", () => {
  const uri = "/apis/apps/v1/namespaces/n/deployments/d?fieldManager=sluice-gitops&force=true";
  assert.equal(fieldManagerOf({ auditID: "", stage: "", verb: "patch", requestURI: uri }), "sluice-gitops");
  assert.equal(fieldManagerOf({ auditID: "", stage: "", verb: "patch", requestURI: "/api/v1/x" }), undefined);
  assert.equal(
    fieldManagerOf({ auditID: "", stage: "", verb: "patch", requestURI: "/x?fieldManager=kubectl%2Dsluice" }),
    "kubectl-sluice",
  );
});

const lineOf = (auditID: string) => `${JSON.stringify(event({ auditID }))}\n`;

const event = (over: Partial<AuditEvent> = {}): AuditEvent => ({
  auditID: "x",
  stage: "ResponseComplete",
  verb: "patch",
  requestURI: "/apis/sluice.dev/v1alpha1/namespaces/n/rollouts/web/status?fieldManager=sluice-rollout",
  userAgent: "sluice/0.1.0 (host-a)",
  objectRef: { resource: "rollouts", namespace: "n", name: "web", subresource: "status" },
  responseStatus: { code: 200 },
  ...over,
});

test("auditMatches checks every field the filter gives", () => {
  const e = event();
  assert.ok(auditMatches(e, {}));
  assert.ok(auditMatches(e, { namespace: "n", resource: "rollouts", subresource: "status", name: "web" }));
  assert.ok(
    auditMatches(e, { verbs: ["create", "patch"], userAgent: "(host-a)", fieldManager: "sluice-rollout" }),
  );
  assert.ok(!auditMatches(e, { namespace: "other" }));
  assert.ok(!auditMatches(e, { subresource: null }), "null asks for the object itself");
  assert.ok(auditMatches(event({ objectRef: { resource: "rollouts" } }), { subresource: null }));
  assert.ok(!auditMatches(e, { verbs: ["delete"] }));
  assert.ok(!auditMatches(e, { userAgent: "(host-b)" }));
  assert.ok(!auditMatches(e, { fieldManager: "sluice-gitops" }));
  assert.ok(auditMatches(e, { succeeded: true }));
  assert.ok(!auditMatches(event({ responseStatus: { code: 404 } }), { succeeded: true }));
  assert.ok(!auditMatches(event({ responseStatus: {} }), { succeeded: true }), "no code is no success");
  assert.ok(auditMatches(event({ responseStatus: { code: 409 } }), {}), "failed requests count unless asked");
});

test("describeAudit names verb, object, subresource and code", () => {
  assert.equal(describeAudit(event()), "patch rollouts/web/status 200");
  assert.equal(
    describeAudit(
      event({ verb: "delete", objectRef: { resource: "analysisruns", name: "a" }, responseStatus: {} }),
    ),
    "delete analysisruns/a ?",
  );
});

test("auditSince reads only what was logged after the mark, skipping a line torn by it", async () => {
  const path = join(await mkdtemp(join(tmpdir(), "sluice-audit-")), "audit.log");
  await writeFile(path, lineOf("before"));
  const mark = await auditMark(path);
  assert.deepEqual(await auditSince(mark), []);
  await appendFile(path, lineOf("after-1") + lineOf("after-2"));
  assert.deepEqual(
    (await auditSince(mark)).map((e) => e.auditID),
    ["after-1", "after-2"],
  );
  // A mark taken while a line was half written: that line (answered before the mark) is skipped.
  const torn = lineOf("torn");
  await appendFile(path, torn.slice(0, 20));
  const midLine = await auditMark(path);
  await appendFile(path, torn.slice(20) + lineOf("later"));
  assert.deepEqual(
    (await auditSince(midLine)).map((e) => e.auditID),
    ["later"],
  );
  await assert.rejects(auditSince({ ...mark, offset: 1_000_000 }), /shrank below the mark/);
});

test("auditSince follows the log across the API server's rotations", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sluice-audit-"));
  const path = join(dir, "audit.log");
  await writeFile(path, lineOf("old"));
  const mark = await auditMark(path);
  await appendFile(path, lineOf("before-rotation"));
  await rename(path, join(dir, "audit-2026-12-05T02-32-04.711.log"));
  await writeFile(path, lineOf("first-of-new"));
  await writeFile(join(dir, "other.log"), lineOf("not-the-audit-log"));
  assert.deepEqual(
    (await auditSince(mark)).map((e) => e.auditID),
    ["before-rotation", "first-of-new"],
  );
  await rename(path, join(dir, "audit-2026-12-05T03-10-00.000.log"));
  await writeFile(path, lineOf("second-rotation"));
  assert.deepEqual(
    (await auditSince(mark)).map((e) => e.auditID),
    ["before-rotation", "first-of-new", "second-rotation"],
  );
  await rm(join(dir, "audit-2026-12-05T02-32-04.711.log"));
  await assert.rejects(auditSince(mark), /is gone/);
});
