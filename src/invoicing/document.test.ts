import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { Temporal } from "temporal-polyfill";
import { extractText, getDocumentProxy } from "unpdf";
import { describe, expect, it } from "vitest";
import { Decimal } from "../kernel/money.js";
import { assembleInvoice, type InvoiceLineInput } from "./assembly.js";
import { buildCreditNote } from "./credit-notes.js";
import { renderCreditNotePdf, renderInvoicePdf } from "./document.js";
import { creditNoteDocumentFrom, type DocumentParty, invoiceDocumentFrom } from "./document-model.js";
import { REVERSE_CHARGE_NOTE, type TaxTreatment } from "./tax.js";

const OUTPUT = new URL("../../test-output/", import.meta.url);

const SELLER: DocumentParty = {
  legal_name: "Nordlicht Software GmbH",
  address: { line1: "Torstraße 12", line2: null, city: "Berlin", region: null, postal_code: "10119", country: "DE" },
  tax_ids: [{ type: "eu_vat", value: "DE123456789" }],
};

const buyer = (locale: string, time_zone = "Europe/Berlin") => ({
  legal_name: "Brasserie Müller & Söhne SARL",
  billing_address: {
    line1: "8 rue de la Paix",
    line2: "Bâtiment B",
    city: "Paris",
    region: null,
    postal_code: "75002",
    country: "FR",
  },
  tax_ids: [{ type: "eu_vat" as const, value: "FR40303265045", country: "FR" }],
  locale,
  time_zone,
});

// A domestic sale (seller and buyer both in Germany) carries German VAT; the
// French buyer above is reverse-charged instead (see the reverse-charge test).
const domesticBuyer = (locale: string) => ({
  ...buyer(locale),
  legal_name: "Brauhaus Müller & Söhne GmbH",
  billing_address: {
    line1: "Leopoldstraße 8",
    line2: "Hinterhaus",
    city: "München",
    region: null,
    postal_code: "80802",
    country: "DE",
  },
  tax_ids: [{ type: "eu_vat" as const, value: "DE811569869", country: "DE" }],
});

const VAT_19: TaxTreatment = {
  kind: "standard",
  rate: {
    id: "txr_de",
    country: "DE",
    region: null,
    percentage: "19",
    name: "VAT",
    effective_from: "2020-01-01",
    effective_to: null,
  },
};

// November in Berlin: [2026-11-01T00:00+01:00, 2026-12-01T00:00+01:00).
const NOVEMBER = {
  start: Temporal.Instant.from("2026-10-31T23:00:00Z"),
  end: Temporal.Instant.from("2026-11-30T23:00:00Z"),
};

const line = (description: string, quantity: string, unit_price: string, extra: Partial<InvoiceLineInput> = {}) => ({
  description,
  period: NOVEMBER,
  quantity,
  unit_price,
  proration: false,
  source: { type: "manual" as const },
  product_id: null,
  ...extra,
});

const ISSUED = Temporal.PlainDate.from("2026-12-01");
const DUE = Temporal.PlainDate.from("2026-12-31");

async function pages(pdf: Buffer): Promise<string[]> {
  const proxy = await getDocumentProxy(new Uint8Array(pdf));
  const { text } = await extractText(proxy, { mergePages: false });
  // Intl puts no-break spaces inside figures; PDF text extraction may give them back either way.
  return text.map((page) => page.replace(/[\u00a0\u202f]/g, " ").replace(/[ \t]+/g, " "));
}

async function save(name: string, pdf: Buffer): Promise<void> {
  await mkdir(OUTPUT, { recursive: true });
  await writeFile(new URL(name, OUTPUT), pdf);
}

