// kubectl-sluice lint, run as users run it: a process with -f FILE, judged by output and exit code.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = resolve(fileURLToPath(import.meta.url), "../../../..");
const fixture = (name: string) => join(root, "test/fixtures/lint", name);

async function lint(...args: string[]): Promise<{ code: number; out: string }> {
  const flags = args.flatMap((a) => (a.startsWith("-") ? [a] : ["-f", a]));
  try {
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", join(root, "src/cli/main.ts"), "lint", ...flags],
      { cwd: root },
    );
    return { code: 0, out: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

test("lint accepts a valid canary with its Services in the same file", async () => {
  const { code, out } = await lint(fixture("valid.yaml"));
  assert.equal(code, 0, out);
  assert.match(out, /valid\.yaml: 1 Rollout\(s\) valid/);
});

test("lint accepts the peer's documented nginx trafficRouting shapes with only apiVersion changed", async () => {
  const { code, out } = await lint(fixture("nginx.yaml"));
  assert.equal(code, 0, out);
  assert.match(out, /nginx\.yaml: 3 Rollout\(s\) valid/);
});

test("lint accepts the peer's documented Gateway API plugin and Istio shapes with only apiVersion changed", async () => {
  const { code, out } = await lint(fixture("routers.yaml"));
  assert.equal(code, 0, out);
  assert.match(out, /routers\.yaml: 5 Rollout\(s\) valid/);
});

test("lint reports every problem with its field path and exits 1", async () => {
  const { code, out } = await lint(fixture("invalid.yaml"));
  assert.equal(code, 1);
  for (const want of [
    /Rollout broken: error: spec\.selector: selector is required/,
    /error: spec\.strategy\.canary\.steps\[0\]\.setWeight: must be an integer between 0 and 100, got -5/,
    /error: spec\.strategy\.canary\.steps\[1\]\.setWeight: .*got 120/,
    /error: spec\.strategy\.canary\.steps\[2\]\.pause\.duration: "5 minutes" is not a duration/,
    /error: spec\.strategy\.canary\.steps\[3\]: a step may have only one of setWeight, pause/,
    /error: spec\.strategy\.canary\.stableService: Service "web-stable" selects \{"app":"other"\}/,
    /warning: spec\.strategy\.canary\.canaryService: Service "web-canary" is not in this file; not checked/,
  ]) {
    assert.match(out, want);
  }
});

test("lint without -f prints usage and exits 2; a missing file is an error", async () => {
  assert.equal((await lint()).code, 2);
  const missing = await lint(fixture("nope.yaml"));
  assert.equal(missing.code, 1);
  assert.match(missing.out, /nope\.yaml: ENOENT/);
});

test("lint -f DIR checks its .yaml, .yml and .json files in name order; -R also its subdirectories", async () => {
  const flat = await lint(fixture("dir"));
  assert.equal(flat.code, 1, flat.out);
  const files = (out: string) => [
    ...new Set(
      out
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(": ")[0]),
    ),
  ];
  assert.deepEqual(files(flat.out), [fixture("dir/a-template.yml"), fixture("dir/b-run.json")]);
  assert.match(flat.out, /a-template\.yml: 1 AnalysisTemplate\(s\) valid/);
  assert.match(
    flat.out,
    /b-run\.json: AnalysisRun manual: error: metric "dd": provider datadog is not supported yet/,
  );
  const deep = await lint(fixture("dir"), "-R");
  assert.deepEqual(files(deep.out), [
    fixture("dir/a-template.yml"),
    fixture("dir/b-run.json"),
    fixture("dir/nested/rollout.yaml"),
  ]);
  assert.match(deep.out, /Rollout nested: error: spec\.strategy\.canary\.steps\[0\]\.setWeight: .*got 150/);
});

test("lint checks a Rollout's analysis against the templates in the file; one elsewhere is a warning", async () => {
  const { code, out } = await lint(fixture("analysis.yaml"));
  assert.equal(code, 1, out);
  assert.match(
    out,
    /Rollout web: error: spec\.strategy\.canary\.steps\[1\]\.analysis: metric "rate" has an interval and no count/,
  );
  assert.match(
    out,
    /Rollout web: warning: spec\.strategy\.canary\.steps\[2\]\.analysis: ClusterAnalysisTemplate "shared" is not in this file; not checked/,
  );
  assert.match(out, /AnalysisTemplate rate: error: metric "legacy": provider needs exactly one kind, got 0/);
});
