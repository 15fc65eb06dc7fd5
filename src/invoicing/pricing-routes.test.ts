import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-05-04T10:00:00Z");
const { app, adminKey, keyFor, auth } = await testApp({ db, clock });
const admin = auth(adminKey);
const auditor = auth(await keyFor("auditor"));
const support = auth(await keyFor("support_agent"));

async function call(method: "GET" | "POST" | "DELETE", url: string, payload?: object, headers = admin) {
  const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

async function count(table: string): Promise<number> {
  const result = await db.selectFrom(table).select(db.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
  return Number(result.n);
}

const customer = (
  await call("POST", "/v1/customers", {
    legal_name: "Le Petit Commerce SARL",
    currency: "EUR",
    billing_address: { line1: "1 rue de Rivoli", city: "Paris", postal_code: "75001", country: "FR" },
  })
).body.id as string;

describe("tax rate routes", () => {
  let rate = "";

  it("creates, lists by country and day, shows and ends a rate", async () => {
    const created = await call("POST", "/v1/tax_rates", {
      country: "FR",
      percentage: "20",
      name: "TVA",
      effective_from: "2014-01-01",
    });
    expect(created).toMatchObject({ status: 200, body: { object: "tax_rate", country: "FR", percentage: "20" } });
    rate = created.body.id;
    expect((await call("GET", "/v1/tax_rates?country=FR&active_on=2026-05-04")).body.data).toHaveLength(1);
    expect((await call("GET", "/v1/tax_rates?country=FR&active_on=2013-12-31")).body.data).toHaveLength(0);
    expect((await call("GET", `/v1/tax_rates/${rate}`)).body.id).toBe(rate);
    const ended = await call("POST", `/v1/tax_rates/${rate}`, { effective_to: "2027-01-01" });
    expect(ended).toMatchObject({ status: 200, body: { effective_to: "2027-01-01" } });
    const next = await call("POST", "/v1/tax_rates", {
      country: "FR",
      percentage: "21",
      name: "TVA",
      effective_from: "2027-01-01",
    });
    expect(next.status).toBe(200); // starts the day the old one stops: no overlap
  });

  it("refuses an overlapping rate for the same place with 409, and a new percentage on an old row", async () => {
    const overlap = await call("POST", "/v1/tax_rates", {
      country: "FR",
      percentage: "5.5",
      name: "TVA",
      effective_from: "2020-01-01",
    });
    expect(overlap).toMatchObject({ status: 409, body: { error: { code: "tax_rate_overlap" } } });
    const regional = await call("POST", "/v1/tax_rates", {
      country: "FR",
      region: "COR",
      percentage: "10",
      name: "TVA Corse",
      effective_from: "2020-01-01",
    });
    expect(regional.status).toBe(200); // another place
    const changed = await call("POST", `/v1/tax_rates/${rate}`, { percentage: "19" });
    expect(changed).toMatchObject({ status: 400, body: { error: { param: "percentage" } } });
  });

  it.each([
    [{ country: "fr", percentage: "20", name: "TVA", effective_from: "2014-01-01" }, "country"],
    [{ country: "XX", percentage: "20", name: "VAT", effective_from: "2014-01-01" }, "country"],
    [{ country: "FR", percentage: "120", name: "TVA", effective_from: "2030-01-01" }, "percentage"],
    [{ country: "FR", percentage: "abc", name: "TVA", effective_from: "2030-01-01" }, "percentage"],
    [{ country: "FR", percentage: "20", name: "TVA", effective_from: "2030-02-30" }, "effective_from"],
    [
      { country: "FR", percentage: "20", name: "TVA", effective_from: "2030-01-01", effective_to: "2029-01-01" },
      "effective_to",
    ],
  ])("refuses %j naming %s, writing nothing", async (body, param) => {
    const before = await count("tax_rates");
    const response = await call("POST", "/v1/tax_rates", body);
    expect(response.status).toBe(400);
    expect(response.body.error.param).toBe(param);
    expect(await count("tax_rates")).toBe(before);
  });

  it("lets an auditor read and not write; 404 for an unknown rate", async () => {
    expect((await call("GET", "/v1/tax_rates", undefined, auditor)).status).toBe(200);
    const body = { country: "DE", percentage: "19", name: "MwSt", effective_from: "2021-01-01" };
    expect((await call("POST", "/v1/tax_rates", body, auditor)).status).toBe(403);
    const missing = await call("GET", "/v1/tax_rates/txr_01h455vb4pex5vsknk084sn02q");
    expect(missing).toMatchObject({ status: 404, body: { error: { code: "tax_rate_missing" } } });
  });
});

describe("coupon and discount routes", () => {
  it("creates a coupon, applies it, counts the redemption, and ends the discount", async () => {
    const coupon = await call("POST", "/v1/coupons", {
      name: "Launch: 20 % off, twice",
      percent_off: "20",
      duration: "repeating",
      duration_in_periods: 2,
      max_redemptions: 1,
    });
    expect(coupon).toMatchObject({ status: 200, body: { object: "coupon", times_redeemed: 0 } });
    const applied = await call("POST", `/v1/customers/${customer}/discounts`, { coupon: coupon.body.id });
    expect(applied).toMatchObject({ status: 200, body: { object: "discount", active: true, periods_applied: 0 } });
    expect((await call("GET", `/v1/coupons/${coupon.body.id}`)).body.times_redeemed).toBe(1);
    const again = await call("POST", `/v1/customers/${customer}/discounts`, { coupon: coupon.body.id });
    expect(again).toMatchObject({ status: 409, body: { error: { code: "coupon_max_redemptions_reached" } } });

    const draft = await call("POST", "/v1/invoices", {
      customer,
      lines: [{ description: "Plan", unit_amount: "50.00" }],
    });
    expect(draft.body).toMatchObject({ discount: "10.00", tax: "8.00", total: "48.00" }); // 50.00 × 20 % off = 10.00; (50.00 − 10.00) × 20 % TVA = 8.00

    const listed = await call("GET", `/v1/customers/${customer}/discounts`);
    expect(listed.body.data).toHaveLength(1);
    const ended = await call("DELETE", `/v1/discounts/${applied.body.id}`);
    expect(ended).toMatchObject({ status: 200, body: { active: false, ended_at: expect.any(String) } });
    expect((await call("DELETE", `/v1/discounts/${applied.body.id}`)).status).toBe(409);
    // An edit re-prices the draft: the ended discount is gone.
    const edited = await call("POST", `/v1/invoices/${draft.body.id}`, { memo: "re-priced" });
    expect(edited.body).toMatchObject({ discount: "0.00", tax: "10.00", total: "60.00" }); // 50.00 + 50.00 × 20 %
  });

  it("refuses an expired or archived coupon", async () => {
    const expired = await call("POST", "/v1/coupons", {
      name: "Spring",
      amount_off: "5.00",
      currency: "EUR",
      duration: "once",
      redeem_by: "2026-04-30",
    });
    const late = await call("POST", `/v1/customers/${customer}/discounts`, { coupon: expired.body.id });
    expect(late).toMatchObject({ status: 409, body: { error: { code: "coupon_expired" } } });
    const archived = await call("POST", `/v1/coupons/${expired.body.id}/archive`);
    expect(archived).toMatchObject({ status: 200, body: { archived: true } });
    const refused = await call("POST", `/v1/customers/${customer}/discounts`, { coupon: expired.body.id });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: "coupon_archived" } } });
  });

  it.each([
    [{ name: "Both", percent_off: "10", amount_off: "5.00", currency: "EUR", duration: "once" }, "percent_off"],
    [{ name: "No currency", amount_off: "5.00", duration: "once" }, "currency"],
    [{ name: "Repeating", percent_off: "10", duration: "repeating" }, "duration_in_periods"],
    [{ name: "Too much", percent_off: "101", duration: "forever" }, "percent_off"],
    [{ name: "Cents", amount_off: "5.001", currency: "EUR", duration: "once" }, "amount_off"],
    [{ name: "Bad", percent_off: "10", duration: "sometimes" }, "duration"],
  ])("refuses coupon %j naming %s, writing nothing", async (body, param) => {
    const before = await count("coupons");
    const response = await call("POST", "/v1/coupons", body);
    expect(response.status).toBe(400);
    expect(response.body.error.param).toBe(param);
    expect(await count("coupons")).toBe(before);
  });

  it("asks for catalog:write to create coupons and invoices:write to apply them", async () => {
    const body = { name: "Support", percent_off: "10", duration: "once" };
    expect((await call("POST", "/v1/coupons", body, support)).status).toBe(403);
    const coupon = await call("POST", "/v1/coupons", body);
    const apply = await call("POST", `/v1/customers/${customer}/discounts`, { coupon: coupon.body.id }, support);
    expect(apply.status).toBe(403);
    const missing = await call("POST", `/v1/customers/${customer}/discounts`, {
      coupon: "cpn_01h455vb4pex5vsknk084sn02q",
    });
    expect(missing).toMatchObject({ status: 404, body: { error: { code: "coupon_not_found" } } });
  });
});

