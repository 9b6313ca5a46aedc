// The image can't be built here (no Docker engine), so the Dockerfile is checked statically: a
// small line parser (continuations, comments, stages, ARG defaults) and assertions on the
// properties the image must have.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { CONTROLLER_NODE_FLAGS } from "../../bench/lib/child.ts";

const root = resolve(fileURLToPath(import.meta.url), "..", "..", "..");
const read = (path: string): string => readFileSync(resolve(root, path), "utf8");

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  platform?: string;
  instructions: Instruction[];
}
interface Dockerfile {
  globalArgs: Map<string, string>;
  stages: Stage[];
}

/** Instructions with continuations joined and comments dropped (parser directives included). */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") || (line === "" && pending === "")) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1).trimEnd()} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    if (full === "") continue;
    const m = /^(\S+)\s*(.*)$/s.exec(full);
    if (m) out.push({ op: (m[1] ?? "").toUpperCase(), args: m[2] ?? "" });
  }
  return out;
}

function parse(text: string): Dockerfile {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instructions(text)) {
    if (ins.op === "FROM") {
      const words = ins.args.split(/\s+/);
      const platform = words.find((w) => w.startsWith("--platform="))?.slice("--platform=".length);
      const rest = words.filter((w) => !w.startsWith("--"));
      const image = (rest[0] ?? "").replace(
        /\$\{?(\w+)\}?/g,
        (_, name: string) => globalArgs.get(name) ?? "",
      );
      const asIndex = rest.findIndex((w) => w.toUpperCase() === "AS");
      stages.push({
        from: image,
        ...(asIndex >= 0 && rest[asIndex + 1] ? { name: rest[asIndex + 1] } : {}),
        ...(platform ? { platform } : {}),
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (ins.op === "ARG") {
        const [name, value = ""] = ins.args.split("=", 2);
        globalArgs.set((name ?? "").trim(), value.trim());
      }
    } else {
      stages[stages.length - 1]?.instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

/** An exec-form (JSON array) instruction's words, or the shell form split on spaces. */
function words(args: string): string[] {
  return args.trim().startsWith("[") ? (JSON.parse(args) as string[]) : args.trim().split(/\s+/);
}

/** Name=value pairs of ARG and ENV instructions (`ENV A=1 B=2`, `ENV A 1`, `ARG A`, `ARG A=1`). */
function declared(stage: Pick<Stage, "instructions">, op: "ARG" | "ENV"): Map<string, string> {
  const out = new Map<string, string>();
  for (const ins of stage.instructions.filter((i) => i.op === op)) {
    if (!ins.args.includes("=")) {
      const [name = "", ...value] = ins.args.trim().split(/\s+/);
      out.set(name, value.join(" "));
      continue;
    }
    for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S*)/g))
      out.set(m[1] ?? "", (m[2] ?? "").replace(/^"|"$/g, ""));
  }
  return out;
}

function versionsEnv(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of read("test/cluster/versions.env").split("\n")) {
    const m = /^(\w+)=(\S+)/.exec(line.trim());
    if (m) out.set(m[1] ?? "", m[2] ?? "");
  }
  return out;
}

const dockerfile = parse(read("Dockerfile"));
const final = dockerfile.stages[dockerfile.stages.length - 1] as Stage;
const stageNamed = (name: string): Stage | undefined => dockerfile.stages.find((s) => s.name === name);
const runs = (stage: Stage): string[] => stage.instructions.filter((i) => i.op === "RUN").map((i) => i.args);
const copiesFrom = (stage: Stage): { from: string; sources: string[]; dest: string }[] =>
  stage.instructions
    .filter((i) => i.op === "COPY" && /--from=/.test(i.args))
    .map((i) => {
      const w = i.args.split(/\s+/);
      const from = (w.find((x) => x.startsWith("--from=")) ?? "").slice("--from=".length);
      const paths = w.filter((x) => !x.startsWith("--"));
      return { from, sources: paths.slice(0, -1), dest: paths[paths.length - 1] ?? "" };
    });
/** ENTRYPOINT followed by CMD: what the container runs. */
const command = (): string[] => {
  const last = (op: string) => final.instructions.filter((i) => i.op === op).pop();
  const entry = last("ENTRYPOINT");
  const cmd = last("CMD");
  return [...(entry ? words(entry.args) : []), ...(cmd ? words(cmd.args) : [])];
};

