// Test PKI made with openssl (argument arrays only): one CA and one admin certificate that serves
// as the API server's serving cert and as the client cert of every harness component, like kwokctl.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Pki {
  caCert: string;
  caKey: string;
  adminCert: string;
  adminKey: string;
}

export async function createPki(dir: string): Promise<Pki> {
  const p = (name: string) => join(dir, name);
  const pki: Pki = {
    caCert: p("ca.crt"),
    caKey: p("ca.key"),
    adminCert: p("admin.crt"),
    adminKey: p("admin.key"),
  };
  const days = "3650";
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    days,
    "-subj",
    "/CN=sluice-test-ca",
    "-keyout",
    pki.caKey,
    "-out",
    pki.caCert,
  ]);
  await run("openssl", [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/O=system:masters/CN=sluice-test-admin",
    "-keyout",
    pki.adminKey,
    "-out",
    p("admin.csr"),
  ]);
  await writeFile(
    p("admin.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth,clientAuth\n",
  );
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    p("admin.csr"),
    "-CA",
    pki.caCert,
    "-CAkey",
    pki.caKey,
    "-CAcreateserial",
    "-days",
    days,
    "-extfile",
    p("admin.ext"),
    "-out",
    pki.adminCert,
  ]);
  return pki;
}
