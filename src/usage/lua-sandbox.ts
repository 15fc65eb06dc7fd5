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
 * one call of a script function or one pass of a goto label, counted by
 * the script itself (lua-steps.ts). The same script on the same event is
 * stopped at the same point on any machine and under any load, so a test
 * case that passes on an analyst's laptop passes in the billing run. (It
 * used to count VM instructions with a count hook, which made Lua check the
 * hook on every instruction and doubled the cost of each.)
 */

export interface SandboxLimits {
  /** Steps (loop iterations, function calls, goto label passes) one call of charge or finalize may take. */
  steps_per_call: number;
  /** Bytes the whole Lua state may hold (script, rate card, one batch of events and results). */
  memory_bytes: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  steps_per_call: 100_000,
  memory_bytes: 64 * 1024 * 1024,
};

let loading: Promise<{ factory: LuaFactory; allocator: number; direct: Partial<LuaModule> }> | undefined;

/** One WebAssembly module per process; each engine is its own Lua state with its own memory cap. */
function luaFactory() {
  loading ??= loadLuaFactory();
  return loading;
}

export interface Sandbox {
  stack: LuaStack;
  /** Registry refs of the prelude's driver functions. */
  driver: { rate: number; finalize: number; seal: number; makeCtx: number; addDecoder: number };
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
  const memory = new MemoryCap(global.lua.module, limits.memory_bytes);
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
  if (loaded) stack.pushNumber(limits.steps_per_call);
  if (!loaded || stack.pcall(1, 1) !== 0) {
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
  };
  stack.setTop(0);
  let closed = false;
  return {
    stack,
    driver,
    close() {
      if (closed) return;
      closed = true;
      stack.release();
      global.close();
      memory.release();
    },
  };
}
