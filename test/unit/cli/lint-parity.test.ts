// `kubectl sluice lint` gives the controller's verdict (issue 13's proof): every invalid Rollout
// and analysis spec the Rollout, traffic and analysis tests use (integration and unit: `unit-*`)
// is a fixture in test/fixtures/lint/parity/, with the objects the controller would find in the
// cluster. Each is judged by the controller's own path — invalidSpec() for a Rollout (the
// referenced analysis judged, as when an update starts), analysisSpecProblems() for an analysis
// object (the AnalysisRun controller names the first) — with the file as its world, and by lint
// in-process; the messages and field paths must agree.
//
// A reference the test leaves missing from the cluster (`# cluster: PATH` in the fixture) is the
// one difference, by design (DESIGN.md §8: lint checks references only against objects in the
// same file): the controller says it is not found, lint warns that it is not in the file and
// does not count it as an error.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { analysisSpecProblems } from "../../../src/api/analysis-spec-validation.ts";
import type { Rollout } from "../../../src/api/rollout.ts";
import { invalidSpec } from "../../../src/api/rollout-spec-problems.ts";
import { type FileObject, FileObjects, isSluiceKind } from "../../../src/cli/lint-world.ts";
import { runCaptured } from "./capture.ts";

const root = resolve(fileURLToPath(import.meta.url), "../../../..");
const dir = join(root, "test/fixtures/lint/parity");
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

const LINTED = ["Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun"];

interface Header {
  /** What the test that uses the spec expects the controller to say. */
  controller: RegExp[];
  /** Fields whose reference the test leaves missing from the cluster. */
  cluster: string[];
}

function header(text: string): Header {
  const lines = text.split("\n").filter((l) => l.startsWith("# "));
  const values = (key: string) =>
    lines.filter((l) => l.startsWith(`# ${key}: `)).map((l) => l.slice(`# ${key}: `.length));
  return { controller: values("controller").map((v) => new RegExp(v)), cluster: values("cluster") };
}

/** The controller's messages for one object, the file as all the cluster holds. */
async function controllerSays(object: FileObject, world: FileObjects): Promise<string[]> {
  if (object.kind !== "Rollout") return analysisSpecProblems(object.spec ?? {}).slice(0, 1);
  const rollout = object as Rollout;
  const found = await invalidSpec(rollout, world.controllerWorld(rollout), true);
  return [...found.problems, ...found.invalid, ...found.waiting];
}

/** Lint's findings for one object, from its output lines. */
function lintSays(out: string, path: string, object: FileObject, severity: "error" | "warning"): string[] {
  const prefix = `${path}: ${object.kind} ${object.metadata?.name}: ${severity}: `;
  return out
    .split("\n")
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length));
}

test("the parity fixtures cover the tests' invalid specs and a valid twin for each kind of world", () => {
  assert.equal(fixtures.filter((f) => !f.startsWith("valid-")).length, 56, fixtures.join());
  assert.equal(fixtures.filter((f) => f.startsWith("valid-")).length, 9, fixtures.join());
});

for (const fixture of fixtures) {
  test(`lint and the controller agree on ${fixture}`, async () => {
    const path = join(dir, fixture);
    const text = readFileSync(path, "utf8");
    const { controller, cluster } = header(text);
    const docs = parseAllDocuments(text).map((d) => d.toJS() as FileObject);
    const world = new FileObjects(docs);
    const objects = docs.filter((d) => LINTED.some((kind) => isSluiceKind(d, kind)));
    assert.ok(objects.length > 0, "the fixture has something to lint");
    const lint = await runCaptured(["lint", "-f", path]);
    const onCluster = (m: string) => cluster.some((field) => m.startsWith(`${field}: `));
    const said: string[] = [];
    let errors = 0;
    for (const object of objects) {
      const messages = await controllerSays(object, world);
      said.push(...messages);
      const lintErrors = lintSays(lint.out, path, object, "error");
      const expected = messages.filter((m) => !onCluster(m));
      // The AnalysisRun controller names the first problem; lint lists them all.
      const compared = object.kind === "Rollout" ? lintErrors : lintErrors.slice(0, 1);
      assert.deepEqual(compared, expected, `${object.kind} ${object.metadata?.name}: ${lint.out}`);
      errors += lintErrors.length;
      const warnings = lintSays(lint.out, path, object, "warning");
      // Only a Rollout refers to other objects; the templates beside it have nothing left out.
      for (const field of object.kind === "Rollout" ? cluster : []) {
        assert.ok(
          messages.some((m) => m.startsWith(`${field}: `)),
          `the controller refuses ${field}: ${messages}`,
        );
        assert.ok(
          warnings.some((w) => w.startsWith(`${field}: `) && w.endsWith("is not in this file; not checked")),
          `lint warns that ${field} is not checked: ${lint.out}`,
        );
      }
      if (fixture.startsWith("valid-"))
        assert.deepEqual(warnings, [], "a complete file leaves nothing unchecked");
    }
    if (fixture.startsWith("valid-")) {
      assert.deepEqual(said, [], "the controller accepts it");
      assert.match(lint.out, / valid\n$/);
    } else {
      assert.ok(controller.length > 0, "an invalid fixture says what the controller says about it");
      for (const want of controller)
        assert.ok(
          said.some((m) => want.test(m)),
          `${want}: ${JSON.stringify(said)}`,
        );
    }
    assert.equal(lint.code, errors > 0 ? 1 : 0, lint.out + lint.err);
    assert.equal(
      errors > 0,
      said.some((m) => !onCluster(m)),
      "the same verdict",
    );
  });
}
