import { extractText } from "unpdf";
import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-05-04T10:00:00Z");
const { app, adminKey, keyFor, auth } = await testApp({ db, clock });
const admin = auth(adminKey);

async function call(method: "GET" | "POST" | "DELETE", url: string, payload?: object, headers = admin) {
  const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

describe("invoice routes", () => {
  let customer = "";
  let invoice = "";

  it("creates a draft with a pending item, edits it and finalizes it", async () => {
    const created = await call("POST", "/v1/customers", {
      legal_name: "Fabrikam Inc",
      currency: "USD",
      billing_address: { line1: "1 Microsoft Way", city: "Redmond", region: "WA", postal_code: "98052", country: "US" },
      payment_terms: { type: "due_on_receipt" },
    });
    customer = created.body.id;
    const item = await call("POST", "/v1/invoice_items", { customer, description: "Onsite visit", unit_amount: "450" });
    expect(item).toMatchObject({ status: 200, body: { object: "invoice_item", invoice_id: null } });
    const draft = await call("POST", "/v1/invoices", {
      customer,
      po_number: "PO-2026-17",
      lines: [
        {
          description: "Consulting, April",
          quantity: "12.5",
          unit_amount: "180",
          tax_rate: "8.875",
          tax_name: "Sales tax",
        },
      ],
    });
    expect(draft.status).toBe(200);
    invoice = draft.body.id;
    // 12.5 × 180 = 2,250.00; tax 8.875 % of 2,250 = 199.6875 → 199.69; plus the 450.00 item.
    expect(draft.body).toMatchObject({ subtotal: "2700.00", tax: "199.69", total: "2899.69", status: "draft" });
    const memo = await call("POST", `/v1/invoices/${invoice}`, { memo: "Thank you for your business" });
    expect(memo.body.memo).toBe("Thank you for your business");
    const finalized = await call("POST", `/v1/invoices/${invoice}/finalize`);
    expect(finalized.body).toMatchObject({ status: "open", number: "INV-2026-000001", due_date: "2026-05-04" });
  });

  it("previews a draft's PDF due when the customer's terms would make it due if finalized today", async () => {
    const created = await call("POST", "/v1/customers", {
      legal_name: "Northwind Traders",
      currency: "USD",
      billing_address: { line1: "1 Pike St", city: "Seattle", region: "WA", postal_code: "98101", country: "US" },
      payment_terms: { type: "net", days: 30 },
    });
    const draft = await call("POST", "/v1/invoices", {
      customer: created.body.id,
      lines: [{ description: "Setup", quantity: "1", unit_amount: "100" }],
    });
    const response = await app.inject({ method: "GET", url: `/v1/invoices/${draft.body.id}/pdf`, headers: admin });
    const { text } = await extractText(new Uint8Array(response.rawPayload), { mergePages: true });
    // Today is 4 May 2026 (the test clock); net 30 → due 3 June 2026.
    expect(text).toContain("DRAFT");
    expect(text).toContain("$100.00 due Jun 3, 2026");
  });

  it("refuses to edit a finalized invoice with 409 invoice_not_draft", async () => {
    const response = await call("POST", `/v1/invoices/${invoice}/lines`, {
      description: "Late fee",
      unit_amount: "10",
    });
    expect(response).toMatchObject({ status: 409, body: { error: { code: "invoice_not_draft" } } });
  });

  it("lists invoices by customer and status", async () => {
    const open = await call("GET", `/v1/invoices?customer=${customer}&status=open`);
    expect(open.body.data.map((row: { id: string }) => row.id)).toEqual([invoice]);
    expect((await call("GET", `/v1/invoices?customer=${customer}&status=draft`)).body.data).toEqual([]);
  });

  it("serves the PDF with the number and the total", async () => {
    const response = await app.inject({ method: "GET", url: `/v1/invoices/${invoice}/pdf`, headers: admin });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("application/pdf");
    const { text } = await extractText(new Uint8Array(response.rawPayload), { mergePages: true });
    expect(text).toContain("INV-2026-000001");
    expect(text).toContain("2,899.69");
  });

  it("voids with invoices:void and refuses a role without it", async () => {
    const support = auth(await keyFor("support_agent"));
    expect((await call("POST", `/v1/invoices/${invoice}/void`, undefined, support)).status).toBe(403);
    const voided = await call("POST", `/v1/invoices/${invoice}/void`);
    expect(voided.body).toMatchObject({ status: "void", number: "INV-2026-000001" });
  });
});
