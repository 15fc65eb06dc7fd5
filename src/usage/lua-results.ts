import { LUA_OK, type LuaStack } from "./lua-marshal.js";
import { CHARGE_FIELDS } from "./lua-prelude.js";

/**
 * Reads the driver's result chunks (lists of numbers, lua-prelude-charges.ts)
 * into one Float64Array. A chunk is filled in order from 1, so all of it is
 * in the table's array part: a run of 16-byte TValues (an 8-byte value, then
 * its type tag) in WebAssembly memory, read here directly instead of with
 * two C calls per number. The layout is Lua 5.4's; it is checked once
 * against a known table, and a build where it differs reads through the C
 * API instead.
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

let layoutKnown: boolean | undefined;

/** Reads `count` numbers of the table at index straight from memory; false when it cannot. */
function readDirect(stack: LuaStack, index: number, count: number, into: Float64Array, at: number): boolean {
  const lua = stack.lua;
  const table = lua._lua_topointer(stack.L, index);
  const buffer = lua.HEAPU8.buffer;
  const bytes = new Uint8Array(buffer);
  const words = new Uint32Array(buffer);
  if (table === 0 || (bytes[table + TABLE_FLAGS] ?? 0) & BIT_RAS) return false;
  if ((words[(table + TABLE_ALIMIT) >> 2] ?? 0) < count) return false;
  const array = words[(table + TABLE_ARRAY) >> 2] ?? 0;
  if (array % 8 !== 0) return false;
  const doubles = new Float64Array(buffer);
  const ints = new Int32Array(buffer);
  for (let k = 0; k < count; k++) {
    const cell = array + k * TVALUE_BYTES;
    const tag = bytes[cell + TAG_OFFSET];
    if (tag === TAG_FLOAT) into[at + k] = doubles[cell >> 3] as number;
    else if (tag === TAG_INTEGER)
      into[at + k] = ((ints[cell >> 2] as number) >>> 0) + (ints[(cell >> 2) + 1] as number) * TWO_32;
    else return false;
  }
  return true;
}

function readThroughApi(stack: LuaStack, index: number, count: number, into: Float64Array, at: number): void {
  for (let k = 0; k < count; k++) {
    stack.lua._lua_rawgeti(stack.L, index, BigInt(k + 1));
    into[at + k] = stack.toNumber(-1);
    stack.setTop(-2);
  }
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
      const read = new Float64Array(expected.length);
      ok = readDirect(stack, -1, expected.length, read, 0) && expected.every((n, i) => read[i] === n);
    }
  }
  stack.setTop(base);
  layoutKnown = ok;
  return ok;
}

/** The charge numbers of the parts list at index (pairs of chunk and charge count), in order. */
export function readChunks(stack: LuaStack, index: number): Float64Array {
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
  const numbers = new Float64Array(total);
  const direct = checkTableLayout(stack);
  let at = 0;
  for (let i = 1; i <= length; i += 2) {
    const count = counts[(i - 1) / 2] as number;
    lua._lua_rawgeti(stack.L, index, BigInt(i));
    if (!direct || !readDirect(stack, -1, count, numbers, at)) readThroughApi(stack, -1, count, numbers, at);
    stack.setTop(-2);
    at += count;
  }
  return numbers;
}
