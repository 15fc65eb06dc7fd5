import type { Token } from "./lua-lexer.js";

/**
 * Keeps the script line in errors raised by library functions called as
 * `return string.format(...)`.
 *
 * The prelude replaces string.rep, string.format, table.concat and the
 * other library functions that can do much work in C with Lua functions
 * that first pay steps for it (lua-prelude-library.ts). Lua turns
 * `return f(...)` into a tail call, and a tail call to a Lua function takes
 * the caller's place on the stack: an error inside the library function
 * (a bad argument, the step limit) would no longer find the script line
 * that called it. So where a script returns the result of a call to one of
 * those names, the call is passed through a function that returns what it
 * is given: `return __accrue_pass(string.format(...))`. The library
 * function is then called as before, from the script's frame, with every
 * result kept. Only calls named like a wrapped function are changed, so
 * the script's own tail calls stay tail calls.
 */

/** The function the prefix defines; returns its arguments. */
export const PASS = "__accrue_pass";

/** Names of the functions the prelude wraps (lua-prelude-library.ts). */
const WRAPPED = new Set([
  "find",
  "match",
  "gmatch",
  "gsub",
  "rep",
  "byte",
  "char",
  "sub",
  "upper",
  "lower",
  "reverse",
  "format",
  "pack",
  "unpack",
  "tonumber",
  "concat",
  "move",
  "sort",
  "insert",
  "remove",
]);

const OPENING: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
const STATEMENT_END = new Set(["end", "else", "elseif", "until"]);

const isSymbol = (token: Token | undefined, text: string) => token?.kind === "symbol" && token.text === text;

/** The index after the bracket that closes the one at tokens[at]. */
function skipBracketed(tokens: readonly Token[], at: number): number {
  let depth = 0;
  for (let i = at; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind === "eof") return i;
    if (token.kind !== "symbol") continue;
    if (OPENING[token.text] !== undefined) depth += 1;
    else if (token.text === ")" || token.text === "]" || token.text === "}") depth -= 1;
    if (depth === 0) return i + 1;
  }
  return tokens.length - 1;
}

/**
 * The call after tokens[at] when it is the whole returned expression (a
 * name or parenthesized expression with its suffixes, the last a call):
 * the name it calls (null when not a plain name) and the index after it.
 */
function returnedCall(tokens: readonly Token[], at: number): { callee: string | null; end: number } | null {
  let callee: string | null = null;
  let called: string | null | undefined;
  const first = tokens[at];
  if (first?.kind === "name") {
    callee = first.text;
    at += 1;
  } else if (isSymbol(first, "(")) {
    at = skipBracketed(tokens, at);
  } else {
    return null;
  }
  for (;;) {
    const token = tokens[at] as Token;
    const next = tokens[at + 1];
    if ((isSymbol(token, ".") || isSymbol(token, ":")) && next?.kind === "name") {
      callee = next.text;
      called = undefined;
      at += 2;
    } else if (isSymbol(token, "[")) {
      callee = null;
      called = undefined;
      at = skipBracketed(tokens, at);
    } else if (isSymbol(token, "(") || isSymbol(token, "{") || token.kind === "string") {
      called = callee;
      callee = null;
      at = token.kind === "string" ? at + 1 : skipBracketed(tokens, at);
    } else {
      break;
    }
  }
  const after = tokens[at] as Token;
  const ends =
    after.kind === "eof" || isSymbol(after, ";") || (after.kind === "keyword" && STATEMENT_END.has(after.text));
  return ends && called !== undefined ? { callee: called, end: at } : null;
}

/** Where `return <call of a wrapped name>` is: the offsets after `return` and after the call. */
export function libraryTailCalls(tokens: readonly Token[]): { open: number; close: number }[] {
  const found: { open: number; close: number }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind !== "keyword" || token.text !== "return") continue;
    const call = returnedCall(tokens, i + 1);
    if (call === null || call.callee === null || !WRAPPED.has(call.callee)) continue;
    found.push({ open: token.end, close: (tokens[call.end - 1] as Token).end });
  }
  return found;
}
