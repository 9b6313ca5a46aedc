// The directory renderer on real files: multi-document YAML, JSON and Lists, recurse and
// include/exclude globs, dot-files skipped; and everything that must be refused with the path
// named — a path or symlink leaving the checkout, a file that does not parse (file:line), too many
// files or bytes.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type TestContext, test } from "node:test";
import { RenderError, renderDirectory } from "../../../src/gitops/render/directory.ts";

async function checkout(t: TestContext, files: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), "sluice-render-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
const names = (rendered: { object: { metadata?: { name?: string } } }[]) =>
  rendered.map((r) => r.object.metadata?.name);

test("YAML documents, JSON and Lists under the path; subdirectories only with recurse; dot-files skipped", async (t) => {
  const dir = await checkout(t, {
    "app/a.yaml": `${cm("a1")}---\n${cm("a2")}---\n`,
    "app/b.json": JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b" } }),
    "app/list.yml": `apiVersion: v1\nkind: List\nitems:\n  - ${cm("l1").replaceAll("\n", "\n    ").trim()}\n`,
    "app/notes.txt": "not a manifest",
    "app/.hidden.yaml": cm("hidden"),
    "app/sub/c.yaml": cm("c"),
    "other/d.yaml": cm("d"),
  });
  assert.deepEqual(names(await renderDirectory(dir, "app")), ["a1", "a2", "b", "l1"]);
  const all = await renderDirectory(dir, "app", { recurse: true });
  assert.deepEqual(names(all), ["a1", "a2", "b", "l1", "c"]);
  assert.equal(all.at(-1)?.file, "sub/c.yaml");
  assert.deepEqual(names(await renderDirectory(dir, "app", { recurse: true, include: "sub/*" })), ["c"]);
  assert.deepEqual(names(await renderDirectory(dir, "app", { recurse: true, exclude: "{a.yaml,sub/*}" })), [
    "b",
    "l1",
  ]);
});

test("a path that leaves the checkout is refused naming it: .., absolute, symlinked", async (t) => {
  const dir = await checkout(t, { "app/a.yaml": cm("a") });
  const outside = await checkout(t, { "secret.yaml": cm("secret") });
  await symlink(outside, join(dir, "escape"));
  await symlink(join(outside, "secret.yaml"), join(dir, "app", "link.yaml"));
  for (const [path, why] of [
    ["../..", /source.path "..\/.." leaves the repository/],
    ["/etc", /must be relative to the repository/],
    ["escape", /source.path "escape" leads out of the repository \(symlink\)/],
    ["missing", /does not exist in the repository/],
  ] as const) {
    await assert.rejects(
      renderDirectory(dir, path),
      (e: Error) => e instanceof RenderError && why.test(e.message),
      path,
    );
  }
  await assert.rejects(
    renderDirectory(dir, "app"),
    /link\.yaml is a symlink that leads out of the repository/,
  );
});

test("a file that does not parse names the file and line; a document that is no object is refused", async (t) => {
  const dir = await checkout(t, { "app/bad.yaml": `${cm("ok")}---\napiVersion: v1\nkind: [unclosed\n` });
  await assert.rejects(renderDirectory(dir, "app"), (e: Error) => {
    assert.ok(e instanceof RenderError);
    assert.match(e.message, /^bad\.yaml:\d+:\d+: /);
    return true;
  });
  const noKind = await checkout(t, { "x.yaml": "just: a map\n" });
  await assert.rejects(renderDirectory(noKind, ""), /x\.yaml: document 1 is not a Kubernetes object/);
});

test("file count and total size are capped", async (t) => {
  const dir = await checkout(t, { "a.yaml": cm("a"), "b.yaml": cm("b"), "c.yaml": cm("c") });
  await assert.rejects(
    renderDirectory(dir, ".", {}, { maxFiles: 2, maxBytes: 1 << 20 }),
    /3 manifest files, more than 2/,
  );
  await assert.rejects(renderDirectory(dir, ".", {}, { maxFiles: 10, maxBytes: 100 }), /exceed 100 bytes/);
});