function germanInvoice() {
  const assembled = assembleInvoice({
    currency: "EUR",
    lines: [
      line("Team plan, 10 seats", "10", "99.5"), // 10 × 99.50 = 995.00
      line("API calls", "1000000", "0.000239500001"), // 1,000,000 × 0.000239500001 = 239.500001 → 239.50
      line("Seats added on 16 Nov", "2", "49.75", { proration: true }), // 2 × 49.75 = 99.50
    ],
    discounts: [
      {
        coupon: {
          id: "cpn_launch",
          name: "Launch",
          value: { type: "percent", percent_off: "10" },
          duration: { type: "forever" },
          max_redemptions: null,
          redeem_by: null,
        },
        scope: { type: "customer" },
        periods_applied: 0,
      },
    ],
    tax: VAT_19,
    prices_include_tax: false,
    credit_balance: "0",
  });
  return invoiceDocumentFrom(assembled, {
    seller: SELLER,
    buyer: domesticBuyer("de-DE"),
    number: "INV-2026-000123",
    issue_date: ISSUED,
    due_date: DUE,
    po_number: "PO-7781",
    coupon_names: { cpn_launch: "Launch 10 %" },
    amount_paid: new Decimal("100"),
    payment_instructions:
      "Bank transfer to IBAN DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX, reference INV-2026-000123.",
    memo: "Thank you for your business.",
  });
}

