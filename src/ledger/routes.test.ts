import type { InjectOptions } from "fastify";
import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { listAuditEvents } from "../access/index.js";
import { TestClock } from "../kernel/clock.js";
import type { Deps } from "../kernel/deps.js";
import { ensureDefaultChart } from "./index.js";

const { db } = await freshDatabase();
const deps: Deps = { db, clock: new TestClock("2026-11-23T10:00:00Z") };
const { app, adminKey, keyFor, auth } = await testApp(deps);
const admin = auth(adminKey);
const chart = await ensureDefaultChart(deps, "USD");

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Body = any;

async function call(method: "GET" | "POST", url: string, payload?: unknown, headers = admin) {
  const options: InjectOptions = { method, url, headers };
  if (payload !== undefined) options.payload = payload as InjectOptions["payload"];
  const response = await app.inject(options);
  return { status: response.statusCode, body: response.json() as Body };
}

const saleBody = (amount: string, date = "2026-11-20") => ({
  effective_date: date,
  memo: "Cash sale",
  lines: [
    { account: chart.cash.id, debit: amount },
    { account: chart.revenue.id, credit: amount },
  ],
});

describe("accounts", () => {
  it("are created, read, listed by filter and refused when the code is taken", async () => {
    const created = await call("POST", "/v1/ledger/accounts", {
      code: "6500",
      name: "Software subscriptions",
      type: "expense",
      currency: "USD",
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      object: "ledger_account",
      code: "6500",
      type: "expense",
      normal_balance: "debit",
      party_type: null,
      archived: false,
    });
    expect((await call("GET", `/v1/ledger/accounts/${created.body.id}`)).body).toEqual(created.body);

    const taken = await call("POST", "/v1/ledger/accounts", {
      code: "6500",
      name: "Again",
      type: "expense",
      currency: "USD",
    });
    expect(taken).toMatchObject({ status: 409, body: { error: { code: "account_code_taken", param: "code" } } });
    const badCode = await call("POST", "/v1/ledger/accounts", {
      code: "65 00",
      name: "x",
      type: "expense",
      currency: "USD",
    });
    expect(badCode).toMatchObject({ status: 400, body: { error: { code: "account_code_invalid" } } });

    const expenses = await call("GET", "/v1/ledger/accounts?type=expense&currency=USD&limit=100");
    expect(expenses.body.data.map((account: Body) => account.code).sort()).toEqual([
      "6000",
      "6100",
      "6200",
      "6400",
      "6500",
    ]);
    const prefixed = await call("GET", "/v1/ledger/accounts?code_prefix=61");
    expect(prefixed.body.data.map((account: Body) => account.code)).toEqual(["6100"]);
    const page = await call("GET", "/v1/ledger/accounts?limit=2");
    expect(page.body).toMatchObject({ object: "list", has_more: true });
    const next = await call("GET", `/v1/ledger/accounts?limit=2&starting_after=${page.body.data[1].id}`);
    expect(next.body.data[0].id < page.body.data[1].id).toBe(true);
  });

  it("answer 404 for an unknown account and 400 for an id of another kind", async () => {
    const missing = await call("GET", "/v1/ledger/accounts/acct_01h455vb4pex5vsknk084sn02q");
    expect(missing).toMatchObject({ status: 404, body: { error: { code: "account_not_found" } } });
    expect((await call("GET", "/v1/ledger/accounts/cus_01h455vb4pex5vsknk084sn02q")).status).toBe(400);
  });
});

