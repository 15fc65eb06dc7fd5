import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  can,
  PERMISSIONS,
  permissionMatrixMarkdown,
  ROLE_DESCRIPTIONS,
  ROLE_PERMISSIONS,
  ROLES,
  roleCovers,
} from "./permissions.js";

describe("the permission matrix", () => {
  it.each([
    // role, permission, allowed — one row per decision people rely on
    ["admin", "users:manage", true],
    ["admin", "ledger:close", true],
    ["billing_analyst", "scripts:publish", true],
    ["billing_analyst", "payments:refund", true],
    ["billing_analyst", "approvals:decide", false],
    ["billing_analyst", "users:manage", false],
    ["ar_specialist", "invoices:finalize", true],
    ["ar_specialist", "payments:write", true],
    ["ar_specialist", "invoices:void", false],
    ["support_agent", "cases:write", true],
    ["support_agent", "payouts:write", true],
    ["support_agent", "ledger:read", false],
    ["approver", "approvals:decide", true],
    ["approver", "audit:read", true],
    ["approver", "invoices:write", false],
    ["auditor", "audit:read", true],
    ["auditor", "ledger:read", true],
    ["auditor", "ledger:write", false],
    ["auditor", "approvals:decide", false],
    ["developer", "api_keys:manage", true],
    ["developer", "webhooks:manage", true],
    ["developer", "audit:read", false],
    ["developer", "customers:write", false],
    ["nobody", "customers:read", false], // unknown role: fails closed
    ["admin", "customers:delete", false], // unknown permission: fails closed
  ])("%s may %s: %s", (role, permission, allowed) => {
    expect(can(role, permission)).toBe(allowed);
  });

  it("gives the auditor every read and nothing that writes", () => {
    const reads = PERMISSIONS.filter((permission) => permission.endsWith(":read"));
    expect([...ROLE_PERMISSIONS.auditor].sort()).toEqual([...reads].sort());
    expect(reads).toContain("audit:read");
  });

  it("gives admin everything", () => {
    for (const permission of PERMISSIONS) expect(can("admin", permission)).toBe(true);
  });

  it("lists only known permissions, each once per role", () => {
    for (const role of ROLES) {
      const granted = ROLE_PERMISSIONS[role];
      expect(new Set(granted).size).toBe(granted.length);
      for (const permission of granted) expect(PERMISSIONS).toContain(permission);
    }
  });

  it.each([
    ["admin", "developer", true],
    ["admin", "admin", true],
    ["developer", "developer", true],
    ["developer", "admin", false],
    ["developer", "auditor", false], // auditor reads the audit log; developer does not
    ["approver", "auditor", true], // approver holds every read
    ["auditor", "approver", false],
    ["billing_analyst", "support_agent", false], // support agents pay out royalties
  ])("%s can grant %s: %s", (holder, granted, covers) => {
    expect(roleCovers(holder, granted)).toBe(covers);
  });
});

async function guideTable(): Promise<string> {
  const guide = await readFile(path.resolve(import.meta.dirname, "../../docs/guide/access.md"), "utf8");
  const start = guide.indexOf("<!-- permission-matrix:start -->");
  const end = guide.indexOf("<!-- permission-matrix:end -->");
  expect(start).toBeGreaterThan(-1);
  expect(end).toBeGreaterThan(start);
  return guide.slice(start, end).split("\n").slice(1).join("\n").trim();
}

describe("the access guide", () => {
  it("grants in its table exactly what the code grants", async () => {
    const lines = (await guideTable()).split("\n");
    const header = (lines[0] ?? "")
      .split("|")
      .slice(2, -1)
      .map((cell) => cell.trim());
    expect(header).toEqual([...ROLES]);
    const granted = new Map<string, string[]>(ROLES.map((role) => [role, []]));
    const listed: string[] = [];
    for (const line of lines.slice(2)) {
      const cells = line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim());
      const permission = (cells[0] ?? "").replaceAll("`", "");
      listed.push(permission);
      ROLES.forEach((role, index) => {
        if (cells[index + 1] === "✓") granted.get(role)?.push(permission);
      });
    }
    expect(listed).toEqual([...PERMISSIONS]);
    for (const role of ROLES) expect(granted.get(role)?.sort()).toEqual([...ROLE_PERMISSIONS[role]].sort());
  });

  it("describes every role as the code does", async () => {
    const guide = await readFile(path.resolve(import.meta.dirname, "../../docs/guide/access.md"), "utf8");
    for (const role of ROLES) expect(guide).toContain(`| \`${role}\` | ${ROLE_DESCRIPTIONS[role]} |`);
  });

  it("has the table exactly as generated", async () => {
    // On failure, paste the output of permissionMatrixMarkdown() between the markers.
    expect(await guideTable()).toBe(permissionMatrixMarkdown());
  });
});
