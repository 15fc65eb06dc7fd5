import { LuaLexError, type Token, tokenize } from "./lua-lexer.js";
import { libraryTailCalls, PASS } from "./lua-library-calls.js";

/**
 * The step budget of a charge script: the script counts its own steps.
 *
 * Work without end needs a loop, a call or a jump back, so the host adds a
 * step at each: the start of every loop body (while, numeric and generic
 * for, repeat), the start of every function body, and after every goto
 * label. A step takes one from a counter the prelude refills before each
 * call of charge or finalize (library functions written in C take more,
 * for the work they do: lua-prelude-library.ts; so do new long strings:
 * lua-allocator.ts); below zero it raises the limit error, and
 * again at every later step, so a script that catches it with pcall only
 * meets it again (lua-prelude.ts).
 *
 * Everything is inserted on the line it belongs to, so every error message
 * still names the script's own line. The counter and the function that
 * raises the error are locals of the chunk, named with a prefix scripts may
 * not use, set from the prelude in the text put before the script's first
 * line.
 *
 * A step weighs what the code it starts may do before the next step: one,
 * plus one per comparison operator (==, ~=, <, <=, >, >=) and one per 64
 * tokens in its stretch of code (a loop with its head, a function body, or
 * from a label or a repeat to the end of the enclosing function). Most
 * instructions cost nanoseconds, but a comparison of two long strings reads
 * both (~3 µs for two of the 4,096 characters a call may make), and a loop
 * body can be written thousands of statements long; without the weight, a
 * loop of ten such comparisons, or of 2,000 statements, ran for ~1.5-3 s
 * within its 100,000 steps. The weight is a constant in the inserted text,
 * so it costs nothing when the script runs. Counting a nested stretch again
 * in the one around it only makes the outer step heavier.
 *
 * A label at the end of its block gets no step after it: Lua lets a goto
 * jump forward over local declarations only to such a label, and a
 * statement after it would break that. A jump to it leaves the block at
 * once, so it cannot make a loop without passing another step: to come
 * back, control must enter the block again from outside (a loop body or
 * function body, which count) or jump to an earlier label (which counts,
 * or is itself at the end of an outer block: the same again, one block
 * further out).
 */

/** Names scripts may not use: the counter and the limit function are locals with this prefix. */
export const RESERVED_NAME_PREFIX = "__accrue";

/** The global the prelude offers once, for the script's first line to take its counter from. */
export const STEP_GLOBAL = "__accrue_take";

const COUNTER = "__accrue_steps";
const OVER = "__accrue_over";

/** A step of a weight; no line break, no local outside its own block, starts with a keyword (never read as a call). */
const weightedStep = (weight: number) =>
  `do local s = ${COUNTER} - ${weight} ${COUNTER} = s if s < 0 then ${OVER}() end end`;

/** A step of weight one. */
export const STEP = weightedStep(1);

const COMPARISONS = new Set(["==", "~=", "<", "<=", ">", ">="]);
/** Tokens of code a step pays for beyond the first (see the weight above). */
const TOKENS_PER_STEP = 64;

/**
 * Before the first line: the counter and the limit function, from the prelude. The prelude gets two
 * functions of the counter: one refills it, the other takes steps from it for work done in the C
 * library and returns what is left (lua-prelude-library.ts).
 */
export const STEP_PREFIX = `local ${COUNTER}, ${OVER}; ${COUNTER}, ${OVER} = ${STEP_GLOBAL}(function(n) ${COUNTER} = n end, function(k) local s = ${COUNTER} - k ${COUNTER} = s return s end); local function ${PASS}(...) return ... end;`;

export class ScriptSourceError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(`script:${line}: ${message}`);
    this.line = line;
  }
}

type Open = "function" | "loop head" | "loop" | "block" | "if" | "repeat";

/** Tokens Lua reads as the end of a block for a label (block_follow without until in lparser.c). */
const BLOCK_END = new Set(["else", "elseif", "end"]);

const isLabelAt = (tokens: readonly Token[], i: number) =>
  tokens[i]?.text === "::" && tokens[i]?.kind === "symbol" && tokens[i + 1]?.kind === "name";

/** Whether the label starting at tokens[i] is the last statement of its block, as Lua decides it. */
function labelEndsBlock(tokens: readonly Token[], i: number): boolean {
  let at = i + 3;
  for (;;) {
    const token = tokens[at] as Token;
    if (token.kind === "symbol" && token.text === ";") at += 1;
    else if (isLabelAt(tokens, at)) at += 3;
    else return token.kind === "eof" || (token.kind === "keyword" && BLOCK_END.has(token.text));
  }
}

interface Step {
  offset: number;
  /** Token indexes of the stretch of code the step pays for, first and last. */
  from: number;
  to: number;
}