describe("invoice PDF", () => {
  it("shows the parties, the facts, every line and the totals in the buyer's locale", async () => {
    const document = germanInvoice();
    // Subtotal 995.00 + 239.50 + 99.50 = 1,334.00; discount 10 % = 133.40; net 1,200.60;
    // VAT 19 % per line: 895.50→170.15, 215.55→40.95, 89.55→17.01 = 228.11; total 1,428.71; due 1,428.71 − 100 = 1,328.71.
    expect(document.total.toFixed(2)).toBe("1428.71");
    const pdf = await renderInvoicePdf(document);
    await save("invoice-de-DE.pdf", pdf);
    const text = (await pages(pdf)).join("\n");
    for (const expected of [
      "INVOICE",
      "Nordlicht Software GmbH",
      "Torstraße 12",
      "10119 Berlin",
      "VAT DE123456789",
      "Brauhaus Müller & Söhne GmbH",
      "Hinterhaus",
      "80802 München",
      "VAT DE811569869",
      "INV-2026-000123",
      "01.12.2026",
      "31.12.2026",
      "PO-7781",
      "Team plan, 10 seats",
      "995,00 €",
      "API calls",
      "0,000239500001 €", // the unit price in full, 12 decimals
      "239,50 €",
      "Seats added on 16 Nov",
      "49,75 €",
      "99,50 €",
      "01.11.2026 – 30.11.2026", // [Nov 1, Dec 1) in Berlin: the last day is Nov 30
      "Prorated",
      "Subtotal",
      "1.334,00 €",
      "Discount (Launch 10 %)",
      "-133,40 €",
      "VAT 19 % on 1.200,60 €",
      "228,11 €",
      "1.428,71 €",
      "Amount paid",
      "-100,00 €",
      "Amount due",
      "1.328,71 €",
      "IBAN DE89 3704 0044 0532 0130 00",
      "Thank you for your business.",
      "Page 1 of 1",
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain("Reverse charge");
  });

  it("prints the reverse-charge note for a reverse-charged B2B invoice", async () => {
    const assembled = assembleInvoice({
      currency: "EUR",
      lines: [line("Consulting, 3 days", "3", "1234.5")], // 3 × 1,234.50 = 3,703.50, no VAT
      discounts: [],
      tax: { kind: "reverse_charge" },
      prices_include_tax: false,
      credit_balance: "0",
    });
    const document = invoiceDocumentFrom(assembled, {
      seller: SELLER,
      buyer: buyer("en-GB"),
      number: "INV-2026-000124",
      issue_date: ISSUED,
      due_date: DUE,
    });
    const text = (await pages(await renderInvoicePdf(document))).join("\n");
    expect(text).toContain("€1,234.50");
    expect(text).toContain("Reverse charge on €3,703.50");
    expect(text).toContain("€3,703.50");
    expect(text).toContain(REVERSE_CHARGE_NOTE.slice(0, 60));
    expect(text).toContain("1 Dec 2026");
    expect(text).not.toContain("PO number");
  });

  it("repeats the table header and numbers the pages when the lines run over", async () => {
    const lines = Array.from({ length: 120 }, (_, index) => line(`Usage item ${index + 1}`, `${index + 1}`, "1.25"));
    const assembled = assembleInvoice({
      currency: "USD",
      lines,
      discounts: [],
      tax: { kind: "exempt", certificate_reference: "NY-EX-42" },
      prices_include_tax: false,
      credit_balance: "0",
    });
    const document = invoiceDocumentFrom(assembled, {
      seller: SELLER,
      buyer: buyer("en-US", "America/New_York"),
      number: "INV-2026-000125",
      issue_date: ISSUED,
      due_date: DUE,
    });
    const pdf = await renderInvoicePdf(document);
    await save("invoice-120-lines.pdf", pdf);
    const text = await pages(pdf);
    expect(text.length).toBeGreaterThanOrEqual(3);
    text.forEach((page, index) => {
      expect(page).toContain(`Page ${index + 1} of ${text.length}`);
      expect(page).toContain("Description");
      expect(page).toContain("Unit price");
      if (index > 0) expect(page).toContain("Invoice INV-2026-000125 (continued)");
    });
    const all = text.join("\n");
    for (let number = 1; number <= 120; number += 1) expect(all).toContain(`Usage item ${number}\n`);
    expect(all).toContain("$150.00"); // line 120: 120 × 1.25
    expect(all).toContain("$9,075.00"); // 1.25 × (1 + … + 120) = 1.25 × 7,260
    expect(all).toContain("Exempt (NY-EX-42) on $9,075.00");
    // In New York, November's Berlin period runs from Oct 31, 7 pm to Nov 30, 6 pm.
    expect(all).toContain("Oct 31, 2026 – Nov 30, 2026");
  });

  it("shows JPY without decimals and BHD with three", async () => {
    for (const [currency, unit_price, expected] of [
      ["JPY", "1500", ["¥1,500", "¥3,000"]], // 2 × 1,500
      ["BHD", "12.345", ["BHD 12.345", "BHD 24.690"]], // 2 × 12.345
    ] as const) {
      const assembled = assembleInvoice({
        currency,
        lines: [line("Licence", "2", unit_price)],
        discounts: [],
        tax: { kind: "exempt", certificate_reference: "EX-1" },
        prices_include_tax: false,
        credit_balance: "0",
      });
      const document = invoiceDocumentFrom(assembled, {
        seller: SELLER,
        buyer: buyer("en-US"),
        number: `INV-${currency}`,
        issue_date: ISSUED,
        due_date: DUE,
      });
      const text = (await pages(await renderInvoicePdf(document))).join("\n");
      for (const figure of expected) expect(text).toContain(figure);
      if (currency === "JPY") expect(text).not.toContain("¥3,000.");
    }
  });

  it("prints Polish, Czech, Turkish, Greek and Cyrillic names as written, and a script the font lacks as ?", async () => {
    const assembled = assembleInvoice({
      currency: "EUR",
      lines: [line("Usługi magazynowe – Łódź", "1", "100"), line("Σύνδρομη Ωμέγα", "1", "50")],
      discounts: [],
      tax: { kind: "exempt", certificate_reference: "EX-1" },
      prices_include_tax: false,
      credit_balance: "0",
    });
    const document = invoiceDocumentFrom(assembled, {
      seller: SELLER,
      buyer: {
        ...buyer("en-GB"),
        legal_name: "Příliš žluťoučký kůň s.r.o. / Şeker Ağacı / ООО «Север» / 株式会社",
      },
      number: "INV-UNICODE",
      issue_date: ISSUED,
      due_date: DUE,
    });
    const pdf = await renderInvoicePdf(document);
    await save("invoice-unicode.pdf", pdf);
    const text = (await pages(pdf)).join("\n");
    expect(text).toContain("Usługi magazynowe – Łódź");
    expect(text).toContain("Σύνδρομη Ωμέγα");
    // The buyer's name wraps after "Şeker"; 株式会社 (four CJK characters) prints as four "?".
    expect(text).toContain("Příliš žluťoučký kůň s.r.o. / Şeker");
    expect(text).toContain("Ağacı / ООО «Север» / ????");
  });

  it("prints fr-FR's narrow no-break spaces, as no-break spaces", async () => {
    const assembled = assembleInvoice({
      currency: "EUR",
      lines: [line("Licence", "2", "1234.5")], // 2 × 1 234,50 = 2 469,00
      discounts: [],
      tax: { kind: "exempt", certificate_reference: "EX-1" },
      prices_include_tax: false,
      credit_balance: "0",
    });
    const document = invoiceDocumentFrom(assembled, {
      seller: SELLER,
      buyer: buyer("fr-FR"),
      number: "INV-FR",
      issue_date: ISSUED,
      due_date: DUE,
    });
    const text = (await pages(await renderInvoicePdf(document))).join("\n");
    expect(text).toContain("1 234,50 €");
    expect(text).toContain("2 469,00 €");
    expect(text).not.toContain("?");
  });

  it("renders the same bytes for the same document (no wall clock inside)", async () => {
    const document = germanInvoice();
    const first = await renderInvoicePdf(document);
    await new Promise((resolve) => setTimeout(resolve, 5)); // a wall-clock timestamp would now differ
    const second = await renderInvoicePdf(document);
    expect(first.equals(second)).toBe(true);
    expect(first.toString("latin1")).toContain("(D:20261201000000Z)"); // the issue date, midnight UTC
  });

  it("renders page 1 to PNG for a person to look at, when pdftoppm is installed", async () => {
    const run = promisify(execFile);
    const installed = await run("pdftoppm", ["-v"]).then(
      () => true,
      () => false,
    );
    if (!installed) return;
    const pdf = await renderInvoicePdf(germanInvoice());
    await save("invoice.pdf", pdf);
    const target = new URL("invoice-page1", OUTPUT).pathname;
    await run("pdftoppm", [
      "-png",
      "-r",
      "110",
      "-f",
      "1",
      "-l",
      "1",
      "-singlefile",
      new URL("invoice.pdf", OUTPUT).pathname,
      target,
    ]);
  });
});

describe("credit note PDF", () => {
  it("shows its number, the invoice it credits, the reason and the credited amounts", async () => {
    const figures = buildCreditNote(
      {
        status: "open",
        currency: "EUR",
        amount_due_remaining: new Decimal("1190"),
        lines: [
          {
            id: "line_1",
            product_id: null,
            description: "Team plan, 10 seats",
            quantity: new Decimal(10),
            net_amount: new Decimal("1000"),
            tax_amount: new Decimal("190"),
          },
        ],
        credited: [],
      },
      {
        scope: { type: "lines", lines: [{ line_id: "line_1", type: "quantity", quantity: "3" }] },
        reason: "order_change",
        outcome: "reduce_amount_due",
        memo: "Three seats cancelled on day one.",
      },
    );
    // 3 of 10 seats: net 1,000.00 × 3/10 = 300.00; tax 190.00 × 300/1,000 = 57.00; total 357.00.
    const document = creditNoteDocumentFrom(figures, {
      seller: SELLER,
      buyer: domesticBuyer("de-DE"),
      number: "CN-2026-000007",
      issue_date: Temporal.PlainDate.from("2026-12-05"),
      invoice_number: "INV-2026-000123",
      invoice_issue_date: ISSUED,
    });
    const pdf = await renderCreditNotePdf(document);
    await save("credit-note-de-DE.pdf", pdf);
    const text = (await pages(pdf)).join("\n");
    for (const expected of [
      "CREDIT NOTE",
      "CN-2026-000007",
      "05.12.2026",
      "Credits invoice",
      "INV-2026-000123",
      "Reason: Order change",
      "Team plan, 10 seats",
      "300,00 €",
      "57,00 €",
      "357,00 €",
      "Total credited",
      "Deducted from the amount due on the invoice",
      "Three seats cancelled on day one.",
      "VAT DE811569869",
      "Page 1 of 1",
    ]) {
      expect(text).toContain(expected);
    }
  });
});
