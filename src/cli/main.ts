#!/usr/bin/env node
// kubectl-sluice: the kubectl plugin (`kubectl sluice <command>`); the commands are in program.ts.
import { processIO } from "./io.ts";
import { runCli } from "./program.ts";

process.exitCode = await runCli(process.argv.slice(2), processIO());
