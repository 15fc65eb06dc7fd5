import { LUA_OK, type LuaStack } from "./lua-marshal.js";
import { CHARGE_FIELDS } from "./lua-prelude.js";

/**
 * Reads the driver's result chunks (lists of values, lua-prelude-charges.ts)
 * into one Float64Array. A chunk is filled in order from 1, so all of it is
 * in the table's array part: a run of 16-byte TValues (an 8-byte value, then
 * its type tag) in WebAssembly memory, read here directly instead of with
 * two C calls per value. The layout is Lua 5.4's; it is checked once
 * against a known table, and a build where it differs reads through the C
 * API instead.
 *
 * The quantity and unit price are stored as the script gave them, so a
 * value may be other than a float or a small integer. Those are read apart
 * (`exact`): an integer beyond 2^53 as its exact digits, a string as its
 * text, anything else as its Lua type name (`invalid`), for the host to
 * refuse; their number in the array is NaN.
 */

const TABLE_FLAGS = 6;
const TABLE_ALIMIT = 8;
const TABLE_ARRAY = 12;
/** Lua 5.4 flag: alimit is not the real size of the array part. */
const BIT_RAS = 0x80;
const TVALUE_BYTES = 16;
const TAG_OFFSET = 8;
const TAG_FLOAT = 0x13;
const TAG_INTEGER = 0x03;
const TWO_32 = 4294967296;
const LUA_TNUMBER = 3;
const LUA_TSTRING = 4;
const LUA_TYPE_NAMES = ["nil", "boolean", "userdata", "number", "string", "table", "function", "userdata", "thread"];

export interface ChargeValues {
  numbers: Float64Array;
  /** Positions in numbers whose value is text: a string, or an integer too large for a float, in full. */
  exact: Map<number, string>;
  /** Positions whose value is neither a number nor a string, with its Lua type. */
  invalid: Map<number, string>;
}

let layoutKnown: boolean | undefined;

/** An integer from its two 32-bit halves: a number when it is a safe integer, else its digits. */
function integerValue(low: number, high: number): number | string {
  const value = (low >>> 0) + high * TWO_32;
  if (Math.abs(value) <= Number.MAX_SAFE_INTEGER) return value;
  return ((BigInt(high) << 32n) | BigInt(low >>> 0)).toString();
}

/** One value through the C API, the table at index; for values the direct read leaves aside. */
function readCell(stack: LuaStack, index: number, k: number, into: ChargeValues, at: number): void {
  const lua = stack.lua;
  lua._lua_rawgeti(stack.L, index, BigInt(k + 1));
  const type = lua._lua_type(stack.L, -1);
  into.numbers[at] = Number.NaN;
  if (type === LUA_TNUMBER && lua._lua_isinteger(stack.L, -1) === 0) into.numbers[at] = stack.toNumber(-1);
  else if (type === LUA_TNUMBER) {
    const digits = stack.toString(-1);
    if (Number.isSafeInteger(Number(digits))) into.numbers[at] = Number(digits);
    else into.exact.set(at, digits);
  } else if (type === LUA_TSTRING) into.exact.set(at, stack.toString(-1));
  else into.invalid.set(at, LUA_TYPE_NAMES[type] ?? "value");
  stack.setTop(-2);
}

/**
 * Reads `count` values of the table at index straight from memory; returns how many it read through the API
 * instead (neither float nor integer), or -1 when it cannot read the table.
 */
function readDirect(stack: LuaStack, index: number, count: number, into: ChargeValues, at: number): number {
  const lua = stack.lua;
  const table = lua._lua_topointer(stack.L, index);
  const buffer = lua.HEAPU8.buffer;
  const bytes = new Uint8Array(buffer);
  const words = new Uint32Array(buffer);
  if (table === 0 || (bytes[table + TABLE_FLAGS] ?? 0) & BIT_RAS) return -1;
  if ((words[(table + TABLE_ALIMIT) >> 2] ?? 0) < count) return -1;
  const array = words[(table + TABLE_ARRAY) >> 2] ?? 0;
  if (array % 8 !== 0) return -1;
  const doubles = new Float64Array(buffer);
  const ints = new Int32Array(buffer);
  const numbers = into.numbers;
  // Read through the API after the loop: that may allocate, and a grown memory leaves these views behind.
  const apart: number[] = [];
  for (let k = 0; k < count; k++) {
    const cell = array + k * TVALUE_BYTES;
    const tag = bytes[cell + TAG_OFFSET];
    if (tag === TAG_FLOAT) numbers[at + k] = doubles[cell >> 3] as number;
    else if (tag === TAG_INTEGER) {
      const value = integerValue(ints[cell >> 2] as number, ints[(cell >> 2) + 1] as number);
      if (typeof value === "number") numbers[at + k] = value;
      else {
        numbers[at + k] = Number.NaN;
        into.exact.set(at + k, value);
      }
    } else apart.push(k);
  }
  for (const k of apart) readCell(stack, index, k, into, at + k);
  return apart.length;
}

function readThroughApi(stack: LuaStack, index: number, count: number, into: ChargeValues, at: number): void {
  for (let k = 0; k < count; k++) readCell(stack, index, k, into, at + k);
}

/** Whether this Lua build lays tables out as readDirect expects: checked once on a known table. */
export function checkTableLayout(stack: LuaStack): boolean {
  if (layoutKnown !== undefined) return layoutKnown;
  const expected = [1.5, 7, -2.25, 2 ** 40, -3];
  const base = stack.top();
  let ok = false;
  if (
    stack.load(
      `return {${expected.map((n) => (Number.isInteger(n) ? String(n) : n.toFixed(2))).join(", ")}}`,
      "=layout",
    ) === LUA_OK
  ) {
    if (stack.pcall(0, 1) === LUA_OK) {
      const read: ChargeValues = { numbers: new Float64Array(expected.length), exact: new Map(), invalid: new Map() };
      ok = readDirect(stack, -1, expected.length, read, 0) === 0 && expected.every((n, i) => read.numbers[i] === n);
    }
  }
  stack.setTop(base);
  layoutKnown = ok;
  return ok;
}

/** The charge values of the parts list at index (pairs of chunk and charge count), in order. */
export function readChunks(stack: LuaStack, index: number): ChargeValues {
  const lua = stack.lua;
  const length = lua._lua_rawlen(stack.L, index);
  const counts: number[] = [];
  let total = 0;
  for (let i = 2; i <= length; i += 2) {
    lua._lua_rawgeti(stack.L, index, BigInt(i));
    const count = stack.toNumber(-1) * CHARGE_FIELDS;
    stack.setTop(-2);
    counts.push(count);
    total += count;
  }
  const values: ChargeValues = { numbers: new Float64Array(total), exact: new Map(), invalid: new Map() };
  const direct = checkTableLayout(stack);
  let at = 0;
  for (let i = 1; i <= length; i += 2) {
    const count = counts[(i - 1) / 2] as number;
    lua._lua_rawgeti(stack.L, index, BigInt(i));
    if (!direct || readDirect(stack, -1, count, values, at) < 0) readThroughApi(stack, -1, count, values, at);
    stack.setTop(-2);
    at += count;
  }
  return values;
}
