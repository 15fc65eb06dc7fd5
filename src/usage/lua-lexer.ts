/**
 * A Lua 5.4 lexer, token for token as Lua's own (llex.c): names and
 * keywords, numerals (decimal and hexadecimal, with exponents and hex
 * fractions), short strings with their escapes, long strings and long
 * comments with bracket levels, short comments and every operator. The step
 * budget (lua-steps.ts) places its counters by these tokens, so where this
 * lexer and Lua's could disagree (what is code and what is inside a string
 * or comment), this one refuses the source instead of guessing.
 *
 * Positions are offsets into the JavaScript string. Lua reads the same text
 * as UTF-8, where every byte of a non-ASCII character is above 0x7f and so
 * never one of the ASCII characters that start or end a token.
 */

export type TokenKind = "name" | "keyword" | "number" | "string" | "symbol" | "eof";

export interface Token {
  kind: TokenKind;
  /** The token's text as written: the keyword, name or operator; the numeral or string with its quotes. */
  text: string;
  /** Offsets of the token's first character and one past its last. */
  start: number;
  end: number;
  /** The line the token starts on, counted as Lua counts (\n, \r, \r\n and \n\r each end one line). */
  line: number;
}

export class LuaLexError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

const KEYWORDS = new Set([
  "and",
  "break",
  "do",
  "else",
  "elseif",
  "end",
  "false",
  "for",
  "function",
  "goto",
  "if",
  "in",
  "local",
  "nil",
  "not",
  "or",
  "repeat",
  "return",
  "then",
  "true",
  "until",
  "while",
]);

/** Operators, longest first so "..." wins over ".." over ".". */
const SYMBOLS = [
  "...",
  "..",
  "::",
  "<<",
  ">>",
  "//",
  "==",
  "~=",
  "<=",
  ">=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "^",
  "#",
  "&",
  "~",
  "|",
  "<",
  ">",
  "=",
  "(",
  ")",
  "{",
  "}",
  "[",
  "]",
  ";",
  ":",
  ",",
  ".",
];

const DECIMAL_NUMERAL = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX_NUMERAL = /^0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?$/;

const isNewline = (c: string) => c === "\n" || c === "\r";
const isSpace = (c: string) => c === " " || c === "\t" || c === "\v" || c === "\f" || isNewline(c);
const isDigit = (c: string) => c >= "0" && c <= "9";
const isHexDigit = (c: string) => isDigit(c) || (c >= "a" && c <= "f") || (c >= "A" && c <= "F");
const isNameStart = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
const isNameChar = (c: string) => isNameStart(c) || isDigit(c);

class Reader {
  at = 0;
  line = 1;
  constructor(readonly text: string) {}

  peek(ahead = 0): string {
    return this.text.charAt(this.at + ahead);
  }

  get done(): boolean {
    return this.at >= this.text.length;
  }

  /** Steps over one line break: \n, \r, or the pairs \r\n and \n\r. */
  newline(): void {
    const first = this.peek();
    this.at += 1;
    const second = this.peek();
    if (isNewline(second) && second !== first) this.at += 1;
    this.line += 1;
  }

  fail(message: string, line = this.line): never {
    throw new LuaLexError(message, line);
  }

  /** At "[": the level of a long bracket "[==[" (2 + the number of "="), or 0 when it is not one. */
  longBracketLevel(): number {
    let i = 1;
    while (this.peek(i) === "=") i += 1;
    return this.peek(i) === "[" ? i + 1 : 0;
  }

  /** Reads a long string or comment from its opening bracket to the closing one of the same level. */
  longBracket(level: number, what: string): void {
    const line = this.line;
    this.at += level;
    for (;;) {
      if (this.done) this.fail(`unfinished long ${what} (starting at line ${line})`, line);
      const c = this.peek();
      if (c === "]") {
        let i = 1;
        while (this.peek(i) === "=") i += 1;
        if (i === level - 1 && this.peek(i) === "]") {
          this.at += level;
          return;
        }
        this.at += 1;
      } else if (isNewline(c)) {
        this.newline();
      } else {
        this.at += 1;
      }
    }
  }

