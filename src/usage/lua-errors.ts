import type { ScriptEventErrorCode } from "./errors.js";
import { INSTRUCTION_LIMIT_MESSAGE, MEMORY_LIMIT_MESSAGE } from "./lua-prelude.js";

/** The driver marks a charge returned in a shape the host cannot bill with this byte. */
const INVALID_CHARGE_MARK = "\u0001";

export function errorLine(message: string): number | null {
  const match = /^script:(\d+):/.exec(message);
  return match === null ? null : Number(match[1]);
}

/** Classifies a message the driver returned for one call. */
export function classifyError(raw: string): { code: ScriptEventErrorCode; message: string; line: number | null } {
  if (raw === INSTRUCTION_LIMIT_MESSAGE) {
    return { code: "script_instruction_limit", message: "the script ran past its instruction budget", line: null };
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
