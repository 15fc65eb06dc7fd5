import { LuaFactory } from "wasmoon";
import type { LuaModule } from "./lua-marshal.js";

/**
 * The memory cap of a Lua state, as a Lua allocator written in WebAssembly.
 *
 * wasmoon's own cap (traceAllocations) is a JavaScript allocator: every
 * allocation and every free Lua makes crosses from WebAssembly into
 * JavaScript and back, twice. A charge script allocates a table per charge,
 * so measured here that doubled the cost of a 3PL event. This allocator is
 * the same logic as wasmoon's (refuse to grow past the cap, else realloc)
 * in a 400-byte WebAssembly module that imports the Lua module's memory,
 * realloc and free, so an allocation never leaves WebAssembly.
 *
 * The counters live in the Lua module's memory at `ud`, one cell per Lua
 * state (lua_setallocf's user data): [used, max, step counter, string max]
 * as int32.
 *
 * The allocator also makes long strings pay steps (lua-steps.ts). Every new
 * string longer than Lua's short strings is a fresh allocation (`..`,
 * string.rep, tostring) that Lua then copies bytes into, and comparing or
 * hashing a string reads at most its length. So when the step counter's
 * address is set (a float in a closed upvalue, see lua-sandbox.ts) and the
 * counter is finite (a call of charge or finalize runs), a new string of n
 * characters takes n / 256 steps from it, and one longer than the string
 * max, or one the steps left cannot pay for, is refused: the counter is set
 * to -(2^40 + n) for the prelude to name the limit, and Lua raises "not
 * enough memory" before copying anything. Between calls the prelude sets
 * the counter to +infinity, so the host's and the prelude's own strings
 * neither pay nor meet the cap. Only strings are counted: whether a short
 * string or a table part is allocated can depend on when the collector last
 * ran, while a long string is allocated exactly when the script makes one,
 * so the same call pays the same steps on any machine.
 */

/** Lua's TString header and terminating zero in this 32-bit build: a string of n characters is n + 17 bytes. */
const STRING_HEADER_BYTES = 17;
/** The characters a step pays for when a call makes a long string. */
const STRING_BYTES_PER_STEP = 256;
/** A refused string leaves the counter at -(2^40 + its length). */
export const STRING_REFUSED_BASE = 2 ** 40;
/** Short strings (up to 40 characters) are interned and never pay: a long string object is at least this big. */
const LONG_STRING_OBJECT_MIN = 40 + 1 + STRING_HEADER_BYTES;
const LUA_TSTRING = 4;
const LUA_VNUMFLT = 19;

/** A size as WebAssembly writes it (LEB128). */
function unsignedLeb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return bytes;
}

/** A float as its eight little-endian bytes, for f64.const. */
function f64Bytes(value: number): number[] {
  return Array.from(new Uint8Array(new Float64Array([value]).buffer));
}

/** (ud, ptr, osize, nsize) → ptr: lua_Alloc with a cap, hand-assembled (see the comments for the text form). */
function allocatorModuleBytes(): Uint8Array {
  const name = (text: string) => [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
  const section = (id: number, body: number[]) => [id, ...unsignedLeb(body.length), ...body];
  const types = [3, 0x60, 2, 0x7f, 0x7f, 1, 0x7f, 0x60, 1, 0x7f, 0, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f];
  const imports = [
    3,
    ...name("env"),
    ...name("memory"),
    2,
    0,
    0, // memory, no limits asked
    ...name("env"),
    ...name("realloc"),
    0,
    0, // func (i32 i32) -> i32
    ...name("env"),
    ...name("free"),
    0,
    1, // func (i32)
  ];
  // biome-ignore format: one instruction per line reads like the text form
  const code = [
    2, 3, 0x7f, 2, 0x7c, // locals: delta, result, counter address (i32); counter, rest (f64)
    0x20, 3, 0x45, 0x04, 0x40, // if nsize == 0
    0x20, 1, 0x04, 0x40, //   if ptr
    0x20, 0, 0x20, 0, 0x28, 2, 0, 0x20, 2, 0x6b, 0x36, 2, 0, //     used -= osize
    0x20, 1, 0x10, 1, //     free(ptr)
    0x0b, 0x41, 0, 0x0f, 0x0b, //   end; return 0; end
    0x20, 3, 0x20, 2, 0x6b, 0x20, 3, 0x20, 1, 0x1b, 0x21, 4, // delta = ptr ? nsize - osize : nsize
    0x20, 4, 0x41, 0, 0x4a, 0x04, 0x40, // if delta > 0
    0x20, 0, 0x28, 2, 0, 0x20, 4, 0x6a, 0x20, 0, 0x28, 2, 4, 0x4a, //   used + delta > max
    0x04, 0x40, 0x41, 0, 0x0f, 0x0b, 0x0b, //   then return 0
    ...stringSteps(),
    0x20, 1, 0x20, 3, 0x10, 0, 0x22, 5, // result = realloc(ptr, nsize)
    0x04, 0x40, 0x20, 0, 0x20, 0, 0x28, 2, 0, 0x20, 4, 0x6a, 0x36, 2, 0, 0x0b, // if result: used += delta
    0x20, 5, 0x0b, // return result
  ];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, [1, 2]),
    ...section(7, [1, ...name("alloc"), 0, 2]),
    ...section(10, [1, ...unsignedLeb(code.length), ...code]),
  ]);
}