  /** Reads a quoted string; an escaped line break or \z skips line breaks, a bare one ends it unfinished. */
  shortString(): void {
    const quote = this.peek();
    this.at += 1;
    for (;;) {
      if (this.done) this.fail("unfinished string");
      const c = this.peek();
      if (c === quote) {
        this.at += 1;
        return;
      }
      if (isNewline(c)) this.fail("unfinished string");
      if (c !== "\\") {
        this.at += 1;
        continue;
      }
      this.at += 1;
      if (this.done) this.fail("unfinished string");
      const escaped = this.peek();
      if (isNewline(escaped)) {
        this.newline();
      } else if (escaped === "z") {
        this.at += 1;
        while (!this.done && isSpace(this.peek())) {
          if (isNewline(this.peek())) this.newline();
          else this.at += 1;
        }
      } else {
        // \x, \u{…} and \ddd continue with digits and braces only; the next character is never the quote.
        this.at += 1;
      }
    }
  }

  /** Reads a numeral as Lua does (digits, ".", exponent marks with a sign), then checks its form. */
  numeral(): void {
    const start = this.at;
    let exponent = "Ee";
    if (this.peek() === "0" && (this.peek(1) === "x" || this.peek(1) === "X")) {
      exponent = "Pp";
      this.at += 2;
    }
    for (;;) {
      const c = this.peek();
      if (c !== "" && exponent.includes(c)) {
        this.at += 1;
        if (this.peek() === "+" || this.peek() === "-") this.at += 1;
      } else if (c !== "" && (isHexDigit(c) || c === ".")) {
        this.at += 1;
      } else {
        break;
      }
    }
    if (isNameStart(this.peek())) this.at += 1;
    const text = this.text.slice(start, this.at);
    if (!DECIMAL_NUMERAL.test(text) && !HEX_NUMERAL.test(text)) this.fail(`malformed number near '${text}'`);
  }
}

/** The tokens of a Lua source, ending with one "eof" token; a source Lua could not read fails with the line. */
export function tokenize(source: string): Token[] {
  const reader: Reader = new Reader(source);
  const tokens: Token[] = [];
  for (;;) {
    // Whitespace and comments.
    for (;;) {
      const c = reader.peek();
      if (isNewline(c)) reader.newline();
      else if (isSpace(c)) reader.at += 1;
      else if (c === "-" && reader.peek(1) === "-") {
        reader.at += 2;
        const level = reader.peek() === "[" ? reader.longBracketLevel() : 0;
        if (level >= 2) {
          reader.longBracket(level, "comment");
        } else {
          while (!reader.done && !isNewline(reader.peek())) reader.at += 1;
        }
      } else break;
    }
    const start = reader.at;
    const line = reader.line;
    if (reader.done) {
      tokens.push({ kind: "eof", text: "", start, end: start, line });
      return tokens;
    }
    const c = reader.peek();
    let kind: TokenKind;
    if (isNameStart(c)) {
      while (isNameChar(reader.peek())) reader.at += 1;
      kind = KEYWORDS.has(source.slice(start, reader.at)) ? "keyword" : "name";
    } else if (isDigit(c) || (c === "." && isDigit(reader.peek(1)))) {
      reader.numeral();
      kind = "number";
    } else if (c === '"' || c === "'") {
      reader.shortString();
      kind = "string";
    } else if (c === "[" && reader.longBracketLevel() >= 2) {
      reader.longBracket(reader.longBracketLevel(), "string");
      kind = "string";
    } else if (c === "[" && reader.peek(1) === "=") {
      reader.fail("invalid long string delimiter");
    } else {
      const symbol = SYMBOLS.find((candidate) => source.startsWith(candidate, start));
      if (symbol === undefined) {
        reader.fail(`unexpected symbol near '${c === "" ? "?" : c}'`);
      }
      reader.at += symbol.length;
      kind = "symbol";
    }
    tokens.push({ kind, text: source.slice(start, reader.at), start, end: reader.at, line });
  }
}
