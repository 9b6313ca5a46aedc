// npm run chaos [-- --seed N] [--short] [--ha] [--canaries N] [--outage-ms N]: one chaos run, seed printed
// first so any run can be replayed with the same fault schedule. --outage-ms fixes the length of
// every Prometheus outage (the window grows to fit), e.g. beyond the analyses' error tolerance to
// see the aborts the recorded outages then dictate. --ha runs two controller replicas electing a
// leader (the kills then hit the leader or the standby). Exit code 1 when an invariant failed.
import { randomInt } from "node:crypto";
import { parseArgs } from "node:util";
import { FULL, SHORT, withHa } from "./modes.ts";
import { parseSeed } from "./random.ts";
import { type ChaosMode, runChaos } from "./run.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    short: { type: "boolean" },
    ha: { type: "boolean" },
    canaries: { type: "string" },
    "outage-ms": { type: "string" },
  },
  strict: true,
});
const seed = values.seed === undefined ? randomInt(2 ** 32 - 1) : parseSeed(values.seed);
let mode: ChaosMode = values.short ? SHORT : FULL;
if (values.ha) mode = withHa(mode);
if (values.canaries) {
  mode = {
    ...mode,
    canaries: Number(values.canaries),
    flags: [...mode.flags, "--canaries", values.canaries],
  };
}
if (values["outage-ms"]) {
  const outage = Number(values["outage-ms"]);
  const { shape } = mode;
  // The Prometheus lane spans 90% of the window, one outage and its gap per slot.
  const fits = Math.ceil(((outage + shape.prometheusGapMs) * shape.prometheusOutages) / 0.9) + 1000;
  mode = {
    ...mode,
    name: `${mode.name}, ${outage} ms outages`,
    flags: [...mode.flags, "--outage-ms", String(outage)],
    shape: { ...shape, prometheusDownMs: [outage, outage], windowMs: Math.max(shape.windowMs, fits) },
  };
}
const result = await runChaos(seed, mode, (line) => console.log(line));
console.log(
  `chaos ${mode.name}: ${result.failed ? "FAILED" : "passed"} in ${result.seconds.toFixed(0)}s (seed ${seed})`,
);
process.exitCode = result.failed ? 1 : 0;