describe("journal entries", () => {
  it("are posted manually, read back, listed by account and source, and reversed once", async () => {
    const posted = await call("POST", "/v1/ledger/entries", saleBody("12.50"));
    expect(posted.status).toBe(200);
    expect(posted.body).toMatchObject({
      object: "journal_entry",
      effective_date: "2026-11-20",
      memo: "Cash sale",
      source_type: "manual",
      source_id: posted.body.id,
      reverses_entry_id: null,
      reversed_by_entry_id: null,
      lines: [
        {
          account_id: chart.cash.id,
          account_code: "1000",
          account_name: "Cash",
          currency: "USD",
          debit: "12.50",
          credit: "0.00",
        },
        { account_id: chart.revenue.id, account_code: "4000", currency: "USD", debit: "0.00", credit: "12.50" },
      ],
    });
    expect((await call("GET", `/v1/ledger/entries/${posted.body.id}`)).body).toEqual(posted.body);

    const byAccount = await call("GET", `/v1/ledger/entries?account=${chart.cash.id}`);
    expect(byAccount.body.data.map((entry: Body) => entry.id)).toContain(posted.body.id);
    const bySource = await call("GET", `/v1/ledger/entries?source_type=manual&source_id=${posted.body.id}`);
    expect(bySource.body.data).toHaveLength(1);
    const outside = await call("GET", "/v1/ledger/entries?effective_from=2026-11-21");
    expect(outside.body.data.map((entry: Body) => entry.id)).not.toContain(posted.body.id);

    const reversal = await call("POST", `/v1/ledger/entries/${posted.body.id}/reverse`, {
      effective_date: "2026-11-21",
    });
    expect(reversal.body).toMatchObject({
      reverses_entry_id: posted.body.id,
      lines: [{ credit: "12.50" }, { debit: "12.50" }],
    });
    expect((await call("GET", `/v1/ledger/entries/${posted.body.id}`)).body.reversed_by_entry_id).toBe(
      reversal.body.id,
    );
    const again = await call("POST", `/v1/ledger/entries/${posted.body.id}/reverse`, { effective_date: "2026-11-21" });
    expect(again).toMatchObject({ status: 409, body: { error: { code: "entry_already_reversed" } } });
  });

  it("refuse bad entries with a 400 naming the field, and write nothing", async () => {
    const cases: [unknown, string, string | undefined][] = [
      [
        {
          ...saleBody("12.50"),
          lines: [
            { account: chart.cash.id, debit: "12.50" },
            { account: chart.revenue.id, credit: "12.49" },
          ],
        },
        "entry_unbalanced",
        "lines",
      ],
      [saleBody("12.505"), "amount_precision", "lines.0.debit"],
      [saleBody("1e3"), "invalid_amount", "lines.0.debit"],
      [{ ...saleBody("1.00"), lines: [{ account: chart.cash.id, debit: "1.00" }] }, "entry_lines_too_few", "lines"],
      [{ ...saleBody("1.00"), surprise: true }, "parameter_unknown", "surprise"],
      [saleBody("1.00", "2026-02-30"), "parameter_invalid", "effective_date"],
    ];
    const before = (await call("GET", "/v1/ledger/entries?limit=100")).body.data.length;
    for (const [payload, code, param] of cases) {
      const response = await call("POST", "/v1/ledger/entries", payload);
      expect(response.status, code).toBe(400);
      expect(response.body.error).toMatchObject({ code, ...(param === undefined ? {} : { param }) });
    }
    const unknownAccount = await call("POST", "/v1/ledger/entries", {
      ...saleBody("1.00"),
      lines: [
        { account: "acct_01h455vb4pex5vsknk084sn02q", debit: "1.00" },
        { account: chart.revenue.id, credit: "1.00" },
      ],
    });
    expect(unknownAccount).toMatchObject({
      status: 404,
      body: { error: { code: "account_not_found", param: "lines.0.account" } },
    });
    expect((await call("GET", "/v1/ledger/entries?limit=100")).body.data.length).toBe(before);
  });

  it("replay a retried POST with the same Idempotency-Key instead of posting twice", async () => {
    const headers = { ...admin, "idempotency-key": "manual-sale-1" };
    const first = await app.inject({ method: "POST", url: "/v1/ledger/entries", headers, payload: saleBody("7.00") });
    const second = await app.inject({ method: "POST", url: "/v1/ledger/entries", headers, payload: saleBody("7.00") });
    expect(second.json().id).toBe(first.json().id);
    expect(second.headers["idempotent-replayed"]).toBe("true");
  });

  it("are recorded in the audit log with who posted them and why", async () => {
    const posted = await call("POST", "/v1/ledger/entries", saleBody("3.00"), {
      ...admin,
      "accrue-reason": "correcting a misposted sale",
    } as typeof admin);
    const audit = await listAuditEvents(deps, { limit: 5, object_type: "journal_entry", object_id: posted.body.id });
    expect(audit.data[0]).toMatchObject({ action: "ledger.entry_posted", reason: "correcting a misposted sale" });
  });
});

