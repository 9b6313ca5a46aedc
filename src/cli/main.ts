#!/usr/bin/env node
// kubectl-sluice: the kubectl plugin (`kubectl sluice <command>`). For now: lint.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { lintText } from "./lint.ts";

const USAGE = `usage: kubectl sluice lint -f FILE [-f FILE ...]   (FILE "-" reads stdin)`;

async function readInput(file: string): Promise<string> {
  if (file !== "-") return readFile(file, "utf8");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function lint(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { filename: { type: "string", short: "f", multiple: true } },
  });
  const files = values.filename ?? [];
  if (files.length === 0) {
    console.error(USAGE);
    return 2;
  }
  let errors = 0;
  for (const file of files) {
    let text: string;
    try {
      text = await readInput(file);
    } catch (error) {
      console.error(`${file}: ${(error as Error).message}`);
      errors++;
      continue;
    }
    const result = lintText(text, file);
    for (const line of result.lines) console.log(line);
    errors += result.errors;
  }
  return errors > 0 ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "lint") return await lint(rest);
  } catch (error) {
    console.error(`kubectl-sluice: ${(error as Error).message}`);
    return 2;
  }
  console.error(USAGE);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
