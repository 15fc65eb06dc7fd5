import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as fontkit from "fontkit";
import PDFDocument from "pdfkit";
import type { Temporal } from "temporal-polyfill";
import type { Address } from "../customers/index.js";
import { type Decimal, formatMoney } from "../kernel/money.js";
import { type DocumentParty, documentCreationDate } from "./document-model.js";

const require = createRequire(import.meta.url);

/**
 * The drawing half of the PDFs: a cursor over A4 pages with the few shapes an
 * invoice needs (parties, a key/value block, a table whose header repeats on
 * every page, a totals block, paragraphs, page numbers). It knows nothing of
 * invoices; document.ts says what goes where.
 *
 * Fonts: DejaVu Sans and DejaVu Sans Bold (the dejavu-fonts-ttf package),
 * embedded as subsets of the glyphs used. They cover Latin with every
 * European accent (ł, ř, ş, ő), Greek, Cyrillic, Armenian, Georgian and
 * Hebrew, so a buyer's name and address print as written. CJK, Thai and
 * Indic scripts are not in it: `printable` shows a character the font
 * lacks as "?" (after swapping the few spaces and signs Intl uses for ones
 * the font has), never as an empty box.
 */

const MARGIN = 48;
const FOOTER_HEIGHT = 28;
const GREY = "#5f6368";
const RULE = "#d0d4d9";
const INK = "#1a1a1a";
const FONT = "DejaVuSans";
const BOLD = "DejaVuSans-Bold";

interface Fonts {
  /** The TrueType files, embedded by PDFKit as subsets. */
  files: Readonly<Record<string, Buffer>>;
  /** Code points both faces can draw. */
  covered: ReadonlySet<number>;
}

let fonts: Fonts | undefined;

/** Read once per process, on the first PDF. */
function loadFonts(): Fonts {
  if (fonts !== undefined) return fonts;
  const regularFile = readFileSync(require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf"));
  const boldFile = readFileSync(require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf"));
  const files = { [FONT]: regularFile, [BOLD]: boldFile };
  const bold = fontkit.create(boldFile);
  const covered = new Set(fontkit.create(regularFile).characterSet.filter((code) => bold.hasGlyphForCodePoint(code)));
  fonts = { files, covered };
  return fonts;
}

const SUBSTITUTES: Readonly<Record<string, string>> = {
  "\u202f": "\u00a0", // narrow no-break space: fr-FR digit groups
  "\u2009": "\u00a0",
  "\u2007": "\u00a0",
  "\u2212": "-", // Intl's minus sign in some locales
  "\u2011": "-",
  "\uffe5": "¥", // ja-JP's full-width yen sign
  "\u200e": "", // bidi marks around currency signs
  "\u200f": "",
  "\u061c": "",
};

function printable(text: string): string {
  const { covered } = loadFonts();
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === "\n" || (code >= 0x20 && covered.has(code))) out += char;
    else {
      const substitute = SUBSTITUTES[char];
      out +=
        substitute !== undefined && [...substitute].every((c) => covered.has(c.codePointAt(0) ?? 0)) ? substitute : "?";
    }
  }
  return out;
}

/** Formats figures and dates in the buyer's locale. */
export class LocaleFormat {
  readonly #quantity: Intl.NumberFormat;
  readonly #percent: Intl.NumberFormat;
  readonly #regions: Intl.DisplayNames;
  /** A calendar day has no time zone; formatting its UTC midnight in UTC prints that same day. */
  readonly #dates: Intl.DateTimeFormat;

  constructor(
    readonly locale: string,
    readonly currency: string,
  ) {
    this.#quantity = new Intl.NumberFormat(locale, { maximumFractionDigits: 20 });
    this.#percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 4 });
    this.#regions = new Intl.DisplayNames([locale], { type: "region" });
    this.#dates = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });
  }

  money(amount: Decimal): string {
    return formatMoney(amount, this.currency, this.locale);
  }

  quantity(amount: Decimal): string {
    return this.#quantity.format(amount.toFixed() as Intl.StringNumericLiteral);
  }

  /** `percentage` is in percent ("19" is 19 %). */
  percent(percentage: Decimal): string {
    return this.#percent.format(percentage.div(100).toFixed() as Intl.StringNumericLiteral);
  }

  date(day: Temporal.PlainDate): string {
    return this.#dates.format(day.toZonedDateTime("UTC").epochMilliseconds);
  }

  country(code: string): string {
    return this.#regions.of(code) ?? code;
  }
}

