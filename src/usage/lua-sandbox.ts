import { type LuaFactory, LuaLibraries } from "wasmoon";
import { loadLuaFactory, MemoryCap } from "./lua-allocator.js";
import { type LuaModule, LuaStack } from "./lua-marshal.js";
import { PRELUDE_SOURCE } from "./lua-prelude.js";

/**
 * A sandboxed Lua 5.4 state for one charge script: only the base, string,
 * table and math libraries (no io, os, package, coroutine, utf8; debug only
 * inside the prelude), no way to load code, no clock, no randomness; a memory
 * cap for the whole state and a step budget for each call.
 *
 * The budget counts steps, not milliseconds: a step is one loop iteration,
 * one call of a script function or one pass of a goto label, weighed by
 * the comparisons and length of the code it starts, counted by the script
 * itself (lua-steps.ts). The same script on the same event is
 * stopped at the same point on any machine and under any load, so a test
 * case that passes on an analyst's laptop passes in the billing run. (It
 * used to count VM instructions with a count hook, which made Lua check the
 * hook on every instruction and doubled the cost of each.)
 *
 * Strings pay too: `..` is a VM instruction, not a library call, and it
 * copies its operands, so a script could double a string to megabytes in
 * twenty steps and copy it once a step after that. Each new long string
 * takes a step per 256 characters, and no call may make a string longer
 * than string_characters (lua-allocator.ts), which also bounds what one
 * comparison (==, <) or table lookup reads.
 */

export interface SandboxLimits {
  /** Steps (loop iterations, function calls, goto label passes) one call of charge or finalize may take. */
  steps_per_call: number;
  /** Bytes the whole Lua state may hold (script, rate card, one batch of events and results). */
  memory_bytes: number;
  /**
   * The longest string a call may make. Comparing two strings with < reads
   * both, ~0.7 µs per KiB measured here, once per comparison: at 4 KiB a
   * step that compares two such strings costs ~3 µs, so a whole budget of
   * them stays under half a second.
   */
  string_characters: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  steps_per_call: 100_000,
  memory_bytes: 64 * 1024 * 1024,
  string_characters: 4096,
};

let loading: Promise<{ factory: LuaFactory; allocator: number; direct: Partial<LuaModule> }> | undefined;

/** One WebAssembly module per process; each engine is its own Lua state with its own memory cap. */
function luaFactory() {
  loading ??= loadLuaFactory();
  return loading;
}

export interface Sandbox {
  stack: LuaStack;
  /** After the script's main chunk ran: its step counter exists, and new long strings start paying from it. */
  watchStepCounter(): void;
  /** Registry refs of the prelude's driver functions. */
  driver: { rate: number; finalize: number; seal: number; makeCtx: number; addDecoder: number; stepSetter: number };
  close(): void;
}

interface WasmoonGlobal {
  address: number;
  lua: { module: LuaModule };
  loadLibrary(library: LuaLibraries): void;
  close(): void;
}

function refField(stack: LuaStack, table: number, name: string): number {
  stack.getField(table, name);
  return stack.ref();
}

/**
 * Where the step counter's float is: the function the script's first line
 * gave the prelude to refill it has the counter as its first upvalue, closed once
 * the main chunk has returned, so its value lives in the UpVal itself, at a
 * fixed place for the state's life (Lua never moves an object). Checked
 * against the layout of Lua 5.4 in this 32-bit build.
 */
function stepCounterAddress(stack: LuaStack, stepSetter: number): number {
  const lua = stack.lua as LuaModule & { _lua_upvalueid(L: number, index: number, n: number): number };
  stack.pushRef(stepSetter);
  if (stack.pcall(0, 1) !== 0) throw new Error(`finding the step counter failed: ${stack.toString(-1)}`);
  const upvalue = lua._lua_upvalueid(stack.L, -1, 1);
  stack.setTop(-2);
  const value = upvalue + 16;
  const heap = lua.HEAPU8;
  const points = new Int32Array(heap.buffer, upvalue + 8, 1)[0];
  if (upvalue === 0 || points !== value || heap[value + 8] !== 19) {
    throw new Error("the step counter is not a closed float upvalue where this Lua build keeps one");
  }
  return value;
}

/** Opens the libraries, caps memory and runs the prelude with the step budget. */
export async function createSandbox(limits: SandboxLimits = DEFAULT_LIMITS): Promise<Sandbox> {
  const { factory, allocator, direct } = await luaFactory();
  const engine = await factory.createEngine({
    openStandardLibs: false,
    injectObjects: false,
    enableProxy: false,
    traceAllocations: false,
  });
  const global = engine.global as unknown as WasmoonGlobal;
  const memory = new MemoryCap(global.lua.module, limits.memory_bytes, limits.string_characters);
  // Before the libraries open, so everything the state holds from here on counts against the cap.
  global.lua.module._lua_setallocf(global.address, allocator, memory.cell);
  for (const library of [
    LuaLibraries.Base,
    LuaLibraries.String,
    LuaLibraries.Table,
    LuaLibraries.Math,
    LuaLibraries.Debug,
  ]) {
    global.loadLibrary(library);
  }
  // The glue module for memory views and helpers, its Lua functions called directly.
  const lua = Object.assign(Object.create(global.lua.module) as LuaModule, direct);
  const stack = new LuaStack(lua, global.address);
  const loaded = stack.load(PRELUDE_SOURCE, "=accrue") === 0;
  if (loaded) {
    // As floats: the allocator takes steps from the counter as a float (lua-allocator.ts).
    stack.lua._lua_pushnumber(stack.L, limits.steps_per_call);
    stack.lua._lua_pushnumber(stack.L, limits.string_characters);
  }
  if (!loaded || stack.pcall(2, 1) !== 0) {
    const message = stack.toString(-1);
    global.close();
    memory.release();
    throw new Error(`the Lua prelude failed: ${message}`);
  }
  const exports = stack.top();
  const driver = {
    rate: refField(stack, exports, "rate"),
    finalize: refField(stack, exports, "finalize"),
    seal: refField(stack, exports, "seal"),
    makeCtx: refField(stack, exports, "make_ctx"),
    addDecoder: refField(stack, exports, "add_decoder"),
    stepSetter: refField(stack, exports, "step_setter"),
  };
  stack.setTop(0);
  let closed = false;
  return {
    stack,
    driver,
    watchStepCounter() {
      memory.watchStepCounter(stepCounterAddress(stack, driver.stepSetter));
    },
    close() {
      if (closed) return;
      closed = true;
      stack.release();
      global.close();
      memory.release();
    },
  };
}
