import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-04-01T08:00:00Z");
const { app, adminKey, keyFor, auth } = await testApp({ db, clock });
const admin = auth(adminKey);

async function call(method: "GET" | "POST", url: string, payload?: object, headers: Record<string, string> = admin) {
  const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

async function customerRows(): Promise<number> {
  const result = await sql<{ n: string }>`select count(*) as n from customers`.execute(db);
  return Number(result.rows[0]?.n);
}

describe("customer routes", () => {
  let id = "";

  it("creates a customer and reads it by id or by external id", async () => {
    const created = await call(
      "POST",
      "/v1/customers",
      {
        external_id: "crm:4711",
        legal_name: "Northwind Traders Ltd",
        currency: "GBP",
        time_zone: "Europe/London",
        billing_address: { line1: "1 Long Acre", city: "London", postal_code: "wc2e9lh", country: "GB" },
        tax_ids: [{ type: "gb_vat", value: "GB 123 4567 89" }],
        payment_terms: { type: "net", days: 45 },
        invoice_delivery: { emails: ["ap@northwind.test"], portal_name: "Coupa", portal_id: "SUP-881" },
        po_required: true,
        credit_limit: "25000",
        tags: ["Enterprise"],
      },
      { ...admin, "accrue-reason": "signed MSA" },
    );
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      object: "customer",
      billing_address: { postal_code: "WC2E 9LH", country: "GB" },
      tax_ids: [{ type: "gb_vat", value: "GB123456789", country: "GB" }],
      credit_limit: "25000.00",
      po_required: true,
      tags: ["enterprise"],
    });
    id = created.body.id;
    const byExternal = await call("GET", `/v1/customers/${encodeURIComponent("crm:4711")}`);
    expect(byExternal.body.id).toBe(id);
    expect((await call("GET", `/v1/customers/${id}`)).body.legal_name).toBe("Northwind Traders Ltd");
  });

  it("refuses bad fields with the field's name and writes nothing", async () => {
    const before = await customerRows();
    const cases: [object, string, string][] = [
      [
        { legal_name: "X", currency: "GBP", billing_address: { country: "GB", postal_code: "12345" } },
        "invalid_postal_code",
        "billing_address.postal_code",
      ],
      [
        { legal_name: "X", currency: "EUR", tax_ids: [{ type: "eu_vat", value: "DE1234" }] },
        "invalid_tax_id",
        "tax_ids.0.value",
      ],
      [{ legal_name: "X", currency: "EUR", time_zone: "Mars/Olympus" }, "invalid_time_zone", "time_zone"],
      [{ legal_name: "X", currency: "EUR", locale: "klingon!" }, "invalid_locale", "locale"],
      [{ legal_name: "X", currency: "XYZ" }, "invalid_currency", "currency"],
      [{ legal_name: "X", currency: "EUR", credit_limit: "1e3" }, "invalid_amount", "credit_limit"],
      [
        { legal_name: "X", currency: "EUR", payment_terms: { type: "net", days: 0 } },
        "parameter_invalid",
        "payment_terms.days",
      ],
      [{ legal_name: "X", currency: "EUR", nickname: "x" }, "parameter_unknown", "nickname"],
      [{ legal_name: "X", currency: "EUR", external_id: "cus_sneaky" }, "customer_external_id_invalid", "external_id"],
      [{ legal_name: "X", currency: "EUR", external_id: "crm:4711" }, "customer_external_id_taken", "external_id"],
      [{ currency: "EUR" }, "parameter_missing", "legal_name"],
    ];
    for (const [payload, code, param] of cases) {
      const response = await call("POST", "/v1/customers", payload);
      expect({
        payload,
        status: response.status,
        code: response.body.error?.code,
        param: response.body.error?.param,
      }).toEqual({
        payload,
        status: code === "customer_external_id_taken" ? 409 : 400,
        code,
        param,
      });
    }
    expect(await customerRows()).toBe(before);
  });

  it("updates with a partial POST and lists with search and filters", async () => {
    const updated = await call("POST", `/v1/customers/crm:4711`, {
      display_name: "Northwind",
      tags: ["enterprise", "uk"],
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      display_name: "Northwind",
      legal_name: "Northwind Traders Ltd",
      po_required: true,
    });
    await call("POST", "/v1/customers", {
      legal_name: "Contoso BV",
      currency: "EUR",
      emails: ["finance@contoso.test"],
    });
    const search = await call("GET", "/v1/customers?q=CONTOSO.test");
    expect(search.body).toMatchObject({ object: "list", has_more: false, data: [{ legal_name: "Contoso BV" }] });
    const byVat = await call("GET", "/v1/customers?q=GB123456789");
    expect(byVat.body.data.map((customer: { id: string }) => customer.id)).toEqual([id]);
    expect((await call("GET", "/v1/customers?tag=uk&currency=GBP")).body.data).toHaveLength(1);
    expect((await call("GET", "/v1/customers?currency=EUR&archived=true")).body.data).toHaveLength(0);
    expect((await call("GET", "/v1/customers?archived=maybe")).body.error).toMatchObject({
      code: "parameter_invalid",
      param: "archived",
    });
  });

  it("keeps notes, pinned first", async () => {
    const note = await call("POST", `/v1/customers/${id}/notes`, {
      body: "AP asks for the PO number on every invoice.",
    });
    expect(note.body).toMatchObject({ object: "customer_note", pinned: false, author: { type: "api_key" } });
    const later = await call("POST", `/v1/customers/${id}/notes`, { body: "Moved to quarterly billing." });
    expect((await call("POST", `/v1/customers/${id}/notes/${note.body.id}/pin`, {})).body.pinned).toBe(true);
    const list = await call("GET", `/v1/customers/crm:4711/notes`);
    expect(list.body.data.map((item: { id: string }) => item.id)).toEqual([note.body.id, later.body.id]);
    expect((await call("POST", `/v1/customers/${id}/notes/${note.body.id}/unpin`)).body.pinned).toBe(false);
    const missing = await call("POST", `/v1/customers/${id}/notes/cnote_01jd0000000000000000000000/pin`, {});
    expect(missing).toMatchObject({ status: 404, body: { error: { code: "customer_note_not_found" } } });
  });

  it("manages purchase orders by id or number", async () => {
    const created = await call("POST", `/v1/customers/${id}/purchase_orders`, {
      number: "4500012345",
      valid_from: "2026-01-01",
      valid_to: "2026-12-31",
      amount_cap: "12000.00",
    });
    expect(created.body).toMatchObject({ object: "purchase_order", currency: "GBP", amount_remaining: "12000.00" });
    const byNumber = await call("GET", `/v1/customers/crm:4711/purchase_orders/4500012345`);
    expect(byNumber.body.id).toBe(created.body.id);
    const updated = await call("POST", `/v1/customers/${id}/purchase_orders/${created.body.id}`, {
      valid_to: "2027-03-31",
    });
    expect(updated.body).toMatchObject({ valid_to: "2027-03-31", number: "4500012345" });
    const bad = await call("POST", `/v1/customers/${id}/purchase_orders`, { number: "X", valid_from: "2026-02-30" });
    expect(bad).toMatchObject({ status: 400, body: { error: { param: "valid_from" } } });
    const list = await call("GET", `/v1/customers/${id}/purchase_orders?active=true`);
    expect(list.body.data).toHaveLength(1);
  });

  it("puts a customer on billing hold and releases it", async () => {
    const held = await call("POST", `/v1/customers/${id}/billing_hold`, { reason: "Awaiting new PO" });
    expect(held.body.billing_hold).toMatchObject({ reason: "Awaiting new PO", set_at: "2026-04-01T08:00:00Z" });
    const again = await call("POST", `/v1/customers/${id}/billing_hold`, { reason: "x" });
    expect(again).toMatchObject({ status: 409, body: { error: { code: "billing_hold_already_set" } } });
    const released = await call("POST", `/v1/customers/${id}/billing_hold/release`, undefined, {
      ...admin,
      "accrue-reason": "PO received",
    });
    expect(released.body.billing_hold).toBeNull();
  });

  it("archives, refuses changes to an archived customer, and shows the whole history", async () => {
    expect((await call("POST", `/v1/customers/${id}/archive`, {})).body.archived).toBe(true);
    const refused = await call("POST", `/v1/customers/${id}`, { display_name: "N" });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: "customer_archived" } } });
    expect((await call("POST", `/v1/customers/${id}/unarchive`)).body.archived).toBe(false);
    const history = await call("GET", `/v1/customers/crm:4711/history?limit=100`);
    const actions = history.body.data.map((event: { action: string }) => event.action);
    expect(actions).toEqual([
      "customer.unarchived",
      "customer.archived",
      "customer.billing_hold_released",
      "customer.billing_hold_placed",
      "customer.purchase_order_updated",
      "customer.purchase_order_created",
      "customer.note_unpinned",
      "customer.note_pinned",
      "customer.note_added",
      "customer.note_added",
      "customer.updated",
      "customer.created",
    ]);
    expect(history.body.data.at(-1)).toMatchObject({ reason: "signed MSA", before: null });
    expect(
      history.body.data.find((event: { action: string }) => event.action === "customer.billing_hold_released"),
    ).toMatchObject({
      reason: "PO received",
    });
  });

  it("lets readers read and keeps writes to the roles that hold customers:write", async () => {
    const auditor = auth(await keyFor("auditor"));
    expect((await call("GET", `/v1/customers/${id}`, undefined, auditor)).status).toBe(200);
    expect((await call("GET", `/v1/customers/${id}/history`, undefined, auditor)).status).toBe(200);
    const denied = await call("POST", `/v1/customers/${id}`, { display_name: "Nope" }, auditor);
    expect(denied).toMatchObject({ status: 403, body: { error: { code: "permission_denied" } } });
    const support = auth(await keyFor("support_agent"));
    expect((await call("POST", `/v1/customers/${id}/notes`, { body: "Customer called." }, support)).status).toBe(200);
  });

  it("is in the OpenAPI document", async () => {
    const document = (await app.inject({ method: "GET", url: "/openapi.json" })).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths).filter((path) => path.startsWith("/v1/customers"))).toEqual(
      expect.arrayContaining([
        "/v1/customers",
        "/v1/customers/{id}",
        "/v1/customers/{id}/history",
        "/v1/customers/{id}/notes/{note_id}/pin",
        "/v1/customers/{id}/purchase_orders/{purchase_order}",
        "/v1/customers/{id}/billing_hold/release",
      ]),
    );
  });
});