export interface Column {
  header: string;
  width: number;
  align: "left" | "right";
}

interface Cell {
  text: string;
  /** A smaller grey line under the text (a line's period). */
  detail?: string | undefined;
}

export class PageWriter {
  readonly doc: PDFKit.PDFDocument;
  y = MARGIN;
  #continuation: (() => void) | null = null;

  constructor(title: string, issueDate: Temporal.PlainDate) {
    this.doc = new PDFDocument({
      size: "A4",
      margin: MARGIN,
      bufferPages: true,
      info: {
        Title: printable(title),
        Producer: "Accrue",
        Creator: "Accrue",
        CreationDate: documentCreationDate(issueDate),
      },
    });
    for (const [name, file] of Object.entries(loadFonts().files)) this.doc.registerFont(name, file);
    this.doc.font(FONT).fillColor(INK);
  }

  get left(): number {
    return MARGIN;
  }

  get width(): number {
    return this.doc.page.width - 2 * MARGIN;
  }

  get #bottom(): number {
    return this.doc.page.height - MARGIN - FOOTER_HEIGHT;
  }

  /** Starts a new page when `height` does not fit, then draws what every continuation page starts with. */
  ensureSpace(height: number): void {
    if (this.y + height <= this.#bottom) return;
    this.doc.addPage();
    this.y = MARGIN;
    this.#continuation?.();
  }

  text(
    text: string,
    x: number,
    options: { width: number; size?: number; bold?: boolean; color?: string; align?: "left" | "right" },
  ): number {
    const { doc } = this;
    doc
      .font(options.bold ? BOLD : FONT)
      .fontSize(options.size ?? 9)
      .fillColor(options.color ?? INK);
    const shown = printable(text);
    const height = doc.heightOfString(shown, { width: options.width });
    doc.text(shown, x, this.y, { width: options.width, align: options.align ?? "left", lineGap: 1 });
    return height;
  }

  line(text: string, options: { size?: number; bold?: boolean; color?: string } = {}): void {
    this.y += this.text(text, this.left, { width: this.width, ...options });
  }

  gap(points: number): void {
    this.y += points;
  }

  /** A hairline across the page, or across its right-hand `width` points. */
  rule(width = this.width): void {
    const right = this.left + this.width;
    this.doc
      .moveTo(right - width, this.y)
      .lineTo(right, this.y)
      .lineWidth(0.6)
      .strokeColor(RULE)
      .stroke();
  }

  /** A party block at x: legal name, address lines, tax ids. Returns its height. */
  party(heading: string | null, party: DocumentParty, x: number, width: number, format: LocaleFormat): number {
    const start = this.y;
    if (heading !== null)
      this.y += this.text(heading.toUpperCase(), x, { width, size: 7.5, bold: true, color: GREY }) + 2;
    this.y += this.text(party.legal_name, x, { width, size: heading === null ? 15 : 10.5, bold: true }) + 2;
    const lines = [
      ...addressLines(party.address, format),
      ...party.tax_ids.map((id) => `${taxIdLabel(id.type)} ${id.value}`),
    ];
    for (const text of lines) this.y += this.text(text, x, { width, size: 9, color: GREY });
    const height = this.y - start;
    this.y = start;
    return height;
  }

  /** Label/value rows, right-aligned in a block ending at the right margin. Returns its height. */
  keyValues(
    rows: readonly [string, string][],
    width: number,
    // labelShare: the part of the width for labels; a totals block's labels ("VAT 19 % on …") are the long side.
    options: { size?: number; emphasis?: boolean; labelShare?: number } = {},
  ): number {
    const start = this.y;
    const x = this.left + this.width - width;
    const labelWidth = width * (options.labelShare ?? 0.45);
    for (const [label, value] of rows) {
      const size = options.size ?? 9;
      const labelStyle = options.emphasis ? { bold: true } : { color: GREY };
      const height = Math.max(
        this.text(label, x, { width: labelWidth, size, ...labelStyle }),
        this.text(value, x + labelWidth, { width: width - labelWidth, size, bold: true, align: "right" }),
      );
      this.y += height + 3;
    }
    const height = this.y - start;
    this.y = start;
    return height;
  }

  /** A table whose header is drawn again at the top of every page it continues on, under `continuationTitle`. */
  table(columns: readonly Column[], rows: readonly Cell[][], continuationTitle: string): void {
    this.#continuation = () => {
      this.line(continuationTitle, { size: 9, color: GREY });
      this.gap(8);
      this.#tableHeader(columns);
    };
    this.#tableHeader(columns);
    for (const row of rows) this.#tableRow(columns, row);
    this.#continuation = null;
  }

  #tableHeader(columns: readonly Column[]): void {
    this.doc.rect(this.left, this.y - 4, this.width, 18).fill("#f1f3f4");
    let x = this.left;
    for (const column of columns) {
      this.text(column.header, x + 4, {
        width: column.width - 8,
        size: 8,
        bold: true,
        color: GREY,
        align: column.align,
      });
      x += column.width;
    }
    this.y += 18;
  }

  #tableRow(columns: readonly Column[], row: readonly Cell[]): void {
    const heights = columns.map((column, index) => this.#cellHeight(column, row[index]));
    const height = Math.max(...heights) + 8;
    this.ensureSpace(height);
    let x = this.left;
    columns.forEach((column, index) => {
      const cell = row[index] ?? { text: "" };
      const options = { width: column.width - 8, align: column.align } as const;
      const start = this.y;
      this.text(cell.text, x + 4, { ...options, size: 9 });
      if (cell.detail !== undefined) {
        // Below the text as drawn: wrapped lines sit 1 pt apart, which text()'s height leaves out,
        // so a detail under a two-line description touched its second line.
        this.y += this.doc.heightOfString(printable(cell.text), { width: options.width, lineGap: 1 });
        this.text(cell.detail, x + 4, { ...options, size: 7.5, color: GREY });
      }
      this.y = start;
      x += column.width;
    });
    this.y += height - 4;
    this.rule();
    this.y += 4;
  }

  #cellHeight(column: Column, cell: Cell | undefined): number {
    if (cell === undefined) return 0;
    const width = column.width - 8;
    this.doc.font(FONT).fontSize(9);
    let height = this.doc.heightOfString(printable(cell.text), { width, lineGap: 1 });
    if (cell.detail !== undefined) {
      this.doc.fontSize(7.5);
      height += this.doc.heightOfString(printable(cell.detail), { width, lineGap: 1 });
    }
    return height;
  }

  /** A heading and a paragraph, kept together on one page when it fits. */
  section(heading: string, body: string): void {
    this.doc.font(FONT).fontSize(9);
    this.ensureSpace(this.doc.heightOfString(printable(body), { width: this.width }) + 20);
    this.line(heading.toUpperCase(), { size: 7.5, bold: true, color: GREY });
    this.gap(3);
    this.line(body, { size: 9 });
    this.gap(12);
  }

  /** "Page 1 of 3" and the document's name in every page's footer, then the bytes. */
  async finish(footer: string): Promise<Buffer> {
    const { doc } = this;
    const range = doc.bufferedPageRange();
    for (let index = range.start; index < range.start + range.count; index += 1) {
      doc.switchToPage(index);
      // Writing below the bottom margin would make PDFKit open a page of its own.
      doc.page.margins.bottom = 0;
      const y = doc.page.height - MARGIN;
      doc.font(FONT).fontSize(8).fillColor(GREY);
      doc.text(printable(footer), MARGIN, y, { width: this.width / 2, lineBreak: false });
      doc.text(`Page ${index - range.start + 1} of ${range.count}`, MARGIN + this.width / 2, y, {
        width: this.width / 2,
        align: "right",
        lineBreak: false,
      });
    }
    return collect(doc);
  }
}

function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on("data", (chunk: Buffer) => chunks.push(chunk));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
    doc.end();
  });
}

/** Countries that write "City, Region Postcode"; elsewhere "Postcode City" is the common form. */
const CITY_FIRST = new Set(["US", "CA", "AU"]);

function addressLines(address: Address | null, format: LocaleFormat): string[] {
  if (address === null) return [];
  const place = CITY_FIRST.has(address.country)
    ? [[address.city, address.region].filter(Boolean).join(", "), address.postal_code]
    : [address.postal_code, address.city, address.region];
  return [address.line1, address.line2, place.filter(Boolean).join(" "), format.country(address.country)].filter(
    (line): line is string => line !== null && line !== "",
  );
}

const TAX_ID_LABELS: Readonly<Record<string, string>> = {
  eu_vat: "VAT",
  gb_vat: "VAT",
  us_ein: "EIN",
  ca_bn: "BN",
  au_abn: "ABN",
  in_gst: "GSTIN",
  other: "Tax ID",
};

function taxIdLabel(type: string): string {
  return TAX_ID_LABELS[type] ?? type.toUpperCase().replace("_", " ");
}
