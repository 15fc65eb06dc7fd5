import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

/**
 * `npm run bench`: every bench/*.bench.ts in turn, each in its own process so
 * one benchmark's heap and connections never colour the next. `npm run bench
 * -- ledger` runs only those whose name contains "ledger".
 */
const filter = process.argv[2];
const dir = import.meta.dirname;
const files = readdirSync(dir)
  .filter((file) => file.endsWith(".bench.ts") && (filter === undefined || file.includes(filter)))
  .sort();
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n# ${file}\n`);
  const result = spawnSync(process.execPath, ["--import", "tsx", path.join(dir, file)], { stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
