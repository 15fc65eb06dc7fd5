import { DomainError } from "../kernel/errors.js";
import { classifyError, errorLine } from "./lua-errors.js";
import { LUA_OK, type LuaStack } from "./lua-marshal.js";
import type { Sandbox } from "./lua-sandbox.js";
import { countSteps, ScriptSourceError } from "./lua-steps.js";

/**
 * Loading a charge script into its sandbox: compiled as written (so a
 * syntax error reads as Lua reports it), compiled again with its steps
 * (lua-steps.ts), its main chunk run, and the globals sealed.
 */

function syntaxError(message: string): DomainError {
  return new DomainError("script_syntax_error", message, { param: "source", details: { line: errorLine(message) } });
}

/**
 * Compiles the script as written, so a syntax error reads as Lua reports
 * it, then compiles it again with its step counting (lua-steps.ts).
 */
function compileWithSteps(stack: LuaStack, source: string): void {
  const compiled = stack.load(source, "=script") === LUA_OK;
  const message = compiled ? "" : stack.toString(-1);
  stack.setTop(0);
  if (!compiled) throw syntaxError(message);
  let counted: string;
  try {
    counted = countSteps(source);
  } catch (error) {
    if (error instanceof ScriptSourceError) throw syntaxError(error.message);
    throw error;
  }
  if (stack.load(counted, "=script") !== LUA_OK) {
    const failure = stack.toString(-1);
    stack.setTop(0);
    throw syntaxError(failure);
  }
}

/** Runs the script's main chunk and seals the globals; returns whether finalize is defined. */
export function loadScript(sandbox: Sandbox, source: string): boolean {
  const stack = sandbox.stack;
  compileWithSteps(stack, source);
  if (stack.pcall(0, 0) !== LUA_OK) {
    const error = classifyError(stack.toString(-1));
    stack.setTop(0);
    throw new DomainError("script_load_error", `loading the script failed: ${error.message}`, {
      param: "source",
      details: { line: error.line, reason: error.code },
    });
  }
  stack.pushRef(sandbox.driver.seal);
  if (stack.pcall(0, 2) !== LUA_OK) throw new Error(`sealing the script failed: ${stack.toString(-1)}`);
  const hasCharge = stack.lua._lua_toboolean(stack.L, -2) === 1;
  const finalizeType = stack.toString(-1);
  stack.setTop(0);
  if (!hasCharge) {
    throw new DomainError(
      "script_missing_charge",
      "the script must define a global function charge(event, rates, ctx)",
      {
        param: "source",
      },
    );
  }
  if (finalizeType !== "nil" && finalizeType !== "function") {
    throw new DomainError(
      "script_invalid_finalize",
      `finalize is a ${finalizeType}; define it as a function finalize(period, rates, ctx)`,
      {
        param: "source",
      },
    );
  }
  return finalizeType === "function";
}
