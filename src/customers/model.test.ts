import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { DomainError } from "../kernel/errors.js";
import { checkContacts, checkExternalId, checkLocale, checkTags, customerReference } from "./fields.js";
import {
  applyCustomerChanges,
  checkAddress,
  checkNewCustomer,
  checkPaymentTerms,
  checkPostalCode,
  customerSearchText,
  dueDate,
  missingAddressFields,
  type PaymentTerms,
  sameFields,
  searchPatterns,
} from "./model.js";

function failure(work: () => unknown): { code: string; param: string | undefined } {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, param: error.param };
    throw error;
  }
  throw new Error("expected a DomainError");
}

let contactCounter = 0;
const newContactId = () => `ccon_test${++contactCounter}`;

describe("postal codes", () => {
  it.each([
    ["US", "94105", "94105"],
    ["US", "94105-1804", "94105-1804"],
    ["US", "941051804", "94105-1804"],
    ["CA", "k1a0b1", "K1A 0B1"],
    ["CA", "H3Z 2Y7", "H3Z 2Y7"],
    ["GB", "sw1a1aa", "SW1A 1AA"],
    ["GB", "EC1A 1BB", "EC1A 1BB"],
    ["GB", "M1 1AE", "M1 1AE"],
    ["GB", "CR2 6XH", "CR2 6XH"],
    ["GB", "DN55 1PT", "DN55 1PT"],
    ["GB", "W1A 0AX", "W1A 0AX"],
    ["DE", "10115", "10115"],
    ["FR", "75008", "75008"],
    ["NL", "1012ab", "1012 AB"],
    ["AU", "2000", "2000"],
    ["IN", "110001", "110001"],
    ["IN", "110 001", "110001"],
    ["JP", "1000001", "100-0001"],
    ["JP", "100-0001", "100-0001"],
    ["BR", "01310100", "01310-100"],
    ["BR", "01310-100", "01310-100"],
    // No format on file for South Africa: any code up to 16 characters, trimmed.
    ["ZA", " 0001 ", "0001"],
  ])("%s %j → %j", (country, input, expected) => {
    expect(checkPostalCode(country, input, "billing_address.postal_code")).toBe(expected);
  });

  it.each([
    ["US", "9410"],
    ["US", "94105-18"],
    ["CA", "D1A 0B1"], // D is never a first letter
    ["CA", "K1A 0BB"],
    ["GB", "QQ1 1AA"], // Q is never a first letter
    ["GB", "SW1A 1A"],
    ["DE", "1011"],
    ["DE", "101155"],
    ["FR", "7500A"],
    ["NL", "0123 AB"], // never starts with 0
    ["NL", "1012 SA"], // SA, SD and SS are not issued
    ["AU", "20000"],
    ["IN", "011001"], // PINs start 1–9
    ["JP", "100-001"],
    ["BR", "01310-10"],
    ["ZA", "12345678901234567"],
  ])("%s refuses %j", (country, input) => {
    expect(failure(() => checkPostalCode(country, input, "billing_address.postal_code"))).toEqual({
      code: "invalid_postal_code",
      param: "billing_address.postal_code",
    });
  });
});

describe("addresses", () => {
  it("normalises country, region and postal code, and blank parts become null", () => {
    expect(
      checkAddress(
        {
          line1: " 1 Market St ",
          line2: "  ",
          city: "San Francisco",
          region: "us-ca",
          postal_code: "94105",
          country: "us",
        },
        "billing_address",
      ),
    ).toEqual({
      line1: "1 Market St",
      line2: null,
      city: "San Francisco",
      region: "CA",
      postal_code: "94105",
      country: "US",
    });
  });

  it.each([
    [{ country: "XX" }, "invalid_country", "billing_address.country"],
    [{ country: "EU" }, "invalid_country", "billing_address.country"],
    [{ country: "US", region: "ZZ" }, "invalid_region", "billing_address.region"],
    [{ country: "CA", region: "CA" }, "invalid_region", "billing_address.region"],
    [{ country: "US", postal_code: "ABCDE" }, "invalid_postal_code", "billing_address.postal_code"],
  ])("refuses %j with %s", (input, code, param) => {
    expect(failure(() => checkAddress(input, "billing_address"))).toEqual({ code, param });
  });

  it("keeps free-text regions where no list is kept", () => {
    expect(checkAddress({ country: "DE", region: "Bayern" }, "a").region).toBe("Bayern");
  });

  it.each([
    [null, ["line1", "city", "postal_code", "country"]],
    [{ line1: "1 Main", line2: null, city: "Austin", region: "TX", postal_code: "78701", country: "US" }, []],
    [{ line1: "1 Main", line2: null, city: "Austin", region: null, postal_code: "78701", country: "US" }, ["region"]],
    [
      { line1: null, line2: null, city: "Berlin", region: null, postal_code: null, country: "DE" },
      ["line1", "postal_code"],
    ],
    // Hong Kong has no postal codes and keeps no format here: nothing to miss.
    [{ line1: "1 Queen's Rd", line2: null, city: "Hong Kong", region: null, postal_code: null, country: "HK" }, []],
  ])("missing fields of %j: %j", (address, missing) => {
    expect(missingAddressFields(address)).toEqual(missing);
  });
});

