// Writes a kubeconfig with the certificates embedded, so it works from any directory.
import { readFile, writeFile } from "node:fs/promises";
import { stringify } from "yaml";
import type { Pki } from "./pki.ts";

export async function writeKubeconfig(path: string, server: string, pki: Pki): Promise<void> {
  const b64 = async (file: string) => (await readFile(file)).toString("base64");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "sluice-test", cluster: { server, "certificate-authority-data": await b64(pki.caCert) } },
    ],
    users: [
      {
        name: "sluice-test-admin",
        user: {
          "client-certificate-data": await b64(pki.adminCert),
          "client-key-data": await b64(pki.adminKey),
        },
      },
    ],
    contexts: [{ name: "sluice-test", context: { cluster: "sluice-test", user: "sluice-test-admin" } }],
    "current-context": "sluice-test",
  };
  await writeFile(path, stringify(config), { mode: 0o600 });
}
