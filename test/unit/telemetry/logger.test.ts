// The two log formats: JSON lines for machines, pino-pretty lines for people, the same fields
// redacted in both, and `auto` choosing by whether stdout is a terminal.
import assert from "node:assert/strict";
import { test } from "node:test";
import { stripVTControlCharacters } from "node:util";
import { createLogger, type LogFormat, resolveLogFormat } from "../../../src/telemetry/logger.ts";

/** A logger of the given format whose output is collected as text. */
function captured(format: LogFormat) {
  const chunks: string[] = [];
  const logger = createLogger("info", { format, destination: { write: (chunk) => chunks.push(chunk) } });
  // Colours depend on the terminal running the tests; the text is what is asserted.
  return { logger, text: () => stripVTControlCharacters(chunks.join("")) };
}

test("a json logger writes one JSON object per line", () => {
  const { logger, text } = captured("json");
  logger.info({ rollout: "web" }, "rollout promoted");
  const line = JSON.parse(text().trim());
  assert.equal(line.msg, "rollout promoted");
  assert.equal(line.level, "info");
  assert.equal(line.rollout, "web");
});

test("a pretty logger writes a human line, not JSON, with the message and fields", () => {
  const { logger, text } = captured("pretty");
  logger.info({ rollout: "web" }, "rollout promoted");
  const out = text();
  assert.throws(() => JSON.parse(out), "not a JSON line");
  assert.equal(out.trimEnd().split("\n").length, 1, "one entry, one line");
  assert.match(out, /INFO/);
  assert.match(out, /rollout promoted/);
  assert.match(out, /"rollout":"web"/);
  assert.doesNotMatch(out, /"pid"/, "pid is left out of the pretty form");
});

for (const format of ["json", "pretty"] as const) {
  test(`${format}: passwords and tokens are redacted`, () => {
    const { logger, text } = captured(format);
    logger.info({ password: "hunter2", auth: { token: "t0ps3cret" } }, "connecting");
    const out = text();
    assert.doesNotMatch(out, /hunter2|t0ps3cret/);
    assert.match(out, /\[redacted\]/);
  });
}

test("auto is pretty on a terminal and JSON otherwise; explicit formats stay", () => {
  assert.equal(
    resolveLogFormat("auto", () => true),
    "pretty",
  );
  assert.equal(
    resolveLogFormat("auto", () => false),
    "json",
  );
  assert.equal(
    resolveLogFormat("json", () => true),
    "json",
  );
  assert.equal(
    resolveLogFormat("pretty", () => false),
    "pretty",
  );
});