describe("payment terms", () => {
  it.each<[PaymentTerms, string, string]>([
    [{ type: "due_on_receipt" }, "2026-01-15", "2026-01-15"],
    [{ type: "net", days: 30 }, "2026-01-15", "2026-02-14"], // 16 days left in January + 14
    [{ type: "net", days: 30 }, "2026-12-15", "2027-01-14"], // across the year end
    [{ type: "net", days: 1 }, "2028-02-28", "2028-02-29"], // a leap day
    [{ type: "day_of_month", day: 15 }, "2026-01-20", "2026-02-15"],
    [{ type: "day_of_month", day: 15 }, "2026-01-01", "2026-02-15"], // always the month after, even before the 15th
    [{ type: "day_of_month", day: 31 }, "2026-01-05", "2026-02-28"], // February 2026 has 28 days
    [{ type: "day_of_month", day: 31 }, "2028-01-05", "2028-02-29"], // and 29 in 2028
    [{ type: "day_of_month", day: 31 }, "2026-03-31", "2026-04-30"],
    [{ type: "day_of_month", day: 1 }, "2026-12-31", "2027-01-01"],
  ])("%j on %s is due %s", (terms, invoiceDate, due) => {
    expect(dueDate(terms, Temporal.PlainDate.from(invoiceDate)).toString()).toBe(due);
  });

  it.each<[PaymentTerms, string]>([
    [{ type: "net", days: 0 }, "payment_terms.days"],
    [{ type: "net", days: 366 }, "payment_terms.days"],
    [{ type: "net", days: 1.5 }, "payment_terms.days"],
    [{ type: "day_of_month", day: 0 }, "payment_terms.day"],
    [{ type: "day_of_month", day: 32 }, "payment_terms.day"],
    [{ type: "weekly" } as unknown as PaymentTerms, "payment_terms.type"],
  ])("refuses %j", (terms, param) => {
    expect(failure(() => checkPaymentTerms(terms, "payment_terms"))).toEqual({ code: "invalid_payment_terms", param });
  });
});

describe("identity and labelling fields", () => {
  it.each(["ACME-1001", "0015g00000ABCDe", "crm:4711", "bob@example.com", "a"])("accepts external id %j", (value) => {
    expect(checkExternalId(value)).toBe(value);
  });

  it.each(["", " lead", "has space", "cus_01jd0000000000000000000000", "a/b", "x".repeat(129)])(
    "refuses external id %j",
    (value) => {
      expect(failure(() => checkExternalId(value)).code).toBe("customer_external_id_invalid");
    },
  );

  it("reads cus_… as our id and anything else as an external id", () => {
    expect(customerReference("cus_01jd0000000000000000000000")).toEqual({ id: "cus_01jd0000000000000000000000" });
    expect(customerReference("ACME-1")).toEqual({ external_id: "ACME-1" });
    expect(customerReference("customer-7")).toEqual({ external_id: "customer-7" });
  });

  it.each([
    ["en-us", "en-US"],
    ["DE", "de"],
    ["zh-hant-tw", "zh-Hant-TW"],
    ["pt-BR", "pt-BR"],
  ])("canonicalises locale %s → %s", (input, expected) => {
    expect(checkLocale(input)).toBe(expected);
  });

  it.each(["", "english", "xx", "en_US!", "12"])("refuses locale %j", (value) => {
    expect(failure(() => checkLocale(value))).toEqual({ code: "invalid_locale", param: "locale" });
  });

  it("folds tags to lower case and drops repeats", () => {
    expect(checkTags(["Enterprise", "eu-reseller", "enterprise", "tier_1"], "tags")).toEqual([
      "enterprise",
      "eu-reseller",
      "tier_1",
    ]);
    expect(failure(() => checkTags(["ok", "not ok"], "tags"))).toEqual({ code: "invalid_tag", param: "tags.1" });
    expect(failure(() => checkTags(["-lead"], "tags")).code).toBe("invalid_tag");
  });

  it("keeps contact ids it issued and refuses others", () => {
    const [first] = checkContacts([{ name: "Ana", email: "ana@acme.test", role: "billing" }], [], () => "ccon_1");
    expect(first).toEqual({ id: "ccon_1", name: "Ana", email: "ana@acme.test", role: "billing", phone: null });
    const kept = checkContacts(
      [{ id: "ccon_1", name: "Ana Ruiz", email: "ana@acme.test", role: "accounts_payable" }],
      first === undefined ? [] : [first],
      () => "ccon_2",
    );
    expect(kept[0]?.id).toBe("ccon_1");
    expect(
      failure(() => checkContacts([{ id: "ccon_9", name: "X", email: "x@y.test", role: "other" }], [], newContactId)),
    ).toEqual({
      code: "customer_contact_not_found",
      param: "contacts.0.id",
    });
    expect(
      failure(() => checkContacts([{ name: "X", email: "not-an-email", role: "other" }], [], newContactId)),
    ).toEqual({
      code: "invalid_email",
      param: "contacts.0.email",
    });
  });
});

