import { DomainError } from "../kernel/errors.js";

/**
 * A small RFC 4180 CSV reader for customer imports (no CSV library is
 * installed, and the format is small enough to read exactly): fields split by
 * commas, records by CRLF or LF, fields in double quotes may hold commas,
 * line breaks and doubled quotes (""). A byte-order mark is dropped, and blank
 * lines are skipped (spreadsheets leave them at the end).
 *
 * It is strict where a lenient reader would guess: a quote inside an unquoted
 * field, text after a closing quote, or a quote left open is an error naming
 * the line, because a guessed split moves every later cell into the wrong column.
 */
export interface CsvRecord {
  /** The line the record starts on, counting from 1 (a quoted line break makes a record span lines). */
  line: number;
  fields: string[];
}

function malformed(message: string, line: number): DomainError {
  return new DomainError("csv_malformed", `line ${line}: ${message}`, { details: { line } });
}

class CsvReader {
  readonly records: CsvRecord[] = [];
  #fields: string[] = [];
  #field = "";
  #line = 1;
  #recordLine = 1;
  #position = 0;

  constructor(readonly text: string) {}

  read(): CsvRecord[] {
    while (this.#position < this.text.length) {
      if (this.#field === "" && this.text[this.#position] === '"') this.#readQuoted();
      else this.#readUnquoted();
    }
    if (this.#fields.length > 0 || this.#field !== "") this.#endRecord();
    return this.records;
  }

  /** Reads up to the next comma or line break; a quote here is an error. */
  #readUnquoted(): void {
    const character = this.text[this.#position] ?? "";
    this.#position++;
    if (character === ",") this.#endField();
    else if (character === "\n" || character === "\r") this.#endLine(character);
    else if (character === '"') throw malformed("a quote inside an unquoted field; quote the whole field", this.#line);
    else this.#field += character;
  }

  #readQuoted(): void {
    const startLine = this.#line;
    this.#position++; // the opening quote
    for (;;) {
      if (this.#position >= this.text.length) throw malformed("a quoted field is never closed", startLine);
      const character = this.text[this.#position] ?? "";
      this.#position++;
      if (character === '"') {
        if (this.text[this.#position] === '"') {
          this.#field += '"';
          this.#position++;
          continue;
        }
        break;
      }
      if (character === "\n") this.#line++;
      this.#field += character;
    }
    const next = this.text[this.#position];
    if (next !== undefined && next !== "," && next !== "\n" && next !== "\r") {
      throw malformed('text after a closing quote; a quote inside a field is written twice ("")', this.#line);
    }
    // Mark the field as present even when it is "" so that `"",""` keeps two fields.
    if (next === undefined) this.#endRecord();
    else {
      this.#position++;
      if (next === ",") this.#endField();
      else this.#endLine(next);
    }
  }

  #endField(): void {
    this.#fields.push(this.#field);
    this.#field = "";
  }

  #endLine(character: string): void {
    if (character === "\r" && this.text[this.#position] === "\n") this.#position++;
    this.#endRecord();
    this.#line++;
    this.#recordLine = this.#line;
  }

  #endRecord(): void {
    this.#endField();
    const blank = this.#fields.length === 1 && this.#fields[0] === "";
    if (!blank) this.records.push({ line: this.#recordLine, fields: this.#fields });
    this.#fields = [];
  }
}

export function parseCsv(text: string): CsvRecord[] {
  return new CsvReader(text.startsWith("\uFEFF") ? text.slice(1) : text).read();
}