test("the parser handles continuations, comments, global ARGs and stage names", () => {
  const d = parse(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile's ${ARG}, not a template
    '# syntax=docker/dockerfile:1\nARG IMG=node:1-x\nFROM --platform=$BUILDPLATFORM ${IMG} AS a\nRUN one \\\n  # inside\n  two\nFROM a\nENV A=1 B="x y"\n',
  );
  assert.deepEqual(
    d.stages.map((s) => [s.from, s.name, s.platform]),
    [
      ["node:1-x", "a", "$BUILDPLATFORM"],
      ["a", undefined, undefined],
    ],
  );
  assert.deepEqual(d.stages[0]?.instructions, [{ op: "RUN", args: "one two" }]);
  assert.deepEqual(
    [...declared(d.stages[1] as Stage, "ENV")],
    [
      ["A", "1"],
      ["B", "x y"],
    ],
  );
});

test("multi-stage: build, prod-deps and tools stages feed the runtime stage", () => {
  assert.ok(dockerfile.stages.length >= 3, `stages: ${dockerfile.stages.length}`);
  const fromStages = new Set(copiesFrom(final).map((c) => c.from));
  for (const name of ["build", "prod-deps", "tools"]) {
    assert.ok(stageNamed(name), `a stage named ${name}`);
    assert.ok(fromStages.has(name), `the runtime stage copies from ${name}`);
  }
});

test("the runtime base is node:<.node-version>-<debian>-slim, pinned by version tag", () => {
  const nodeVersion = read(".node-version").trim();
  const major = nodeVersion.split(".")[0];
  const m = /^node:(\d+)(?:\.\d+\.\d+)?-[a-z]+-slim$/.exec(final.from);
  assert.ok(m, `runtime base ${final.from} is node:<version>-<debian>-slim`);
  assert.equal(m[1], major);
  assert.equal(final.from.split(":")[1]?.split("-")[0], nodeVersion, "the tag pins .node-version exactly");
  for (const s of dockerfile.stages) {
    assert.doesNotMatch(s.from, /:latest$|^[^:@]+$/, `${s.from}: no latest or untagged base`);
  }
});

test("the build stage compiles with the build script's tsconfig, and the runtime gets dist/", () => {
  const build = stageNamed("build") as Stage;
  assert.ok(runs(build).some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r)));
  const buildScript =
    (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts.build ?? "";
  const tscArgs = /tsc (.*)$/.exec(buildScript)?.[1];
  assert.ok(tscArgs, `package.json build script runs tsc: ${buildScript}`);
  assert.ok(
    runs(build).some((r) => r.includes("npm run build") || r.includes(`tsc ${tscArgs}`)),
    `build stage runs npm run build or tsc ${tscArgs}`,
  );
  assert.ok(copiesFrom(final).some((c) => c.from === "build" && c.sources.includes("/app/dist")));
});

test("runtime node_modules come from a production-only npm ci", () => {
  const prod = stageNamed("prod-deps") as Stage;
  assert.ok(runs(prod).some((r) => /\bnpm ci\b.*--omit=dev/.test(r)));
  const nodeModules = copiesFrom(final).filter((c) => c.sources.some((s) => s.endsWith("node_modules")));
  assert.deepEqual(
    nodeModules.map((c) => c.from),
    ["prod-deps"],
  );
  assert.ok(!runs(final).some((r) => /\bnpm (ci|install)\b/.test(r) && !/--omit=dev/.test(r)));
});

test("runtime installs git, openssh-client and tini, and tini is PID 1", () => {
  const apt = runs(final).find((r) => r.includes("apt-get install")) ?? "";
  for (const pkg of ["git", "openssh-client", "tini", "ca-certificates"]) {
    assert.match(apt, new RegExp(`(^|\\s)${pkg}(\\s|$)`), `apt-get install ${pkg}`);
  }
  assert.match(apt, /--no-install-recommends/);
  assert.match(apt, /rm -rf \/var\/lib\/apt\/lists/, "apt lists removed in the same layer");
  const cmd = command();
  assert.equal(cmd[0], "/usr/bin/tini", "ENTRYPOINT starts with tini");
  assert.equal(cmd[1], "--");
});

test("the container runs node --max-semi-space-size=8 --expose-gc dist/src/main.js, like npm run start:prod", () => {
  const cmd = command();
  assert.equal(cmd[2], "node");
  assert.ok(cmd.includes("--max-semi-space-size=8"), cmd.join(" "));
  // The memory trim after a burst needs the collector (src/telemetry/memory-trim.ts).
  assert.ok(cmd.includes("--expose-gc"), cmd.join(" "));
  assert.match(cmd.find((w) => w.endsWith("main.js")) ?? "", /(^|\/)dist\/src\/main\.js$/);
  const startProd = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts[
    "start:prod"
  ];
  assert.match(startProd ?? "", /--max-semi-space-size=8 --expose-gc dist\/src\/main\.js/);
  // The benchmarks run the controller with the same flags, or their figures describe another program.
  for (const flag of CONTROLLER_NODE_FLAGS) assert.ok(cmd.includes(flag), `bench flag ${flag} in ENTRYPOINT`);
  assert.deepEqual(
    cmd.filter((w) => w.startsWith("--") && w !== "--"),
    [...CONTROLLER_NODE_FLAGS],
  );
});