describe("credit balance routes", () => {
  it("adjusts the balance, shows it per currency, and refuses going below zero", async () => {
    const granted = await call("POST", `/v1/customers/${customer}/credit_balance_adjustments`, {
      amount: "25.00",
      currency: "EUR",
      reason: "Service outage on 2 May",
    });
    expect(granted).toMatchObject({ status: 200, body: { amount: "25.00", balance: "25.00" } });
    const balance = await call("GET", `/v1/customers/${customer}/credit_balance`);
    expect(balance.body.data).toEqual([expect.objectContaining({ currency: "EUR", balance: "25.00" })]);
    const overdrawn = await call("POST", `/v1/customers/${customer}/credit_balance_adjustments`, {
      amount: "-30.00",
      currency: "EUR",
      reason: "oops",
    });
    expect(overdrawn).toMatchObject({ status: 409, body: { error: { code: "credit_balance_insufficient" } } });
  });

  it.each([
    [{ amount: "0", currency: "EUR", reason: "nothing" }, "amount"],
    [{ amount: "1.001", currency: "EUR", reason: "sub-cent" }, "amount"],
    [{ amount: "5.00", currency: "EURO", reason: "bad currency" }, "currency"],
    [{ amount: "5.00", currency: "EUR" }, "reason"],
  ])("refuses %j naming %s", async (body, param) => {
    const response = await call("POST", `/v1/customers/${customer}/credit_balance_adjustments`, body);
    expect(response.status).toBe(400);
    expect(response.body.error.param).toBe(param);
  });

  it("asks for credit_notes:write to adjust", async () => {
    const ar = auth(await keyFor("ar_specialist"));
    const body = { amount: "5.00", currency: "EUR", reason: "goodwill" };
    expect((await call("POST", `/v1/customers/${customer}/credit_balance_adjustments`, body, ar)).status).toBe(403);
    expect((await call("GET", `/v1/customers/${customer}/credit_balance`, undefined, ar)).status).toBe(200);
  });
});

