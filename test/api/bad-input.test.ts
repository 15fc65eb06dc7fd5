import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { TestClock } from "../../src/kernel/clock.js";
import { testApp } from "../support/app.js";
import { freshDatabase } from "../support/database.js";
import { type JsonSchema, type Operation, operations } from "./openapi-walk.js";

/**
 * Sends a corpus of bad requests to every route: malformed JSON, wrong types,
 * unknown and missing fields, a 10 MB body, bad amounts, dates and ids,
 * strings carrying SQL, HTML and control characters, deep nesting. Each must
 * get a 4xx with a code (and a `param` where a field is at fault), never a
 * 5xx, and no table may gain or lose a row.
 */
const { db } = await freshDatabase();
const clock = new TestClock("2026-11-23T10:00:00Z");
const { app, adminKey, auth } = await testApp({ db, clock });
const headers = auth(adminKey);
const routes = await operations(app);

const HOSTILE_STRINGS = [
  "'; drop table journal_entries; --",
  "<script>alert(1)</script>",
  "bad\u0000nul",
  "line\u0007bell",
  "x".repeat(20_000),
  "١٢٣",
  "NaN",
];
const BAD_AMOUNTS = [
  "1e3",
  "NaN",
  "Infinity",
  "",
  "12,50",
  " 1",
  "0.0000000000001",
  "99999999999999999999999999999999999",
];
const TEN_MEGABYTES = JSON.stringify({ blob: "x".repeat(10 * 1024 * 1024) });
const DEEPLY_NESTED = `${'{"a":'.repeat(5000)}1${"}".repeat(5000)}`;
const BAD_DATES = ["2026-02-30", "2026-13-01", "yesterday", "2026-11-23T25:00:00Z", ""];

interface Case {
  name: string;
  payload?: string | object;
  contentType?: string;
  url?: string;
  expectParam: boolean;
}

async function rowCounts(): Promise<Record<string, number>> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(db);
  const counts: Record<string, number> = {};
  for (const { table_name } of tables.rows) {
    const result = await sql<{ n: string }>`select count(*) as n from ${sql.table(table_name)}`.execute(db);
    counts[table_name] = Number(result.rows[0]?.n);
  }
  return counts;
}

function wrongTypeFor(schema: JsonSchema): unknown {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string":
      return 12.5;
    case "number":
    case "integer":
      return "twelve";
    case "boolean":
      return "yes";
    case "array":
      return { not: "an array" };
    case "object":
      return ["not", "an", "object"];
    default:
      return { unexpected: true };
  }
}

function looksLikeAmount(name: string, schema: JsonSchema): boolean {
  return schema.pattern?.includes("\\d+(\\.") === true || /amount|debit|credit|price/.test(name);
}

function looksLikeDate(name: string, schema: JsonSchema): boolean {
  return schema.format === "date" || schema.format === "date-time" || /date|_at$|as_of|through|from$|to$/.test(name);
}

function bodyCases(route: Operation): Case[] {
  const schema = route.bodySchema;
  const cases: Case[] = [
    { name: "malformed JSON", payload: '{"a": ', contentType: "application/json", expectParam: false },
    { name: "JSON array", payload: "[]", contentType: "application/json", expectParam: false },
    { name: "text body", payload: "hello", contentType: "text/plain", expectParam: false },
    { name: "10 MB body", payload: TEN_MEGABYTES, contentType: "application/json", expectParam: false },
    { name: "unknown field", payload: { surely_not_a_field: 1 }, expectParam: true },
    { name: "deep nesting", payload: DEEPLY_NESTED, contentType: "application/json", expectParam: true },
  ];
  if (schema === undefined) return cases;
  const required = schema.required ?? [];
  if (required.length > 0) cases.push({ name: "empty object", payload: {}, expectParam: true });
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    // Every other required field is left out, so even an acceptable value cannot lead to a write.
    const others = required.filter((field) => field !== name);
    const mustFail = others.length > 0;
    cases.push({ name: `${name}: wrong type`, payload: { [name]: wrongTypeFor(property) }, expectParam: true });
    if (!mustFail) continue;
    for (const hostile of HOSTILE_STRINGS) {
      cases.push({ name: `${name}: hostile string`, payload: { [name]: hostile }, expectParam: true });
    }
    if (looksLikeAmount(name, property)) {
      for (const amount of BAD_AMOUNTS)
        cases.push({ name: `${name}: amount ${amount}`, payload: { [name]: amount }, expectParam: true });
    }
    if (looksLikeDate(name, property)) {
      for (const date of BAD_DATES)
        cases.push({ name: `${name}: date ${date}`, payload: { [name]: date }, expectParam: true });
    }
  }
  return cases;
}

function queryCases(route: Operation): Case[] {
  const cases: Case[] = [
    { name: "unknown query parameter", url: `${route.url}?surely_not_a_parameter=1`, expectParam: true },
  ];
  for (const [name, property] of Object.entries(route.querySchema?.properties ?? {})) {
    const type = Array.isArray(property.type) ? property.type[0] : property.type;
    if (type === "integer" || type === "number") {
      cases.push({ name: `${name}=abc`, url: `${route.url}?${name}=abc`, expectParam: true });
      cases.push({ name: `${name}=100000`, url: `${route.url}?${name}=100000`, expectParam: true });
    }
    if (looksLikeDate(name, property)) {
      cases.push({ name: `${name}=2026-02-30`, url: `${route.url}?${name}=2026-02-30`, expectParam: true });
    }
  }
  return cases;
}

function pathCases(route: Operation): Case[] {
  if (!route.path.includes("{")) return [];
  const urls = [
    route.path.replace(/\{[^}]+\}/g, "cus_01jd0000000000000000000000"),
    route.path.replace(/\{[^}]+\}/g, encodeURIComponent("' or 1=1 --")),
    route.path.replace(/\{[^}]+\}/g, "x".repeat(300)),
  ];
  return urls.map((url) => ({
    name: `path ${url.slice(0, 40)}`,
    url,
    payload: route.method === "GET" ? undefined : {},
    expectParam: false,
  }));
}

describe("bad input on every route", () => {
  it("gets a 4xx with a code, never a 5xx, and writes nothing", async () => {
    const before = await rowCounts();
    const failures: string[] = [];
    let sent = 0;
    for (const route of routes) {
      const cases = [...(route.method === "GET" ? queryCases(route) : bodyCases(route)), ...pathCases(route)];
      for (const testCase of cases) {
        const payload = typeof testCase.payload === "object" ? JSON.stringify(testCase.payload) : testCase.payload;
        const response = await app.inject({
          method: route.method,
          url: testCase.url ?? route.url,
          headers: {
            ...headers,
            ...(payload === undefined ? {} : { "content-type": testCase.contentType ?? "application/json" }),
          },
          ...(payload === undefined ? {} : { payload }),
        });
        sent++;
        const body = String(response.headers["content-type"] ?? "").includes("json") ? response.json() : undefined;
        const where = `${route.method} ${route.path} [${testCase.name}]`;
        if (response.statusCode < 400 || response.statusCode >= 500) {
          failures.push(`${where} → ${response.statusCode}`);
        } else if (typeof body?.error?.code !== "string") {
          failures.push(`${where} → ${response.statusCode} without an error code`);
        } else if (testCase.expectParam && response.statusCode === 400 && typeof body.error.param !== "string") {
          failures.push(`${where} → ${body.error.code} without param`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(200);
    expect(await rowCounts()).toEqual(before);
  }, 300_000);
});
