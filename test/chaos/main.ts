// npm run chaos [-- --seed N] [--short] [--canaries N]: one chaos run, seed printed first so any
// run can be replayed with the same fault schedule. Exit code 1 when an invariant failed.
import { randomInt } from "node:crypto";
import { parseArgs } from "node:util";
import { FULL, SHORT } from "./modes.ts";
import { parseSeed } from "./random.ts";
import { runChaos } from "./run.ts";

const { values } = parseArgs({
  options: { seed: { type: "string" }, short: { type: "boolean" }, canaries: { type: "string" } },
  strict: true,
});
const seed = values.seed === undefined ? randomInt(2 ** 32 - 1) : parseSeed(values.seed);
const base = values.short ? SHORT : FULL;
const mode = values.canaries ? { ...base, canaries: Number(values.canaries) } : base;
const result = await runChaos(seed, mode, (line) => console.log(line));
console.log(
  `chaos ${mode.name}: ${result.failed ? "FAILED" : "passed"} in ${result.seconds.toFixed(0)}s (seed ${seed})`,
);
process.exitCode = result.failed ? 1 : 0;
