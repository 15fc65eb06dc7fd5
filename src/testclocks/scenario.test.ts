import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";
import { local, seatPlan } from "../subscriptions/test-support.js";

/**
 * A year of billing in seconds: a customer in Los Angeles on a test clock,
 * three seats a month at 10.00, advanced month by month through 2026.
 */

const { db } = await freshDatabase();
// Real time for the company: the audit log and the live books live here.
const deps = { db, clock: new TestClock("2026-11-23T12:00:00Z") };
const { app, adminKey, keyFor, auth } = await testApp(deps);
const admin = auth(adminKey);
const LA = "America/Los_Angeles";

async function call(method: "GET" | "POST" | "DELETE", url: string, payload?: object, headers = admin) {
  const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

const plan = await seatPlan(deps);
const seat = plan.prices["10.00"] as string;

const la = (dateTime: string) => local(dateTime, LA).toString();

async function invoicesOf(customer: string) {
  const listed = await call("GET", `/v1/invoices?customer=${customer}&limit=100`);
  return [...listed.body.data].reverse() as {
    id: string;
    status: string;
    number: string | null;
    total: string;
    issue_date: string | null;
    due_date: string | null;
    lines: { description: string; amount: string; proration: boolean; period: { start: string } | null }[];
  }[];
}

/** What an analyst does after each advance: finalize any draft the checklist held back. */
async function finalizeDrafts(customer: string) {
  for (const invoice of await invoicesOf(customer)) {
    if (invoice.status !== "draft") continue;
    expect((await call("POST", `/v1/invoices/${invoice.id}/finalize`)).status).toBe(200);
  }
}

async function overdueEvents(invoiceId: string): Promise<number> {
  const result = await sql<{ n: string }>`
    select count(*) as n from outbox_events where type = 'invoice.overdue' and data -> 'invoice' ->> 'id' = ${invoiceId}`.execute(
    db,
  );
  return Number(result.rows[0]?.n);
}

async function count(query: ReturnType<typeof sql<{ n: string }>>): Promise<number> {
  return Number((await query.execute(db)).rows[0]?.n);
}

describe("a year of billing on a test clock", () => {
  let clock: string;
  let customer: string;
  let subscription: string;
  let liveBefore: unknown;

  it("creates a clock, a customer on it and a subscription that starts at the clock's time", async () => {
    liveBefore = (await call("GET", "/v1/ledger/trial_balance")).body;
    const created = await call("POST", "/v1/test_clocks", {
      name: "LA seats 2026",
      frozen_time: la("2026-01-01T00:00"),
    });
    expect(created).toMatchObject({
      status: 200,
      body: { object: "test_clock", status: "ready", frozen_time: "2026-01-01T08:00:00Z", customer_count: 0 },
    });
    clock = created.body.id;
    expect(clock).toMatch(/^clock_/);

    const made = await call("POST", "/v1/customers", {
      legal_name: "Pacific Seats Inc.",
      currency: "USD",
      time_zone: LA,
      billing_address: { line1: "1 Main St", city: "Los Angeles", region: "CA", postal_code: "90012", country: "US" },
      test_clock: clock,
    });
    expect(made).toMatchObject({ status: 200, body: { test_clock: clock, created_at: "2026-01-01T08:00:00Z" } });
    customer = made.body.id;
    expect((await call("GET", `/v1/customers/${customer}`)).body.test_clock).toBe(clock);
    expect((await call("GET", `/v1/test_clocks/${clock}`)).body.customer_count).toBe(1);
    const onClock = await call("GET", `/v1/customers?test_clock=${clock}`);
    expect(onClock.body.data.map((row: { id: string }) => row.id)).toEqual([customer]);

    const sub = await call("POST", "/v1/subscriptions", { customer, items: [{ price: seat, quantity: "3" }] });
    expect(sub).toMatchObject({ status: 200, body: { start_at: "2026-01-01T08:00:00Z" } });
    subscription = sub.body.id;
    // Drafts finalize a day after they are made, as the auto-finalize job does in real time.
    const grace = await call("POST", `/v1/customers/${customer}/review_settings`, { auto_finalize_grace_hours: 24 });
    expect(grace.status).toBe(200);
  });

  it("advances month by month to 2026-12-31: twelve invoices, a seat change prorated, overdue notices", async () => {
    for (let month = 1; month <= 12; month += 1) {
      const target = la(`2026-${String(month).padStart(2, "0")}-16T00:00`);
      const advanced = await call("POST", `/v1/test_clocks/${clock}/advance`, { frozen_time: target });
      expect(advanced).toMatchObject({ status: 200, body: { status: "ready", frozen_time: target } });
      await finalizeDrafts(customer);
      if (month === 6) {
        // Five seats from June 16 (local midnight): 15 of June's 30 days remain.
        const changed = await call("POST", `/v1/subscriptions/${subscription}`, {
          items: [{ price: seat, quantity: "5" }],
          proration_behavior: "create_prorations",
        });
        expect(changed.status).toBe(200);
      }
      if (month === 2) {
        const [january] = await invoicesOf(customer);
        // Net 30 from January 2 (the day it finalized) is due February 1; overdue from February 2.
        expect(january).toMatchObject({ issue_date: "2026-01-02", due_date: "2026-02-01", status: "open" });
        expect(await overdueEvents(january?.id as string)).toBe(1);
      }
    }
    expect(
      (await call("POST", `/v1/test_clocks/${clock}/advance`, { frozen_time: la("2026-12-31T00:00") })).status,
    ).toBe(200);
    const ready = await count(sql`
      select count(*) as n from outbox_events where type = 'test_clock.ready' and data -> 'test_clock' ->> 'id' = ${clock}`);
    expect(ready).toBe(13); // one per advance: 12 months, then to December 31

    const invoices = await invoicesOf(customer);
    expect(invoices).toHaveLength(12);
    const prefix = `TC-${clock.slice(-10).toUpperCase()}`;
    expect(invoices.map((invoice) => invoice.number)).toEqual(
      Array.from({ length: 12 }, (_, i) => `${prefix}-2026-${String(i + 1).padStart(6, "0")}`),
    );
    expect(invoices.map((invoice) => invoice.lines[0]?.period?.start)).toEqual(
      Array.from({ length: 12 }, (_, i) => la(`2026-${String(i + 1).padStart(2, "0")}-01T00:00`)),
    );
    expect(invoices.map((invoice) => invoice.total)).toEqual([
      ...Array(6).fill("30.00"), // 3 seats × 10.00
      "60.00", // 5 × 10.00 + (−3 × 10.00 × 15/30 = −15.00) + (5 × 10.00 × 15/30 = 25.00)
      ...Array(5).fill("50.00"), // 5 seats × 10.00
    ]);
    const july = invoices[6];
    expect(july?.lines.filter((line) => line.proration).map((line) => line.amount)).toEqual(["-15.00", "25.00"]);
    // Once per invoice: January's notice went out in February and never again.
    expect(await overdueEvents(invoices[0]?.id as string)).toBe(1);
    expect(await overdueEvents(invoices[10]?.id as string)).toBe(1); // November's, due December 2
  });

  it("keeps the live books and the live billing run clean", async () => {
    expect((await call("GET", "/v1/ledger/trial_balance")).body).toEqual(liveBefore);
    const book = await call("GET", `/v1/ledger/trial_balance?test_clock=${clock}`);
    const receivable = book.body.accounts.find((row: { code: string }) => row.code.startsWith("1100:"));
    expect(Number(receivable.balance)).toBe(490); // 6 × 30.00 + 60.00 + 5 × 50.00, all still open
    // A live run far in the future leaves the clock's customer alone.
    const run = await call("POST", "/v1/billing_runs", { as_of: "2027-06-01T00:00:00Z", customer });
    expect(run).toMatchObject({ status: 200, body: { invoices_created: 0 } });
  });

  it("refuses to move backwards or more than two intervals at once", async () => {
    const backwards = await call("POST", `/v1/test_clocks/${clock}/advance`, { frozen_time: la("2026-12-01T00:00") });
    expect(backwards).toMatchObject({
      status: 400,
      body: { error: { code: "test_clock_backwards", param: "frozen_time" } },
    });
    // Two months after December 31 is February 28, 2027.
    const far = await call("POST", `/v1/test_clocks/${clock}/advance`, { frozen_time: la("2027-03-01T00:00") });
    expect(far).toMatchObject({
      status: 400,
      body: { error: { code: "test_clock_advance_too_far", param: "frozen_time" } },
    });
    expect((await call("GET", `/v1/test_clocks/${clock}`)).body).toMatchObject({
      status: "ready",
      frozen_time: la("2026-12-31T00:00"),
    });
  });

  it("deletes the clock with its customer, invoices and book", async () => {
    const deleted = await call("DELETE", `/v1/test_clocks/${clock}`);
    expect(deleted).toMatchObject({ status: 200, body: { id: clock, status: "deleted", customer_count: 1 } });
    expect((await call("GET", `/v1/test_clocks/${clock}`)).status).toBe(404);
    expect((await call("GET", `/v1/customers/${customer}`)).status).toBe(404);
    expect(await count(sql`select count(*) as n from invoices where customer_id = ${customer}`)).toBe(0);
    expect(await count(sql`select count(*) as n from subscriptions where customer_id = ${customer}`)).toBe(0);
    expect(await count(sql`select count(*) as n from billing_run_items where customer_id = ${customer}`)).toBe(0);
    expect(await count(sql`select count(*) as n from ledger_entries where test_clock_id = ${clock}`)).toBe(0);
    expect(await count(sql`select count(*) as n from ledger_accounts where test_clock_id = ${clock}`)).toBe(0);
    expect((await call("GET", "/v1/ledger/trial_balance")).body).toEqual(liveBefore);
  });
});

describe("test clock input and permissions", () => {
  it("names the bad field and writes nothing", async () => {
    expect(await call("POST", "/v1/test_clocks", { frozen_time: "2026-01-01T00:00:00Z" })).toMatchObject({
      status: 400,
      body: { error: { param: "name" } },
    });
    expect(await call("POST", "/v1/test_clocks", { name: "x", frozen_time: "next tuesday" })).toMatchObject({
      status: 400,
      body: { error: { param: "frozen_time" } },
    });
    const unknown = await call("POST", "/v1/customers", {
      legal_name: "Nobody",
      currency: "USD",
      test_clock: "clock_01h455vb4pex5vsknk084sn02q",
    });
    expect(unknown).toMatchObject({
      status: 404,
      body: { error: { code: "test_clock_not_found", param: "test_clock" } },
    });
    expect((await call("GET", "/v1/test_clocks")).body.data).toEqual([]);
  });

  it("refuses to advance or delete a clock while it advances, and frees one whose advance died", async () => {
    const made = await call("POST", "/v1/test_clocks", { name: "busy", frozen_time: "2026-01-01T00:00:00Z" });
    const id = made.body.id as string;
    // An advance saved its last stop two minutes ago (company time is 2026-11-23T12:00:00Z).
    await sql`update test_clocks set status = 'advancing', updated_at = '2026-11-23T11:58:00Z' where id = ${id}`.execute(
      db,
    );
    expect((await call("GET", `/v1/test_clocks/${id}`)).body.status).toBe("advancing");
    const advance = await call("POST", `/v1/test_clocks/${id}/advance`, { frozen_time: "2026-01-02T00:00:00Z" });
    expect(advance).toMatchObject({ status: 409, body: { error: { code: "test_clock_advancing" } } });
    expect((await call("DELETE", `/v1/test_clocks/${id}`)).status).toBe(409);
    // Silent for eleven minutes: the process died; the clock is free again.
    await sql`update test_clocks set updated_at = '2026-11-23T11:49:00Z' where id = ${id}`.execute(db);
    expect(
      (await call("POST", `/v1/test_clocks/${id}/advance`, { frozen_time: "2026-01-02T00:00:00Z" })).body,
    ).toMatchObject({
      status: "ready",
      frozen_time: "2026-01-02T00:00:00Z",
    });
    expect((await call("DELETE", `/v1/test_clocks/${id}`)).status).toBe(200);
  });

  it("lets analysts and developers manage clocks, auditors only read them", async () => {
    const body = { name: "try", frozen_time: "2026-03-01T00:00:00Z" };
    const auditor = auth(await keyFor("auditor"));
    expect((await call("POST", "/v1/test_clocks", body, auditor)).status).toBe(403);
    expect((await call("GET", "/v1/test_clocks", undefined, auditor)).status).toBe(200);
    const analyst = auth(await keyFor("billing_analyst"));
    const made = await call("POST", "/v1/test_clocks", body, analyst);
    expect(made.status).toBe(200);
    expect((await call("DELETE", `/v1/test_clocks/${made.body.id}`, undefined, auditor)).status).toBe(403);
    expect((await call("DELETE", `/v1/test_clocks/${made.body.id}`, undefined, analyst)).status).toBe(200);
  });
});

describe("a trial and a cancellation at period end on a test clock", () => {
  it("bills from the trial's end, stops at the cancellation, and reads the subscription on the clock's time", async () => {
    const made = await call("POST", "/v1/test_clocks", { name: "trial", frozen_time: "2026-03-01T00:00:00Z" });
    const clockId = made.body.id as string;
    const buyer = await call("POST", "/v1/customers", {
      legal_name: "Trial Co",
      currency: "USD",
      billing_address: { line1: "1 Main St", city: "Denver", region: "CO", postal_code: "80202", country: "US" },
      test_clock: clockId,
    });
    const who = buyer.body.id as string;
    const sub = await call("POST", "/v1/subscriptions", { customer: who, items: [{ price: seat }], trial_days: 14 });
    expect(sub.body).toMatchObject({ status: "trialing", trial_end: "2026-03-15T00:00:00Z" });

    await call("POST", `/v1/test_clocks/${clockId}/advance`, { frozen_time: "2026-03-10T00:00:00Z" });
    expect(await invoicesOf(who)).toEqual([]); // still in the trial

    await call("POST", `/v1/test_clocks/${clockId}/advance`, { frozen_time: "2026-03-20T00:00:00Z" });
    const [first] = await invoicesOf(who);
    expect(first?.lines[0]?.period?.start).toBe("2026-03-15T00:00:00Z"); // billing starts when the trial ends
    expect((await call("GET", `/v1/subscriptions/${sub.body.id}`)).body.status).toBe("active");

    const cancel = await call("POST", `/v1/subscriptions/${sub.body.id}/cancel`, { at_period_end: true });
    expect(cancel.status).toBe(200);
    // March 20 + two months is May 20; the period ends April 15 and nothing is billed after it.
    await call("POST", `/v1/test_clocks/${clockId}/advance`, { frozen_time: "2026-05-01T00:00:00Z" });
    expect(await invoicesOf(who)).toHaveLength(1);
    expect((await call("GET", `/v1/subscriptions/${sub.body.id}`)).body.status).toBe("canceled");
    expect((await call("DELETE", `/v1/test_clocks/${clockId}`)).status).toBe(200);
  });
});
