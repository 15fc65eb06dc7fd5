import { sql } from "kysely";
import { extractText } from "unpdf";
import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-06-10T09:00:00Z");
const { app, adminKey, keyFor, auth } = await testApp({ db, clock });
const admin = auth(adminKey);

async function call(method: "GET" | "POST", url: string, payload?: object, headers = admin) {
  const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

async function pdfText(url: string): Promise<string> {
  const response = await app.inject({ method: "GET", url, headers: admin });
  expect(response.statusCode).toBe(200);
  return (await extractText(new Uint8Array(response.rawPayload), { mergePages: true })).text;
}

async function count(table: "legal_entities" | "invoices"): Promise<number> {
  const rows = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(rows.rows[0]?.n);
}

/** A French business with a VAT id: reverse charged by a seller established in another EU member state. */
const customer = (
  await call("POST", "/v1/customers", {
    legal_name: "Société Exemple SAS",
    currency: "EUR",
    billing_address: { line1: "8 rue de la Paix", city: "Paris", postal_code: "75002", country: "FR" },
    tax_ids: [{ type: "eu_vat", value: "FR40303265045" }],
    payment_terms: { type: "net", days: 30 },
  })
).body.id as string;

let invoicesMade = 0;

/** A different amount each time: the review checklist holds a repeat of the same amount as a possible duplicate. */
async function finalizedInvoice(legalEntity?: string) {
  invoicesMade += 1;
  const draft = await call("POST", "/v1/invoices", {
    customer,
    ...(legalEntity === undefined ? {} : { legal_entity: legalEntity }),
    lines: [{ description: "Platform fee, June", unit_amount: String(1000 + invoicesMade) }],
  });
  expect(draft.status).toBe(200);
  const finalized = await call("POST", `/v1/invoices/${draft.body.id}/finalize`);
  expect(finalized.status).toBe(200);
  return finalized.body;
}

const berlin = { line1: "Friedrichstraße 68", city: "Berlin", postal_code: "10117", country: "DE" };
const munich = { line1: "Leopoldstraße 1", city: "München", postal_code: "80802", country: "DE" };

describe("legal entity routes", () => {
  it("starts with the default entity as the code had it", async () => {
    const list = await call("GET", "/v1/legal_entities");
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([
      expect.objectContaining({
        object: "legal_entity",
        id: "default",
        legal_name: "Accrue Billing Ltd",
        country: "DE",
        address: null,
        tax_ids: [],
        payment_instructions: "Pay by bank transfer quoting the invoice number.",
        invoice_prefix: "INV",
        credit_note_prefix: "CN",
      }),
    ]);
  });

  it("sets up the seller; a finalized invoice keeps it after the entity changes, a draft shows the change", async () => {
    const updated = await call("POST", "/v1/legal_entities/default", {
      legal_name: "Accrue GmbH",
      address: berlin,
      tax_ids: [{ type: "eu_vat", value: "DE 123 456 789" }],
      payment_instructions: "IBAN DE89 3704 0044 0532 0130 00",
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ legal_name: "Accrue GmbH", tax_ids: [{ value: "DE123456789" }] });

    const invoice = await finalizedInvoice();
    expect(invoice).toMatchObject({ number: "INV-2026-000001", legal_entity: "default" });
    // DE seller, FR buyer with a VAT id: reverse charged, no tax.
    expect(invoice.tax_breakdown).toMatchObject([{ kind: "reverse_charge", tax_amount: "0.00" }]);
    const before = await pdfText(`/v1/invoices/${invoice.id}/pdf`);
    for (const printed of ["Accrue GmbH", "Friedrichstraße 68", "10117 Berlin", "DE123456789", "IBAN DE89"]) {
      expect(before).toContain(printed);
    }

    await call("POST", "/v1/legal_entities/default", { address: munich, legal_name: "Accrue Munich GmbH" });
    const after = await pdfText(`/v1/invoices/${invoice.id}/pdf`);
    expect(after).toContain("Friedrichstraße 68");
    expect(after).toContain("Accrue GmbH");
    expect(after).not.toContain("Leopoldstraße");

    const draft = await call("POST", "/v1/invoices", { customer, lines: [{ description: "Fee", unit_amount: "5" }] });
    const preview = await pdfText(`/v1/invoices/${draft.body.id}/pdf`);
    expect(preview).toContain("Leopoldstraße 1");
    expect(preview).toContain("Accrue Munich GmbH");
  });

  it("bills from a second entity: its own series, its country for VAT, its seller on the credit note", async () => {
    const created = await call("POST", "/v1/legal_entities", {
      id: "accrue-us",
      legal_name: "Accrue Inc.",
      address: { line1: "1 Main St", city: "Austin", region: "TX", postal_code: "78701", country: "US" },
      tax_ids: [{ type: "us_ein", value: "12-3456789" }],
      country: "US",
      invoice_prefix: "US",
      credit_note_prefix: "USCN",
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ id: "accrue-us", email: null, payment_instructions: null });

    const invoice = await finalizedInvoice("accrue-us");
    expect(invoice).toMatchObject({ number: "US-2026-000001", legal_entity: "accrue-us" });
    // A US seller is not registered for EU VAT: no reverse charge, no tax (no rate configured).
    expect(invoice.tax_breakdown.map((row: { kind: string }) => row.kind)).not.toContain("reverse_charge");
    const text = await pdfText(`/v1/invoices/${invoice.id}/pdf`);
    expect(text).toContain("Accrue Inc.");
    expect(text).toContain("12-3456789");

    const note = await call("POST", "/v1/credit_notes", {
      invoice: invoice.id,
      scope: "lines",
      reason: "billing_error",
      outcome: "reduce_amount_due",
      lines: [{ line: invoice.lines[0].id, amount: "100.00" }],
    });
    expect(note.status).toBe(200);
    expect(note.body).toMatchObject({ number: "USCN-2026-000001", legal_entity: "accrue-us" });
    await call("POST", "/v1/legal_entities/accrue-us", { legal_name: "Accrue Americas Inc." });
    const noteText = await pdfText(`/v1/credit_notes/${note.body.id}/pdf`);
    expect(noteText).toContain("Accrue Inc.");
    expect(noteText).not.toContain("Americas");

    // The default entity's series is untouched by the other entity's numbers.
    expect((await finalizedInvoice()).number).toBe("INV-2026-000002");
  });

  it("prints the entity as it is now on an invoice finalized before sellers were kept with invoices", async () => {
    const invoice = await finalizedInvoice();
    await sql`update invoices set seller = null where id = ${invoice.id}`.execute(db);
    const text = await pdfText(`/v1/invoices/${invoice.id}/pdf`);
    expect(text).toContain("Accrue Munich GmbH");
    expect(text).toContain("Leopoldstraße 1");
  });

  it("refuses bad input with 400 naming the field, and writes nothing", async () => {
    const entities = await count("legal_entities");
    const valid = { id: "accrue-fr", legal_name: "Accrue SAS", country: "FR" };
    const cases: [object, string, string][] = [
      [{ ...valid, id: "Accrue FR" }, "id", "invalid_request"],
      [{ ...valid, country: "XX" }, "country", "invalid_country"],
      [{ ...valid, legal_name: "   " }, "legal_name", "invalid_legal_entity"],
      [{ ...valid, address: { ...berlin, country: "FR", postal_code: "ABC" } }, "address.postal_code", ""],
      [{ ...valid, tax_ids: [{ type: "eu_vat", value: "FR12" }] }, "tax_ids.0.value", ""],
      [{ ...valid, email: "billing at accrue" }, "email", "invalid_email"],
      [{ ...valid, invoice_prefix: "FR", credit_note_prefix: "FR" }, "credit_note_prefix", "invalid_legal_entity"],
      [{ ...valid, invoice_prefix: "TC-FR" }, "invoice_prefix", "invalid_legal_entity"],
      [{ ...valid, invoice_prefix: "FR 1" }, "invoice_prefix", ""],
      [{ ...valid, colour: "blue" }, "colour", ""],
    ];
    for (const [body, param, code] of cases) {
      const response = await call("POST", "/v1/legal_entities", body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.param, JSON.stringify(body)).toBe(param);
      if (code !== "" && code !== "invalid_request") expect(response.body.error.code).toBe(code);
    }
    const update = await call("POST", "/v1/legal_entities/default", { country: "ZZ" });
    expect(update).toMatchObject({ status: 400, body: { error: { param: "country" } } });
    expect((await call("GET", "/v1/legal_entities/default")).body.country).toBe("DE");
    expect(await count("legal_entities")).toBe(entities);
  });

  it("refuses a prefix another entity numbers with, and an id that exists", async () => {
    const taken = await call("POST", "/v1/legal_entities", {
      id: "accrue-fr",
      legal_name: "Accrue SAS",
      country: "FR",
      invoice_prefix: "USCN",
      credit_note_prefix: "FRCN",
    });
    expect(taken).toMatchObject({
      status: 409,
      body: { error: { code: "legal_entity_prefix_taken", param: "invoice_prefix" } },
    });
    const renamed = await call("POST", "/v1/legal_entities/accrue-us", { credit_note_prefix: "cn" });
    expect(renamed).toMatchObject({ status: 409, body: { error: { param: "credit_note_prefix" } } });
    const again = await call("POST", "/v1/legal_entities", { id: "default", legal_name: "X", country: "DE" });
    expect(again).toMatchObject({ status: 409, body: { error: { code: "legal_entity_exists", param: "id" } } });
  });

  it("refuses a draft from an entity that does not exist, writing nothing", async () => {
    const invoices = await count("invoices");
    const response = await call("POST", "/v1/invoices", { customer, legal_entity: "nowhere" });
    expect(response).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_legal_entity", param: "legal_entity" } },
    });
    expect(await count("invoices")).toBe(invoices);
    expect((await call("GET", "/v1/legal_entities/nowhere")).status).toBe(404);
    expect((await call("POST", "/v1/legal_entities/nowhere", { legal_name: "Nobody" })).status).toBe(404);
  });

  it("lets admins and approvers change entities and everyone read them", async () => {
    for (const role of ["billing_analyst", "ar_specialist", "auditor", "developer"] as const) {
      const key = auth(await keyFor(role));
      expect((await call("POST", "/v1/legal_entities/default", { phone: "+49 30 1" }, key)).status).toBe(403);
      expect((await call("GET", "/v1/legal_entities/default", undefined, key)).status).toBe(200);
    }
    const approver = auth(await keyFor("approver"));
    expect((await call("POST", "/v1/legal_entities/default", { phone: "+49 30 1234567" }, approver)).status).toBe(200);
  });

  it("audits every change with before and after", async () => {
    const events = await call("GET", "/v1/audit_events?object_type=legal_entity&object_id=default&limit=100");
    const actions = events.body.data.map((event: { action: string }) => event.action);
    expect(actions.filter((action: string) => action === "legal_entity.updated").length).toBeGreaterThanOrEqual(3);
    const created = await call("GET", "/v1/audit_events?object_type=legal_entity&object_id=accrue-us");
    expect(created.body.data.map((event: { action: string }) => event.action)).toContain("legal_entity.created");
  });
});