describe("balances and the trial balance", () => {
  it("give an account's balance now and as of a date, and totals that balance", async () => {
    await call("POST", "/v1/ledger/entries", saleBody("100.00", "2026-11-01"));
    const now = await call("GET", `/v1/ledger/accounts/${chart.revenue.id}/balance`);
    expect(now.body).toMatchObject({
      object: "account_balance",
      normal_balance: "credit",
      currency: "USD",
      as_of: null,
    });
    const early = await call("GET", `/v1/ledger/accounts/${chart.revenue.id}/balance?as_of=2026-11-01`);
    expect(early.body).toMatchObject({ as_of: "2026-11-01", debit: "0.00", credit: "100.00", balance: "100.00" });

    const trial = await call("GET", "/v1/ledger/trial_balance?as_of=2026-11-01&currency=USD");
    expect(trial.body).toMatchObject({
      object: "trial_balance",
      as_of: "2026-11-01",
      totals: [{ currency: "USD", debit: "100.00", credit: "100.00" }],
    });
    const cash = trial.body.accounts.find((row: Body) => row.account_id === chart.cash.id);
    expect(cash).toMatchObject({
      code: "1000",
      name: "Cash",
      type: "asset",
      debit: "100.00",
      credit: "0.00",
      balance: "100.00",
    });
    const current = await call("GET", "/v1/ledger/trial_balance");
    for (const total of current.body.totals) expect(total.debit).toBe(total.credit);
  });
});

describe("period locks", () => {
  it("close the books, refuse postings dated inside, list closes and reopen with a reason", async () => {
    const closed = await call("POST", "/v1/ledger/period_locks", { through: "2026-10-31" });
    expect(closed.body).toMatchObject({
      object: "period_lock",
      action: "close",
      through: "2026-10-31",
      closed_through: "2026-10-31",
    });
    const late = await call("POST", "/v1/ledger/entries", saleBody("1.00", "2026-10-31"));
    expect(late).toMatchObject({ status: 409, body: { error: { code: "period_closed", param: "effective_date" } } });
    const blankReason = await call("POST", "/v1/ledger/period_locks/reopen", { reason: "  " });
    expect(blankReason).toMatchObject({ status: 400, body: { error: { code: "reopen_reason_required" } } });
    const reopened = await call("POST", "/v1/ledger/period_locks/reopen", { reason: "late October invoice" });
    expect(reopened.body).toMatchObject({ action: "reopen", closed_through: null, reopened_lock_id: closed.body.id });
    const list = await call("GET", "/v1/ledger/period_locks");
    expect(list.body.data.map((lock: Body) => lock.action)).toEqual(["reopen", "close"]);
    expect((await call("POST", "/v1/ledger/entries", saleBody("1.00", "2026-10-31"))).status).toBe(200);
  });
});

describe("permissions", () => {
  it("let auditors read but not post, billing analysts post but not close, support agents not read", async () => {
    const auditor = auth(await keyFor("auditor"));
    const analyst = auth(await keyFor("billing_analyst"));
    const support = auth(await keyFor("support_agent"));
    expect((await call("GET", "/v1/ledger/trial_balance", undefined, auditor)).status).toBe(200);
    expect((await call("POST", "/v1/ledger/entries", saleBody("1.00"), auditor)).status).toBe(403);
    expect((await call("POST", "/v1/ledger/entries", saleBody("1.00"), analyst)).status).toBe(200);
    expect((await call("POST", "/v1/ledger/period_locks", { through: "2026-01-31" }, analyst)).status).toBe(403);
    expect((await call("GET", "/v1/ledger/entries", undefined, support)).status).toBe(403);
    expect((await call("GET", "/v1/ledger/entries", undefined, { authorization: "" })).status).toBe(401);
  });
});