describe("customer tax exemption", () => {
  it("keeps a certificate on the customer, and refuses one without a reference or with a bad date", async () => {
    const exemption = { certificate_reference: "CHARITY-1138", expires_on: "2026-12-31" };
    const updated = await call("POST", `/v1/customers/${customer}`, { tax_exemption: exemption });
    expect(updated).toMatchObject({ status: 200, body: { tax_exemption: exemption } });
    const draft = await call("POST", "/v1/invoices", {
      customer,
      lines: [{ description: "Plan", unit_amount: "50.00" }],
    });
    expect(draft.body).toMatchObject({ tax: "0.00", total: "50.00" }); // exempt until 2026-12-31
    expect(draft.body.tax_breakdown[0]).toMatchObject({ kind: "exempt", name: "Exempt (CHARITY-1138)" });
    const blank = await call("POST", `/v1/customers/${customer}`, { tax_exemption: { certificate_reference: " " } });
    expect(blank).toMatchObject({ status: 400, body: { error: { param: "tax_exemption.certificate_reference" } } });
    const badDate = await call("POST", `/v1/customers/${customer}`, {
      tax_exemption: { certificate_reference: "X", expires_on: "2026-13-01" },
    });
    expect(badDate).toMatchObject({ status: 400, body: { error: { param: "tax_exemption.expires_on" } } });
    const cleared = await call("POST", `/v1/customers/${customer}`, { tax_exemption: null });
    expect(cleared.body.tax_exemption).toBeNull();
  });
});
