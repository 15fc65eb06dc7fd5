#!/usr/bin/env node
// The accrue command: runs the TypeScript sources through tsx, so a clone needs no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
main(process.argv).then(
  () => {
    // A command that failed sets process.exitCode; exit with it now, because the embedded
    // database package's exit hook would otherwise end the process with status 0.
    if (process.exitCode !== undefined && process.exitCode !== 0) process.exit(process.exitCode);
  },
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
