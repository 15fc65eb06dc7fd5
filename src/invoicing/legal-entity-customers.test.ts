import { sql } from "kysely";
import { extractText } from "unpdf";
import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";

/**
 * A customer billed from a second legal entity: its invoices and credit
 * notes take that entity's number series and print its seller details;
 * moving the customer to another entity changes the next documents only.
 */

const { db } = await freshDatabase();
const clock = new TestClock("2026-06-10T09:00:00Z");
const { app, adminKey, auth } = await testApp({ db, clock });
const admin = auth(adminKey);

async function call(method: "GET" | "POST", url: string, payload?: object) {
  const response = await app.inject({ method, url, headers: admin, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

async function pdfText(url: string): Promise<string> {
  const response = await app.inject({ method: "GET", url, headers: admin });
  expect(response.statusCode).toBe(200);
  return (await extractText(new Uint8Array(response.rawPayload), { mergePages: true })).text;
}

let invoicesMade = 0;

/** A different amount each time: the review checklist holds a repeat of the same amount as a possible duplicate. */
async function finalizedInvoice(customer: string) {
  invoicesMade += 1;
  const draft = await call("POST", "/v1/invoices", {
    customer,
    lines: [{ description: "Platform fee, June", unit_amount: String(1000 + invoicesMade) }],
  });
  expect(draft.status).toBe(200);
  const finalized = await call("POST", `/v1/invoices/${draft.body.id}/finalize`);
  expect(finalized.status).toBe(200);
  return finalized.body;
}

const uk = await call("POST", "/v1/legal_entities", {
  id: "example-uk",
  legal_name: "Example Software Ltd",
  country: "GB",
  address: { line1: "1 Poultry", city: "London", postal_code: "EC2R 8EJ", country: "GB" },
  tax_ids: [{ type: "gb_vat", value: "GB980780684" }],
  invoice_prefix: "UK",
  credit_note_prefix: "UKCN",
  payment_instructions: "Sort code 40-47-84, account 70872490.",
});
await call("POST", "/v1/legal_entities/default", {
  legal_name: "Example Software GmbH",
  payment_instructions: "IBAN DE89 3704 0044 0532 0130 00",
});

async function customerOn(legalEntity: string | undefined, name: string) {
  const created = await call("POST", "/v1/customers", {
    legal_name: name,
    currency: "GBP",
    billing_address: { line1: "10 Downing Street", city: "London", postal_code: "SW1A 2AA", country: "GB" },
    ...(legalEntity === undefined ? {} : { legal_entity: legalEntity }),
  });
  expect(created.status).toBe(200);
  return created.body;
}

describe("customers billed from a legal entity", () => {
  it("defaults to the company's default entity and refuses one that does not exist", async () => {
    expect(uk.status).toBe(200);
    const plain = await customerOn(undefined, "Plain Buyer Ltd");
    expect(plain.legal_entity).toBe("default");
    const unknown = await call("POST", "/v1/customers", {
      legal_name: "Nowhere Ltd",
      currency: "GBP",
      legal_entity: "example-fr",
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: "invalid_legal_entity", param: "legal_entity" });
    const malformed = await call("POST", `/v1/customers/${plain.id}`, { legal_entity: "Example UK" });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.param).toBe("legal_entity");
    const moveToUnknown = await call("POST", `/v1/customers/${plain.id}`, { legal_entity: "example-fr" });
    expect(moveToUnknown.status).toBe(400);
    expect(moveToUnknown.body.error).toMatchObject({ code: "invalid_legal_entity", param: "legal_entity" });
    expect((await call("GET", `/v1/customers/${plain.id}`)).body.legal_entity).toBe("default");
  });

  it("numbers a second entity's customer in its series and prints its seller details", async () => {
    const onDefault = await customerOn(undefined, "Default Buyer Ltd");
    const onUk = await customerOn("example-uk", "British Buyer Ltd");
    const first = await finalizedInvoice(onDefault.id);
    const second = await finalizedInvoice(onUk.id);
    const third = await finalizedInvoice(onUk.id);
    expect(first).toMatchObject({ legal_entity: "default", number: "INV-2026-000001" });
    expect(second).toMatchObject({ legal_entity: "example-uk", number: "UK-2026-000001" });
    expect(third).toMatchObject({ legal_entity: "example-uk", number: "UK-2026-000002" });

    const text = await pdfText(`/v1/invoices/${second.id}/pdf`);
    expect(text).toContain("Example Software Ltd");
    expect(text).toContain("1 Poultry");
    expect(text).toContain("GB980780684");
    expect(text).toContain("Sort code 40-47-84, account 70872490.");
    expect(text).toContain("UK-2026-000001");
    expect(text).not.toContain("Example Software GmbH");
    expect(await pdfText(`/v1/invoices/${first.id}/pdf`)).toContain("IBAN DE89 3704 0044 0532 0130 00");

    const note = await call("POST", "/v1/credit_notes", {
      invoice: second.id,
      scope: "whole_invoice",
      reason: "billing_error",
      outcome: "reduce_amount_due",
    });
    expect(note.status).toBe(200);
    expect(note.body).toMatchObject({ legal_entity: "example-uk", number: "UKCN-2026-000001" });
    const noteText = await pdfText(`/v1/credit_notes/${note.body.id}/pdf`);
    expect(noteText).toContain("Example Software Ltd");
    expect(noteText).toContain("UKCN-2026-000001");
  });

  it("moves a customer with finalized invoices to another entity: old invoices keep their seller, the move is audited", async () => {
    const customer = await customerOn("example-uk", "Moving Buyer Ltd");
    const before = await finalizedInvoice(customer.id);
    expect(before.number).toMatch(/^UK-2026-/);
    const moved = await call("POST", `/v1/customers/${customer.id}`, { legal_entity: "default" });
    expect(moved.status).toBe(200);
    expect(moved.body.legal_entity).toBe("default");
    const after = await finalizedInvoice(customer.id);
    expect(after).toMatchObject({ legal_entity: "default" });
    expect(after.number).toMatch(/^INV-2026-/);
    // The invoice finalized before the move still prints the seller it was issued by.
    const oldText = await pdfText(`/v1/invoices/${before.id}/pdf`);
    expect(oldText).toContain("Example Software Ltd");
    expect(oldText).not.toContain("Example Software GmbH");
    const audit = await sql<{ action: string; before: unknown; after: unknown }>`
      select action, before, after from audit_events
      where object_id = ${customer.id} and action = 'customer.legal_entity_changed'`.execute(db);
    expect(audit.rows).toEqual([
      {
        action: "customer.legal_entity_changed",
        before: { legal_entity: "example-uk" },
        after: { legal_entity: "default" },
      },
    ]);
  });

  it("lets a hand-made draft name another entity than the customer's", async () => {
    const customer = await customerOn("example-uk", "Exception Buyer Ltd");
    const draft = await call("POST", "/v1/invoices", {
      customer: customer.id,
      legal_entity: "default",
      lines: [{ description: "One-off consulting", unit_amount: "777" }],
    });
    expect(draft.body.legal_entity).toBe("default");
  });
});