describe("a whole customer", () => {
  const base = checkNewCustomer(
    {
      external_id: "ACME-1",
      legal_name: " Acme GmbH ",
      currency: "EUR",
      emails: ["ap@acme.test", "AP@acme.test"],
      tax_ids: [{ type: "eu_vat", value: "DE 123 456 789" }],
      credit_limit: "5000",
    },
    newContactId,
  );

  it("fills the defaults and normalises on creation", () => {
    expect(base).toMatchObject({
      legal_name: "Acme GmbH",
      display_name: null,
      emails: ["ap@acme.test"],
      time_zone: "UTC",
      locale: "en",
      payment_terms: { type: "net", days: 30 },
      invoice_delivery: { emails: [], postal: false, portal_name: null, portal_id: null },
      po_required: false,
      credit_limit: "5000.00",
      tags: [],
      metadata: {},
    });
  });

  it.each([
    [{ currency: "usd" }, "invalid_currency", "currency"],
    [{ time_zone: "+02:00" }, "invalid_time_zone", "time_zone"],
    [{ credit_limit: "-1" }, "invalid_amount", "credit_limit"],
    [{ credit_limit: "10.001" }, "invalid_amount", "credit_limit"],
    [{ legal_name: "   " }, "parameter_invalid", "legal_name"],
    [{ emails: ["ok@x.test", "nope"] }, "invalid_email", "emails.1"],
    [{ invoice_delivery: { portal_id: "SUP-1" } }, "parameter_missing", "invoice_delivery.portal_name"],
  ])("refuses %j", (changes, code, param) => {
    expect(failure(() => applyCustomerChanges(base, changes, newContactId))).toEqual({ code, param });
  });

  it("changes only what is sent, merges invoice delivery, and re-checks the credit limit in a new currency", () => {
    const after = applyCustomerChanges(
      base,
      { invoice_delivery: { postal: true }, display_name: "Acme" },
      newContactId,
    );
    expect(after).toEqual({
      ...base,
      display_name: "Acme",
      invoice_delivery: { ...base.invoice_delivery, postal: true },
    });
    // 5000.00 EUR kept as a JPY limit: JPY has no minor unit, so it reads 5000.
    expect(applyCustomerChanges(base, { currency: "JPY" }, newContactId).credit_limit).toBe("5000");
    expect(applyCustomerChanges(base, { display_name: null, credit_limit: null }, newContactId)).toMatchObject({
      display_name: null,
      credit_limit: null,
    });
  });

  it("sees an update that changes nothing, whatever the key order", () => {
    const reordered = JSON.parse(JSON.stringify(base));
    const shuffled = Object.fromEntries(Object.entries(reordered).reverse()) as unknown as typeof base;
    expect(sameFields(base, shuffled)).toBe(true);
    expect(sameFields(base, { ...base, tags: ["x"] })).toBe(false);
  });

  it("searches names, emails, external id and tax ids with or without spacing", () => {
    const text = customerSearchText(base);
    expect(text).toContain("acme gmbh");
    expect(text).toContain("acme-1");
    expect(text).toContain("de123456789");
    expect(searchPatterns("DE 123 456 789")).toEqual(["de 123 456 789", "de123456789"]);
    expect(searchPatterns("Acme")).toEqual(["acme"]);
  });
});