test("the runtime runs as a fixed numeric non-root UID", () => {
  const user = final.instructions.filter((i) => i.op === "USER").pop();
  assert.ok(user, "a USER in the runtime stage");
  const [uid, gid] = user.args.trim().split(":");
  assert.match(uid ?? "", /^\d+$/, "numeric UID");
  assert.notEqual(Number(uid), 0);
  if (gid !== undefined) assert.match(gid, /^\d+$/);
  // The chart's securityContext runs the same UID.
  assert.match(read("charts/sluice/templates/deployment.yaml"), new RegExp(`runAsUser: ${uid}\\b`));
  const last = final.instructions.map((i) => i.op).lastIndexOf("USER");
  assert.ok(
    final.instructions.slice(last).every((i) => i.op !== "RUN"),
    "nothing runs as root after USER",
  );
});

test("kustomize and helm are at the harness's versions and on PATH", () => {
  const versions = versionsEnv();
  const tools = stageNamed("tools") as Stage;
  const args = declared(tools, "ARG");
  for (const [tool, key, module] of [
    ["kustomize", "KUSTOMIZE_VERSION", "sigs.k8s.io/kustomize/kustomize/v5"],
    ["helm", "HELM_VERSION", "helm.sh/helm/v3"],
  ] as const) {
    const want = versions.get(key);
    assert.ok(want, `${key} in versions.env`);
    assert.equal(args.get(key), want, `Dockerfile ARG ${key}`);
    // The wrapper module the tools stage builds from is at the same version (go.sum verifies it).
    assert.match(
      read(`test/cluster/go/${tool}/go.mod`),
      new RegExp(`\\s${module.replace(/\./g, "\\.")} ${want}\\b`),
    );
    assert.ok(
      runs(tools).some((r) => r.includes(`-o /out/${tool} `) && r.includes(`$${key}`)),
      `tools stage builds ${tool} and checks $${key}`,
    );
    const copy = copiesFrom(final).find((c) => c.from === "tools" && c.sources.includes(`/out/${tool}`));
    assert.ok(copy, `runtime copies ${tool} from the tools stage`);
    // On PATH, so the --kustomize-path/--helm-path defaults ("kustomize", "helm") find them.
    assert.match(copy.dest, /^\/usr\/local\/bin\/?$/);
  }
  const options = read("src/options.ts");
  assert.match(options, /kustomizePath: get\("kustomize-path"\) \?\? "kustomize"/);
  assert.match(options, /helmPath: get\("helm-path"\) \?\? "helm"/);
});

test("no secrets or caches in layers", () => {
  for (const stage of dockerfile.stages) {
    for (const op of ["ARG", "ENV"] as const) {
      for (const name of declared(stage, op).keys()) {
        assert.doesNotMatch(name, /TOKEN|PASSWORD|SECRET|PASSWD|API_?KEY|CREDENTIAL/i, `${op} ${name}`);
      }
    }
    for (const r of runs(stage)) {
      // npm and Go caches are BuildKit cache mounts, never layer content.
      if (/\bnpm (ci|install)\b/.test(r)) assert.match(r, /--mount=type=cache,target=\/root\/\.npm/, r);
      if (/\bgo build\b/.test(r)) assert.match(r, /--mount=type=cache,target=\/go\/pkg\/mod/, r);
    }
  }
  for (const name of dockerfile.globalArgs.keys()) assert.doesNotMatch(name, /TOKEN|PASSWORD|SECRET/i);
  // The build context carries only what the stages copy: no .git, .npmrc, kubeconfigs or caches.
  const ignore = read(".dockerignore")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  assert.equal(ignore[0], "**", ".dockerignore starts by excluding everything");
  assert.ok(ignore.slice(1).every((l) => l.startsWith("!")));
  assert.ok(!ignore.some((l) => /\.git|\.npmrc|\.sluice|node_modules/.test(l)));
  // Everything a stage COPYs from the context is re-included.
  for (const stage of dockerfile.stages) {
    for (const ins of stage.instructions.filter((i) => i.op === "COPY" && !/--from=/.test(i.args))) {
      const paths = ins.args.split(/\s+/).filter((w) => !w.startsWith("--"));
      for (const src of paths.slice(0, -1)) {
        assert.ok(
          ignore.some((l) => l === `!${src}` || l === `!${src}/**`),
          `.dockerignore re-includes ${src}`,
        );
      }
    }
  }
});
