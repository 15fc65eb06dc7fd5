#!/usr/bin/env node
// The accrue command: runs the TypeScript sources through tsx, so a clone needs no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
main(process.argv).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  // Exit now: the embedded database's exit hook would otherwise end the process with status 0.
  process.exit(1);
});
