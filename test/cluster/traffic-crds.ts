// The traffic routers' CustomResourceDefinitions for the test cluster, read from the Go modules
// their projects publish, at the versions pinned in versions.env. None of their YAML is copied into
// this repository: `go mod download -json <module>@<version>` puts each module into Go's module
// cache (verified against the checksum database like any Go download) and the files are read there.
//
// - sigs.k8s.io/gateway-api (GATEWAY_API_VERSION), standard channel, config/crd/standard/:
//   GatewayClass, Gateway, HTTPRoute, GRPCRoute, TCPRoute, TLSRoute (all gateway.networking.k8s.io/v1)
//   and ReferenceGrant (v1beta1 stored, v1 served). Left out: UDPRoute, BackendTLSPolicy, ListenerSet
//   (not asked for yet: add a name to TRAFFIC_CRDS to install one) and the ValidatingAdmissionPolicy
//   beside the CRDs, which guards upgrades between channels that a throw-away cluster never has.
// - istio.io/api (ISTIO_API_VERSION), kubernetes/customresourcedefinitions.gen.yaml (every Istio CRD
//   in one file, the one Istio's charts install): VirtualService and DestinationRule
//   (networking.istio.io; v1 stored, v1beta1 and v1alpha3 served too), the two a canary touches.
//
// Why: sluice's Gateway API and Istio routers write these objects, and the API server must accept,
// default and validate them with the real schemas, as in a cluster with those projects installed.
// Nothing acts on them (no gateway, no sidecars): like kwok and the nginx Ingress stand-in, the
// harness gives the API, not a data plane.
//
// Tests install them on demand with installTrafficCrds() (test/helpers/traffic-crds.ts), not the
// cluster at start: most tests do not need them, and the first install of these nine large CRDs
// (~0.7 MB of JSON) took 5.4-5.8 s on 2 busy cores, which every cluster start would pay. A later
// call finds them applied from the same YAML (a digest label) and skips the apply: 1-2.5 s, most
// of it reading the YAML.
// build.sh pre-fetches both modules, so a cold CI machine downloads them before the tests run.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { readVersionsFile, versionsFile } from "./binaries.ts";

export const GATEWAY_API_MODULE = "sigs.k8s.io/gateway-api";
export const ISTIO_API_MODULE = "istio.io/api";
/** Inside the gateway-api module: one file per CRD of the standard channel, <group>_<plural>.yaml. */
export const GATEWAY_API_CRD_DIR = "config/crd/standard";
export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";
/** Inside the istio.io/api module: every Istio CRD, one YAML document each. */
export const ISTIO_CRD_FILE = "kubernetes/customresourcedefinitions.gen.yaml";

/** The CRDs installed, by name, per module. */
export const TRAFFIC_CRDS = {
  gatewayApi: [
    "gatewayclasses.gateway.networking.k8s.io",
    "gateways.gateway.networking.k8s.io",
    "httproutes.gateway.networking.k8s.io",
    "grpcroutes.gateway.networking.k8s.io",
    "tcproutes.gateway.networking.k8s.io",
    "tlsroutes.gateway.networking.k8s.io",
    "referencegrants.gateway.networking.k8s.io",
  ],
  istio: ["virtualservices.networking.istio.io", "destinationrules.networking.istio.io"],
} as const;

export interface TrafficCrdVersions {
  gatewayApi: string;
  istioApi: string;
}

export function readTrafficCrdVersions(file = versionsFile): TrafficCrdVersions {
  const get = readVersionsFile(file);
  return { gatewayApi: get("GATEWAY_API_VERSION"), istioApi: get("ISTIO_API_VERSION") };
}

/** What `go mod download -json` prints per module (the fields used here). */
interface GoModDownload {
  Path?: string;
  Version?: string;
  Dir?: string;
  Error?: string;
}

const moduleDirs = new Map<string, Promise<string>>();

/**
 * The directory of `module@version` in Go's module cache, downloading it first if needed (through
 * GOPROXY, as build.sh does). Resolved once per module and version in this process.
 */
export function goModuleDir(module: string, version: string): Promise<string> {
  const key = `${module}@${version}`;
  let dir = moduleDirs.get(key);
  if (!dir) {
    dir = downloadModule(module, version);
    // A failed download is not remembered: the next call tries again.
    dir.catch(() => moduleDirs.delete(key));
    moduleDirs.set(key, dir);
  }
  return dir;
}