/** Each step's weight: 1, one per comparison, one per TOKENS_PER_STEP tokens of its stretch. */
function weigh(tokens: readonly Token[], steps: readonly Step[]): { offset: number; weight: number }[] {
  const comparisons = [0];
  for (const token of tokens) {
    const before = comparisons[comparisons.length - 1] as number;
    comparisons.push(before + (token.kind === "symbol" && COMPARISONS.has(token.text) ? 1 : 0));
  }
  return steps.map(({ offset, from, to }) => {
    const compared = (comparisons[to + 1] as number) - (comparisons[from] as number);
    return { offset, weight: 1 + compared + Math.floor((to - from + 1) / TOKENS_PER_STEP) };
  });
}

/** Steps in order, with their weights. The source must be one Lua compiles (checked before). */
export function stepOffsets(tokens: readonly Token[]): { offset: number; weight: number }[] {
  const steps: Step[] = [];
  // Per open block: its kind, its first token and the step it starts (-1 for none).
  const open: { kind: Open; from: number; step: number }[] = [];
  // Per function (the chunk first): steps that pay to its end (labels, repeat bodies).
  const toFunctionEnd: number[][] = [[]];
  const addStep = (offset: number, from: number) => steps.push({ offset, from, to: tokens.length - 1 }) - 1;
  const close = (token: Token, at: number, expected: readonly Open[]) => {
    const top = open.pop();
    if (top === undefined || !expected.includes(top.kind)) {
      throw new ScriptSourceError(`'${token.text}' does not close a block here`, token.line);
    }
    if (top.step >= 0 && top.kind !== "repeat") (steps[top.step] as Step).to = at;
    if (top.kind === "function") {
      for (const step of toFunctionEnd.pop() ?? []) (steps[step] as Step).to = at;
    }
  };
  for (const token of tokens) {
    if (token.kind === "name" && token.text.startsWith(RESERVED_NAME_PREFIX)) {
      throw new ScriptSourceError(`names starting with ${RESERVED_NAME_PREFIX} are reserved`, token.line);
    }
  }
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind === "symbol" && token.text === "::") {
      const closing = tokens[i + 2];
      if (tokens[i + 1]?.kind !== "name" || closing?.text !== "::") {
        throw new ScriptSourceError("a label is written ::name::", token.line);
      }
      if (!labelEndsBlock(tokens, i)) toFunctionEnd[toFunctionEnd.length - 1]?.push(addStep(closing.end, i));
      i += 2;
      continue;
    }
    if (token.kind !== "keyword") continue;
    switch (token.text) {
      case "function": {
        // The parameter list holds only names, commas and "...": the body starts after the first ")".
        let at = i + 1;
        while (tokens[at] !== undefined && tokens[at]?.text !== ")" && tokens[at]?.kind !== "eof") at += 1;
        const paren = tokens[at];
        if (paren?.text !== ")") throw new ScriptSourceError("a function without its parameter list", token.line);
        open.push({ kind: "function", from: i, step: addStep(paren.end, i) });
        toFunctionEnd.push([]);
        i = at;
        break;
      }
      case "while":
      case "for":
        open.push({ kind: "loop head", from: i, step: -1 });
        break;
      case "do": {
        const top = open[open.length - 1];
        if (top?.kind === "loop head") {
          top.kind = "loop";
          top.step = addStep(token.end, top.from);
        } else {
          open.push({ kind: "block", from: i, step: -1 });
        }
        break;
      }
      case "repeat": {
        // Its until condition runs each turn too: it pays to the end of the function.
        const step = addStep(token.end, i);
        toFunctionEnd[toFunctionEnd.length - 1]?.push(step);
        open.push({ kind: "repeat", from: i, step });
        break;
      }
      case "if":
        open.push({ kind: "if", from: i, step: -1 });
        break;
      case "until":
        close(token, i, ["repeat"]);
        break;
      case "end":
        close(token, i, ["function", "loop", "block", "if"]);
        break;
      default:
        break;
    }
  }
  if (open.length > 0) throw new ScriptSourceError(`an unclosed ${open[open.length - 1]?.kind}`, 1);
  return weigh(tokens, steps);
}

/**
 * The script with its steps: the prefix before the first line, a weighed step after
 * each offset, library calls in return statements kept off tail calls
 * (lua-library-calls.ts), every line where it was. Fails with the line on a source the
 * lexer cannot read or that uses a reserved name.
 */
export function countSteps(source: string): string {
  let tokens: Token[];
  try {
    tokens = tokenize(source);
  } catch (error) {
    if (error instanceof LuaLexError) throw new ScriptSourceError(error.message, error.line);
    throw error;
  }
  const inserts = stepOffsets(tokens).map(({ offset, weight }) => ({ offset, text: ` ${weightedStep(weight)} ` }));
  for (const call of libraryTailCalls(tokens)) {
    inserts.push({ offset: call.open, text: ` ${PASS}(` }, { offset: call.close, text: ")" });
  }
  inserts.sort((a, b) => a.offset - b.offset);
  const parts = [STEP_PREFIX];
  let from = 0;
  for (const { offset, text } of inserts) {
    parts.push(source.slice(from, offset), text);
    from = offset;
  }
  parts.push(source.slice(from));
  return parts.join("");
}
