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
 * in a 150-byte WebAssembly module that imports the Lua module's memory,
 * realloc and free, so an allocation never leaves WebAssembly.
 *
 * The counters live in the Lua module's memory at `ud`: [used, max] as
 * int32, one pair per Lua state (lua_setallocf's user data).
 */

/** (ud, ptr, osize, nsize) → ptr: lua_Alloc with a cap, hand-assembled (see the comments for the text form). */
function allocatorModuleBytes(): Uint8Array {
  const name = (text: string) => [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
  const section = (id: number, body: number[]) => [id, body.length, ...body];
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
    1, 2, 0x7f, // locals: delta, result
    0x20, 3, 0x45, 0x04, 0x40, // if nsize == 0
    0x20, 1, 0x04, 0x40, //   if ptr
    0x20, 0, 0x20, 0, 0x28, 2, 0, 0x20, 2, 0x6b, 0x36, 2, 0, //     used -= osize
    0x20, 1, 0x10, 1, //     free(ptr)
    0x0b, 0x41, 0, 0x0f, 0x0b, //   end; return 0; end
    0x20, 3, 0x20, 2, 0x6b, 0x20, 3, 0x20, 1, 0x1b, 0x21, 4, // delta = ptr ? nsize - osize : nsize
    0x20, 4, 0x41, 0, 0x4a, 0x04, 0x40, // if delta > 0
    0x20, 0, 0x28, 2, 0, 0x20, 4, 0x6a, 0x20, 0, 0x28, 2, 4, 0x4a, //   used + delta > max
    0x04, 0x40, 0x41, 0, 0x0f, 0x0b, 0x0b, //   then return 0
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
    ...section(10, [1, code.length, ...code]),
  ]);
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

/** The [used, max] cell of one Lua state. */
export class MemoryCap {
  private readonly lua: LuaModule;
  readonly cell: number;

  constructor(lua: LuaModule, maxBytes: number) {
    this.lua = lua;
    this.cell = lua._malloc(8);
    const view = new Int32Array(lua.HEAPU8.buffer, this.cell, 2);
    view[0] = 0;
    view[1] = Math.min(maxBytes, 0x7fffffff);
  }

  used(): number {
    return new Int32Array(this.lua.HEAPU8.buffer, this.cell, 2)[0] ?? 0;
  }

  release(): void {
    this.lua._free(this.cell);
  }
}