/** The string check, between the memory cap and realloc (locals: 6 counter address, 7 counter, 8 rest). */
function stringSteps(): number[] {
  const length = [0x20, 3, 0x41, STRING_HEADER_BYTES, 0x6b, 0xb8]; // f64(nsize - 17)
  // biome-ignore format: one instruction per line reads like the text form
  return [
    0x20, 1, 0x45, 0x20, 2, 0x41, LUA_TSTRING, 0x46, 0x71, // ptr == 0 && osize == LUA_TSTRING (a new string)
    0x20, 3, 0x41, LONG_STRING_OBJECT_MIN, 0x4f, 0x71, 0x04, 0x40, // && nsize >= a long string's: if
    0x20, 0, 0x28, 2, 8, 0x22, 6, 0x04, 0x40, //   if (counter address = ud[2])
    0x20, 6, 0x2d, 0, 8, 0x41, LUA_VNUMFLT, 0x46, //     its tag is a float
    0x20, 6, 0x2b, 3, 0, 0x22, 7, 0x44, ...f64Bytes(Number.POSITIVE_INFINITY), 0x63, //     counter < +inf
    0x71, 0x04, 0x40, //     if both (a call runs)
    0x20, 7, 0x44, ...f64Bytes(0), 0x63, 0x04, 0x40, 0x41, 0, 0x0f, 0x0b, //       counter < 0: refused already, return 0
    0x20, 7, ...length, 0x44, ...f64Bytes(STRING_BYTES_PER_STEP), 0xa3, 0xa1, 0x21, 8, //       rest = counter - length / 256
    0x20, 3, 0x20, 0, 0x28, 2, 12, 0x4b, //       nsize > string max (in bytes)
    0x20, 8, 0x44, ...f64Bytes(0), 0x63, 0x72, 0x04, 0x40, //       || rest < 0: refuse
    0x20, 6, 0x44, ...f64Bytes(-STRING_REFUSED_BASE), ...length, 0xa1, 0x39, 3, 0, //         counter = -2^40 - length
    0x41, 0, 0x0f, 0x0b, //         return 0
    0x20, 6, 0x20, 8, 0x39, 3, 0, //       counter = rest
    0x0b, 0x0b, 0x0b, // end end end
  ];
}

interface LuaExports {
  memory: WebAssembly.Memory;
  realloc: (pointer: number, size: number) => number;
  free: (pointer: number) => void;
}

/**
 * Loads the Lua module while watching WebAssembly.instantiate for its
 * exports: the glue keeps them private, and the allocator must call the
 * module's own realloc and free to share its heap.
 */
export async function loadLuaFactory(): Promise<{
  factory: LuaFactory;
  allocator: number;
  direct: Partial<LuaModule>;
}> {
  const original = { instantiate: WebAssembly.instantiate, streaming: WebAssembly.instantiateStreaming };
  let exports: LuaExports | undefined;
  const capture = (result: WebAssembly.WebAssemblyInstantiatedSource | WebAssembly.Instance) => {
    const instance = "instance" in result ? result.instance : result;
    const candidate = instance.exports as unknown as Partial<LuaExports> & { lua_newstate?: unknown };
    if (candidate.lua_newstate !== undefined) exports = candidate as LuaExports;
    return result;
  };
  // biome-ignore lint/suspicious/noExplicitAny: patched for the duration of the module load only
  const patched = WebAssembly as any;
  patched.instantiate = (...args: unknown[]) =>
    (original.instantiate as (...a: unknown[]) => Promise<never>)(...args).then(capture);
  patched.instantiateStreaming = (...args: unknown[]) =>
    (original.streaming as (...a: unknown[]) => Promise<never>)(...args).then(capture);
  const factory = new LuaFactory();
  let module: LuaModule;
  try {
    module = (await factory.getLuaModule()).module as unknown as LuaModule;
  } finally {
    patched.instantiate = original.instantiate;
    patched.instantiateStreaming = original.streaming;
  }
  if (exports === undefined) throw new Error("could not reach the Lua WebAssembly exports for the allocator");
  const { instance } = (await WebAssembly.instantiate(allocatorModuleBytes(), {
    env: { memory: exports.memory, realloc: exports.realloc, free: exports.free },
  })) as unknown as WebAssembly.WebAssemblyInstantiatedSource;
  const alloc = instance.exports.alloc as (...args: number[]) => number;
  return { factory, allocator: module.addFunction(alloc, "iiiii"), direct: directCalls(exports) };
}

/**
 * The glue's `_lua_*` functions wrap each export in a closure that checks the
 * runtime and forwards `arguments` with apply: about half the cost of a push
 * from JavaScript, measured here. The marshalling calls the exports directly.
 */
function directCalls(exports: LuaExports): Partial<LuaModule> {
  const direct: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(exports as unknown as Record<string, unknown>)) {
    if (typeof value === "function" && (name.startsWith("lua_") || name.startsWith("luaL_")))
      direct[`_${name}`] = value;
  }
  return direct as Partial<LuaModule>;
}

/** The [used, max, step counter, string max] cell of one Lua state. */
export class MemoryCap {
  private readonly lua: LuaModule;
  readonly cell: number;

  constructor(lua: LuaModule, maxBytes: number, stringMaxCharacters: number) {
    this.lua = lua;
    this.cell = lua._malloc(16);
    const view = this.view();
    view[0] = 0;
    view[1] = Math.min(maxBytes, 0x7fffffff);
    view[2] = 0;
    view[3] = Math.min(stringMaxCharacters + STRING_HEADER_BYTES, 0x7fffffff);
  }

  private view(): Int32Array {
    return new Int32Array(this.lua.HEAPU8.buffer, this.cell, 4);
  }

  used(): number {
    return this.view()[0] ?? 0;
  }

  /** New long strings pay steps from the float at this address from now on; it is +infinity until a call refills it. */
  watchStepCounter(address: number): void {
    new Float64Array(this.lua.HEAPU8.buffer, address, 1)[0] = Number.POSITIVE_INFINITY;
    this.view()[2] = address;
  }

  release(): void {
    this.lua._free(this.cell);
  }
}
