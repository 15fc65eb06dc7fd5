import { describe, expect, it } from "vitest";
import { DomainError } from "../kernel/errors.js";
import {
  applyLegalEntityChanges,
  checkNewLegalEntity,
  type LegalEntity,
  type NewLegalEntity,
  sellerSnapshot,
} from "./legal-entities.js";

const base = { id: "acme-uk", legal_name: "Acme Ltd", country: "GB" };

function paramOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return error.param;
    throw error;
  }
  return undefined;
}

describe("checkNewLegalEntity", () => {
  it("normalises what it keeps and defaults the prefixes to INV and CN", () => {
    const entity = checkNewLegalEntity({
      ...base,
      legal_name: "  Acme Ltd ",
      country: "gb",
      address: { line1: "10 Downing St", city: "London", postal_code: "sw1a2aa", country: "gb" },
      tax_ids: [{ type: "eu_vat", value: "de 123456789" }],
      phone: " ",
    });
    expect(entity).toMatchObject({
      legal_name: "Acme Ltd",
      country: "GB",
      address: { postal_code: "SW1A 2AA", country: "GB" },
      tax_ids: [{ type: "eu_vat", value: "DE123456789", country: "DE" }],
      phone: null,
      email: null,
      payment_instructions: null,
      invoice_prefix: "INV",
      credit_note_prefix: "CN",
    });
  });

  it.each<[Partial<NewLegalEntity>, string]>([
    [{ id: "Acme UK" }, "id"],
    [{ id: "-acme" }, "id"],
    [{ legal_name: "" }, "legal_name"],
    [{ country: "UK" }, "country"], // the ISO code is GB
    [{ address: { country: "DE", postal_code: "1011" } }, "address.postal_code"], // DE codes have 5 digits
    [{ tax_ids: [{ type: "eu_vat", value: "DE12345678" }] }, "tax_ids.0.value"], // 8 digits, DE needs 9
    [{ email: "billing" }, "email"],
    [{ invoice_prefix: "INV 2" }, "invoice_prefix"],
    [{ invoice_prefix: "tc-uk" }, "invoice_prefix"], // test clocks number "TC-…"
    [{ credit_note_prefix: "" }, "credit_note_prefix"],
    [{ invoice_prefix: "UK", credit_note_prefix: "uk" }, "credit_note_prefix"],
  ])("refuses %o naming %s", (change, param) => {
    expect(paramOf(() => checkNewLegalEntity({ ...base, ...change }))).toBe(param);
  });
});

describe("applyLegalEntityChanges", () => {
  const before: LegalEntity = checkNewLegalEntity({ ...base, email: "ar@acme.example", payment_instructions: "IBAN" });

  it("keeps what is left out, clears what is null, checks what is sent", () => {
    const after = applyLegalEntityChanges(before, { email: null, invoice_prefix: "UK" });
    expect(after).toEqual({ ...before, email: null, invoice_prefix: "UK" });
    expect(paramOf(() => applyLegalEntityChanges(before, { credit_note_prefix: "INV" }))).toBe("credit_note_prefix");
    expect(paramOf(() => applyLegalEntityChanges(before, { legal_name: " " }))).toBe("legal_name");
  });

  it("snapshots only what a document prints and needs for tax", () => {
    expect(sellerSnapshot(before)).toEqual({
      legal_name: "Acme Ltd",
      address: null,
      tax_ids: [],
      country: "GB",
      payment_instructions: "IBAN",
    });
  });
});