function downloadModule(module: string, version: string): Promise<string> {
  const key = `${module}@${version}`;
  // As build.sh: the machine's Go, never a toolchain download; run outside any module so no
  // go.mod or go.work of the working directory takes part.
  const env = {
    ...process.env,
    GOTOOLCHAIN: "local",
    GOFLAGS: process.env.GOFLAGS ?? "-buildvcs=false",
    GOWORK: "off",
  };
  return new Promise((resolveDir, reject) => {
    execFile(
      "go",
      ["mod", "download", "-json", key],
      { cwd: tmpdir(), env, timeout: 300_000, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
          reject(
            new Error(
              `go is not on PATH: the test cluster's traffic CRDs come from the Go module ${key} ` +
                "(go mod download); install Go as .ci/run requires",
            ),
          );
          return;
        }
        let info: GoModDownload = {};
        try {
          info = JSON.parse(stdout) as GoModDownload;
        } catch {
          // Reported below with go's own output.
        }
        if (error || info.Error || !info.Dir) {
          const why = info.Error ?? (stderr.trim() || error?.message || "no Dir in its output");
          reject(new Error(`go mod download ${key} failed: ${why}`));
          return;
        }
        resolveDir(info.Dir);
      },
    );
  });
}

export interface Crd {
  apiVersion: string;
  kind: "CustomResourceDefinition";
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string; plural: string };
    versions: { name: string; served: boolean }[];
  };
}

export interface TrafficCrdSource {
  /** The module and version the CRD comes from, e.g. sigs.k8s.io/gateway-api@v1.6.3. */
  module: string;
  /** The YAML file in Go's module cache. */
  file: string;
  crd: Crd;
}

function asCrd(object: unknown, name: string, where: string): Crd {
  const crd = object as Partial<Crd> | null;
  if (crd?.kind !== "CustomResourceDefinition" || crd.metadata?.name !== name || !crd.spec?.group) {
    throw new Error(`${where}: expected the CustomResourceDefinition ${name}`);
  }
  return crd as Crd;
}

/**
 * The CRDs to install (TRAFFIC_CRDS), read from the pinned modules, which are downloaded when Go's
 * cache lacks them. Fails, naming module and file, when a module no longer has a CRD where this
 * harness expects it (a version bump that moved or dropped one).
 */
export async function trafficCrds(versions = readTrafficCrdVersions()): Promise<TrafficCrdSource[]> {
  const gatewayModule = `${GATEWAY_API_MODULE}@${versions.gatewayApi}`;
  const istioModule = `${ISTIO_API_MODULE}@${versions.istioApi}`;
  const [gatewayDir, istioDir] = await Promise.all([
    goModuleDir(GATEWAY_API_MODULE, versions.gatewayApi),
    goModuleDir(ISTIO_API_MODULE, versions.istioApi),
  ]);

  // The standard channel has one file per CRD, named after it.
  const gateway = await Promise.all(
    TRAFFIC_CRDS.gatewayApi.map(async (name) => {
      const file = join(gatewayDir, GATEWAY_API_CRD_DIR, `${GATEWAY_API_GROUP}_${name.split(".")[0]}.yaml`);
      const text = await readFile(file, "utf8").catch(() => {
        throw new Error(`${gatewayModule} has no ${relative(gatewayDir, file)} (the CRD ${name})`);
      });
      return { module: gatewayModule, file, crd: asCrd(parse(text), name, file) };
    }),
  );

  // Istio's file holds every CRD, ~1 MB of YAML: split it into documents and parse only the
  // wanted ones, found by their metadata.name line (the parsed object is checked all the same).
  const file = join(istioDir, ISTIO_CRD_FILE);
  const text = await readFile(file, "utf8").catch(() => {
    throw new Error(`${istioModule} has no ${ISTIO_CRD_FILE}`);
  });
  const documents = text.split(/^---[ \t]*$/m);
  const istio = TRAFFIC_CRDS.istio.map((name) => {
    const doc = documents.find((d) => new RegExp(`^  name: ${name.replaceAll(".", "\\.")}$`, "m").test(d));
    if (!doc) throw new Error(`${istioModule}: no CRD ${name} in ${ISTIO_CRD_FILE}`);
    return { module: istioModule, file, crd: asCrd(parse(doc), name, file) };
  });

  return [...gateway, ...istio];
}
