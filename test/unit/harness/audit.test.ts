import assert from "node:assert/strict";
import { test } from "node:test";
import { fieldManagerOf, parseAuditLog } from "../../helpers/audit.ts";

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
