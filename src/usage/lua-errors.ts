import type { ScriptEventErrorCode } from "./errors.js";
import { MEMORY_LIMIT_MESSAGE, STEP_LIMIT_MESSAGE, STRING_LIMIT_MESSAGE } from "./lua-prelude.js";

/** The driver marks a charge returned in a shape the host cannot bill with this byte. */
const INVALID_CHARGE_MARK = "\u0001";
const LIBRARY_LIMIT_PREFIX = `${STEP_LIMIT_MESSAGE}: `;
const STRING_LIMIT_PREFIX = `${STRING_LIMIT_MESSAGE}: `;

export function errorLine(message: string): number | null {
  const match = /^script:(\d+):/.exec(message);
  return match === null ? null : Number(match[1]);
}

/** Classifies a message the driver returned for one call. */
export function classifyError(raw: string): { code: ScriptEventErrorCode; message: string; line: number | null } {
  if (raw === STEP_LIMIT_MESSAGE) {
    // The code predates the step budget and is kept: stored unrated events and API clients know it.
    return {
      code: "script_instruction_limit",
      message: "the script ran past its step budget (loop iterations and function calls)",
      line: null,
    };
  }
  if (raw.startsWith(LIBRARY_LIMIT_PREFIX)) {
    // A library function ran out: "script:LINE: string.rep of 1000000 copies"; or a new
    // string could not pay for itself: "making a string of 70000 characters" (no line is known).
    const detail = raw.slice(LIBRARY_LIMIT_PREFIX.length);
    const line = errorLine(detail);
    return {
      code: "script_instruction_limit",
      message:
        line === null
          ? `the script ran past its step budget ${detail}`
          : `the script ran past its step budget in a library call: ${detail}`,
      line,
    };
  }
  if (raw.startsWith(STRING_LIMIT_PREFIX)) {
    return {
      code: "script_string_limit",
      message: `the script made ${raw.slice(STRING_LIMIT_PREFIX.length)}`,
      line: null,
    };
  }
  if (raw === MEMORY_LIMIT_MESSAGE) {
    return { code: "script_memory_limit", message: "the script ran past its memory cap", line: null };
  }
  if (raw.startsWith(INVALID_CHARGE_MARK)) {
    // A charge refused inside emit() names the script line that emitted it.
    return { code: "script_invalid_charge", message: raw.slice(1), line: errorLine(raw.slice(1)) };
  }
  return { code: "script_runtime_error", message: raw, line: errorLine(raw) };
}
