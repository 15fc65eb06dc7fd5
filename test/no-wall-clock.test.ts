import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Services take a Clock so a test clock can drive months of billing; one stray
 * `Date.now()` would make a billing run depend on the day the test ran.
 * Only src/kernel/clock.ts may read the wall clock.
 */
const ROOT = path.resolve(import.meta.dirname, "../src");
const ALLOWED = new Set(["kernel/clock.ts"]);
const FORBIDDEN: [RegExp, string][] = [
  [/\bDate\.now\s*\(/, "Date.now()"],
  [/\bnew Date\s*\(\s*\)/, "new Date()"],
  [/\bTemporal\.Now\b/, "Temporal.Now"],
];

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await sourceFiles(full)));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) files.push(full);
  }
  return files;
}

describe("the wall clock", () => {
  it("is read only by kernel/clock.ts", async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles(ROOT)) {
      const relative = path.relative(ROOT, file);
      if (ALLOWED.has(relative)) continue;
      const lines = (await readFile(file, "utf8")).split("\n");
      lines.forEach((line, index) => {
        for (const [pattern, name] of FORBIDDEN) {
          if (pattern.test(line)) offenders.push(`${relative}:${index + 1} uses ${name}`);
        }
      });
    }
    expect(offenders).toEqual([]);
  });

  it("is caught when read", () => {
    // The scanner itself must match what it forbids, or the test above proves nothing.
    const sample = ["const t = Date.now();", "const d = new Date();", "Temporal.Now.instant()"];
    for (const [index, [pattern]] of FORBIDDEN.entries()) expect(pattern.test(sample[index] ?? "")).toBe(true);
  });
});
