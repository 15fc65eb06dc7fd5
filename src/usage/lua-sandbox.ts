import { type LuaFactory, LuaLibraries } from "wasmoon";
import { loadLuaFactory, MemoryCap } from "./lua-allocator.js";
import { LUA_REGISTRYINDEX, type LuaModule, LuaStack } from "./lua-marshal.js";
import { INSTRUCTION_LIMIT_MESSAGE, PRELUDE_SOURCE } from "./lua-prelude.js";

/**
 * A sandboxed Lua 5.4 state for one charge script: only the base, string,
 * table and math libraries (no io, os, package, coroutine, utf8; debug only
 * inside the prelude), no way to load code, no clock, no randomness; a memory
 * cap for the whole state and an instruction budget for each call.
 *
 * The budget counts Lua VM instructions, not milliseconds: the count hook
 * fires every HOOK_INTERVAL instructions and the call fails once it has fired
 * more than budget / HOOK_INTERVAL times. The same script on the same event
 * is stopped at the same point on any machine and under any load, so a
 * test case that passes on an analyst's laptop passes in the billing run.
 */

export interface SandboxLimits {
  /** Lua VM instructions one call of charge or finalize may run. */
  instructions_per_call: number;
  /** Bytes the whole Lua state may hold (script, rate card, one batch of events and results). */
  memory_bytes: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  instructions_per_call: 1_000_000,
  memory_bytes: 64 * 1024 * 1024,
};

const HOOK_INTERVAL = 1000;
const LUA_MASKCOUNT = 8;

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

/**
 * The count hook. Progress[1] changes before each call (the prelude bumps
 * it), which restarts the count; past the budget the hook flags progress[2]
 * and raises the limit error, again at every later firing, so catching it
 * with pcall only delays the end.
 */
function installInstructionBudget(stack: LuaStack, progressRef: number, budget: number): () => void {
  const { lua, L } = stack;
  const firingsMax = Math.max(1, Math.ceil(budget / HOOK_INTERVAL));
  const message = stack.cString(INSTRUCTION_LIMIT_MESSAGE);
  let seen = -1;
  let firings = 0;
  const hook = lua.addFunction((state: number) => {
    lua._lua_rawgeti(state, LUA_REGISTRYINDEX, BigInt(progressRef));
    lua._lua_rawgeti(state, -1, 1n);
    const call = lua._lua_tonumberx(state, -1, 0);
    lua._lua_settop(state, -2);
    if (call !== seen) {
      seen = call;
      firings = 0;
    }
    firings += 1;
    if (firings <= firingsMax) {
      lua._lua_settop(state, -2);
      return;
    }
    lua._lua_pushinteger(state, 1n);
    lua._lua_rawseti(state, -2, 2n);
    lua._lua_settop(state, -2);
    lua._lua_pushlstring(state, message.pointer, message.length);
    lua._lua_error(state);
  }, "vii");
  lua._lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_INTERVAL);
  return () => {
    lua._lua_sethook(L, 0, 0, 0);
    lua.removeFunction(hook);
  };
}

function refField(stack: LuaStack, table: number, name: string): number {
  stack.getField(table, name);
  return stack.ref();
}

/** Opens the libraries, runs the prelude, caps memory and installs the budget. */
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
  if (stack.load(PRELUDE_SOURCE, "=accrue") !== 0 || stack.pcall(0, 1) !== 0) {
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
  const progressRef = refField(stack, exports, "progress");
  stack.setTop(0);
  const removeHook = installInstructionBudget(stack, progressRef, limits.instructions_per_call);
  let closed = false;
  return {
    stack,
    driver,
    close() {
      if (closed) return;
      closed = true;
      removeHook();
      stack.release();
      global.close();
      memory.release();
    },
  };
}
