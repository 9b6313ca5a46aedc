// The GitHub workflows, checked against what they must stay in step with: ci.yml runs what .ci/run
// runs, release.yml builds the multi-arch image and pushes the chart with the harness's helm.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const root = resolve(fileURLToPath(import.meta.url), "..", "..", "..");
const read = (path: string): string => readFileSync(resolve(root, path), "utf8");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, { "runs-on": string; steps: Step[]; needs?: string | string[] }>;
}

const workflow = (name: string): Workflow => parse(read(`.github/workflows/${name}`)) as Workflow;
const steps = (w: Workflow): Step[] => Object.values(w.jobs).flatMap((j) => j.steps);
/** Every shell line of every run step, trimmed, without comments. */
const runLines = (w: Workflow): string[] =>
  steps(w)
    .flatMap((s) => (s.run ?? "").split("\n"))
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));

/** The project commands .ci/run runs: npm and repo scripts, not the apt/PATH plumbing. */
function ciRunCommands(): string[] {
  return read(".ci/run")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^(npm |bash test\/)/.test(l));
}

test(".ci/run runs npm ci, the lint/type check and npm test", () => {
  assert.deepEqual(ciRunCommands(), [
    "npm ci --no-audit --no-fund",
    "bash test/cluster/build.sh",
    "npm run lint:check",
    "npm test",
  ]);
  // lint:check is biome and tsc --noEmit: lint and type check.
  const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
  assert.match(scripts["lint:check"] ?? "", /biome check/);
  assert.match(scripts["lint:check"] ?? "", /tsc .*--noEmit/);
});

test("ci.yml runs the same commands as .ci/run (by running it, or each of its commands)", () => {
  const ci = workflow("ci.yml");
  const lines = runLines(ci);
  const runsCiRun = lines.some((l) => /^(bash )?\.ci\/run$/.test(l));
  if (!runsCiRun) {
    for (const command of ciRunCommands()) assert.ok(lines.includes(command), `ci.yml runs ${command}`);
  }
  assert.ok(runsCiRun || ciRunCommands().every((c) => lines.includes(c)));
});

test("ci.yml runs on pushes and pull requests, with Go for the control plane", () => {
  const ci = workflow("ci.yml");
  assert.ok("push" in ci.on && "pull_request" in ci.on);
  assert.equal(ci.permissions?.contents, "read");
  const go = steps(ci).find((s) => s.uses?.startsWith("actions/setup-go@"));
  assert.ok(go, "actions/setup-go");
  const file = String(go.with?.["go-version-file"] ?? "");
  assert.match(read(file), /^go 1\.26(\.\d+)?$/m, `${file} declares Go 1.26, which .ci/run needs`);
  for (const job of Object.values(ci.jobs)) assert.match(job["runs-on"], /^ubuntu-/);
});

test("release.yml: on a v* tag, a multi-arch image pushed to ghcr.io", () => {
  const release = workflow("release.yml");
  const push = release.on.push as { tags?: string[] };
  assert.deepEqual(push.tags, ["v*"]);
  assert.equal(Object.keys(release.on).length, 1, "only tags trigger a release");
  assert.equal(release.permissions?.packages, "write");
  const all = steps(release);
  assert.ok(all.some((s) => s.uses?.startsWith("docker/setup-buildx-action@")));
  assert.ok(all.some((s) => s.uses?.startsWith("docker/setup-qemu-action@")));
  const login = all.find((s) => s.uses?.startsWith("docker/login-action@"));
  assert.equal(login?.with?.registry, "ghcr.io");
  const build = all.find((s) => s.uses?.startsWith("docker/build-push-action@"));
  assert.ok(build, "docker/build-push-action");
  assert.deepEqual(String(build.with?.platforms).split(",").sort(), ["linux/amd64", "linux/arm64"]);
  assert.equal(build.with?.push, true);
  const meta = all.find((s) => s.uses?.startsWith("docker/metadata-action@"));
  assert.match(String(meta?.with?.images), /^ghcr\.io\//);
});

test("release.yml: the chart is packaged with the harness's helm and pushed as OCI", () => {
  const release = workflow("release.yml");
  const lines = runLines(release);
  assert.ok(lines.some((l) => l.startsWith("helm lint charts/sluice")));
  assert.ok(lines.some((l) => l.startsWith("helm package charts/sluice")));
  assert.ok(lines.some((l) => /^helm push .* "?oci:\/\/ghcr\.io\//.test(l)));
  assert.ok(lines.some((l) => l.includes("helm registry login ghcr.io") && l.includes("--password-stdin")));
  // helm's version comes from versions.env, the one the harness and the image use.
  const setupHelm = steps(release).find((s) => s.uses?.startsWith("azure/setup-helm@"));
  assert.match(String(setupHelm?.with?.version), /steps\.versions\.outputs\.HELM_VERSION/);
  assert.ok(lines.some((l) => l.includes("'^HELM_VERSION=' test/cluster/versions.env")));
  const chart = release.jobs.chart;
  assert.equal(chart?.needs, "image", "the chart is pushed after the image it points at");
  // The default image repository the release rewrites is the one values.yaml has.
  assert.match(read("charts/sluice/values.yaml"), /^ {2}repository: sluice$/m);
});

test("workflows take no secrets but the job's own token", () => {
  for (const name of ["ci.yml", "release.yml"]) {
    const text = read(`.github/workflows/${name}`);
    assert.doesNotMatch(text, /secrets\./, `${name} uses github.token only`);
  }
});
