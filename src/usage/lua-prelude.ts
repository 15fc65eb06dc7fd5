import { STRING_REFUSED_BASE } from "./lua-allocator.js";
import { RECORD_HEADER_FORMAT } from "./lua-batch.js";
import { CHARGES_SOURCE } from "./lua-prelude-charges.js";
import { LIBRARY_SOURCE } from "./lua-prelude-library.js";
import { STEP_GLOBAL } from "./lua-steps.js";

/**
 * The trusted Lua that runs in every charge-script engine before the
 * script: it keeps private references to what the host needs (debug.getinfo
 * for error lines, collectgarbage after a memory error), removes everything
 * a script may not reach, gives scripts emit() (lua-prelude-charges.ts), and
 * returns the driver functions the host calls. Scripts cannot see these
 * locals: the debug library is gone from the globals by the time a script
 * loads.
 *
 * A batch's charges leave Lua as chunks of four values per charge
 * (lua-prelude-charges.ts, read by lua-results.ts).
 *
 * The chunk takes two arguments, the steps one call may take
 * (lua-steps.ts) and the longest string it may make (lua-allocator.ts).
 * The prelude is not counted: each of its loops runs over what it was
 * given (the batch, a table the script built, the globals, the host's time
 * zone offsets), never without end.
 */
/** Values per charge in the result chunks. */
export const CHARGE_FIELDS = 4;
/** Ids are combined in base 2^21; a batch may hold fewer distinct strings than that. */
export const CHARGE_ID_BASE = 2 ** 21;
export const CHARGE_FLAG_MINIMUM = 1;

/**
 * Raised when a call has taken all its steps. A library function that ran out adds ": script:LINE: what it
 * was asked" (lua-prelude-library.ts).
 */
export const STEP_LIMIT_MESSAGE = "accrue: step limit";
export const MEMORY_LIMIT_MESSAGE = "not enough memory";
/** Raised when a call made a string longer than it may; ": a string of N characters, …" follows. */
export const STRING_LIMIT_MESSAGE = "accrue: string limit";

export const PRELUDE_SOURCE = String.raw`
local steps_per_call, string_characters = ...
local G = _G
local pcall, xpcall, error, type, tostring, next, select = pcall, xpcall, error, type, tostring, next, select
local setmetatable, math_type, tointeger, floor, huge = setmetatable, math.type, math.tointeger, math.floor, math.huge
local find, sub = string.find, string.sub
local sort, concat = table.sort, table.concat
local getinfo = debug.getinfo
local unpack_bytes = string.unpack
local collect = collectgarbage
-- Rating makes many small tables that die within one event: the generational
-- collector handles that kind of garbage with far less work.
collect("generational")

local LIMIT <const>, NOMEM <const> = "${STEP_LIMIT_MESSAGE}", "${MEMORY_LIMIT_MESSAGE}"
local STRING_LIMIT <const>, REFUSED <const> = "${STRING_LIMIT_MESSAGE}", ${STRING_REFUSED_BASE}
local MINIMUM <const> = ${CHARGE_FLAG_MINIMUM}
-- Marks a charge the script returned or emitted in a shape the host cannot bill.
local INVALID <const> = "\1"
local HEADER <const> = "${RECORD_HEADER_FORMAT}"
-- Compile-time constants (<const>): no upvalue read where they are used.
local FIELDS <const>, FLUSH <const>, MAX_PER_EVENT <const> = ${CHARGE_FIELDS}, 1024, 1000
local BASE <const>, BASE2 <const> = ${CHARGE_ID_BASE}, ${CHARGE_ID_BASE} * ${CHARGE_ID_BASE}

-- The step budget (lua-steps.ts). The script's first line takes its
-- counter from the global below, once: refill sets that counter before
-- every call, spend takes steps from it for library work. spent holds the
-- limit error once a call has taken all its steps, so a script that catches
-- it with pcall is still reported as over it.
local spent = false
local function over_budget()
  spent = LIMIT
  error(LIMIT, 0)
end
local refill = function(_) end
local spend = function(_) return 1 end
G["${STEP_GLOBAL}"] = function(setter, spender)
  G["${STEP_GLOBAL}"] = nil
  refill, spend = setter, spender
  return steps_per_call, over_budget
end

for _, name in next, {"load", "loadstring", "dofile", "loadfile", "require", "collectgarbage", "print", "warn",
  "setmetatable", "getmetatable", "rawset", "rawget", "rawequal", "rawlen", "debug", "module", "coroutine",
  "io", "os", "package", "utf8"} do
  G[name] = nil
end
G.string.dump = nil

-- The allocator refuses a string longer than a call may make, or one the
-- steps left cannot pay for, by setting the step counter to -(REFUSED + its
-- length) (lua-allocator.ts); Lua then raises "not enough memory". This
-- names the limit it met, or returns nil for a real memory error. The
-- counter is open while the message is made (it is a long string itself)
-- and refused again after.
local function refused()
  local left = spend(0)
  if left > -REFUSED then return nil end
  local length = tointeger(-left - REFUSED)
  refill(huge)
  local message
  if length > string_characters then
    message = STRING_LIMIT .. ": a string of " .. length .. " characters, longer than the "
      .. tointeger(string_characters) .. " a string may hold"
  else
    message = LIMIT .. ": making a string of " .. length .. " characters"
  end
  refill(left)
  return message
end

-- A script may catch errors with pcall, but not the instruction or string
-- limit: once the budget is spent, leaving any protected call raises it
-- again, so it reaches the driver however deeply the script nests pcall in loops.
local function unless_over_budget(ok, ...)
  if spent then error(spent, 0) end
  if not ok and (...) == NOMEM then
    local over = refused()
    if over ~= nil then
      spent = over
      error(over, 0)
    end
  end
  return ok, ...
end
G.pcall = function(fn, ...) return unless_over_budget(pcall(fn, ...)) end
G.xpcall = function(fn, handler, ...) return unless_over_budget(xpcall(fn, handler, ...)) end
G.math.random = nil
G.math.randomseed = nil

local function refuse_change(what)
  return function(_, key)
    error("cannot change " .. what .. "." .. tostring(key) .. ": scripts keep no state between events", 2)
  end
end

-- A read-only view: reads go through to t, writes fail, pairs and # see t.
local function readonly(t, what)
  return setmetatable({}, {
    __index = t,
    __newindex = refuse_change(what),
    __pairs = function() return next, t, nil end,
    __len = function() return #t end,
    __metatable = false,
  })
end

-- After the script has defined its functions and constants, globals and the
-- libraries become read-only, so rating one event cannot change the next.
local function seal()
  G["${STEP_GLOBAL}"] = nil
  local backing = {}
  for key, value in next, G do backing[key] = value end
  for key in next, backing do G[key] = nil end
  for _, lib in next, {"string", "table", "math"} do backing[lib] = readonly(backing[lib], lib) end
  backing._G = G
  setmetatable(G, { __index = backing, __newindex = refuse_change("_G"), __metatable = false })
  return type(backing.charge) == "function", type(backing.finalize)
end

-- Errors raised inside library functions ("bad argument #1 to 'rep'") carry
-- no position; name the script line that called them.
local function with_line(message)
  if type(message) ~= "string" then message = tostring(message) end
  if message == NOMEM or find(message, "^script:%d+:") or find(message, LIMIT, 1, true) == 1
    or find(message, STRING_LIMIT, 1, true) == 1 then
    return message
  end
  -- A charge emit() refused keeps its mark in front, the line after it.
  local mark = ""
  if find(message, "^\1") then mark, message = INVALID, sub(message, 2) end
  for level = 2, 40 do
    local info = getinfo(level, "Sl")
    if info == nil then break end
    if info.source == "=script" and info.currentline > 0 then
      return mark .. "script:" .. info.currentline .. ": " .. message
    end
  end
  return mark .. message
end

-- The driver's handler for an error that left the script: no script code
-- runs after it, so the driver's own strings stop paying from here.
local function on_error(message)
  refill(huge)
  return with_line(message)
end

local function call(fn, a, b, c)
  refill(steps_per_call)
  spent = false
  local ok, result = xpcall(fn, on_error, a, b, c)
  if not ok and not spent and result == NOMEM then result = refused() or NOMEM end
  refill(huge)
  if spent then return false, spent end
  if not ok and result == NOMEM then collect("collect") end
  return ok, result
end

${LIBRARY_SOURCE}

${CHARGES_SOURCE}
G.emit = emit

-- Event decoders, one per record shape (lua-batch.ts generates them).
local decoders = {}
local function add_decoder(chunk, keys, type_name, id)
  decoders[id] = chunk(unpack_bytes, keys, type_name)
end

-- The batch's strings, many per string.unpack call: one call per string was
-- most of the cost of a batch's unique values (order numbers, SKUs).
local STRINGS_AT_ONCE = 64
local STRINGS_FORMAT = "<" .. string.rep("s4", STRINGS_AT_ONCE)
local move = table.move
local function decode_strings(blob, count)
  local strings, at, i = {}, 1, 0
  while count - i >= STRINGS_AT_ONCE do
    local chunk = { unpack_bytes(STRINGS_FORMAT, blob, at) }
    at = chunk[STRINGS_AT_ONCE + 1]
    move(chunk, 1, STRINGS_AT_ONCE, i + 1, strings)
    i = i + STRINGS_AT_ONCE
  end
  while i < count do
    i = i + 1
    strings[i], at = unpack_bytes("<s4", blob, at)
  end
  return strings
end

-- Rates a batch. Events run one after another without a protected call
-- each (a protected call is a trip through JavaScript in this build); when
-- one fails, the error is recorded against it, its partial output is
-- dropped, and the loop resumes at the next event.
-- strict: emit checks every charge itself (lua-prelude-charges.ts).
local function rate(records, strings_blob, string_count, n, slow, customer, rates, ctx, strict)
  local charge, refill = G.charge, refill
  local out = new_output(strict)
  local errors = out.errors
  local S = decode_strings(strings_blob, string_count)
  rates, ctx = readonly(rates, "rates"), readonly(ctx, "ctx")
  local i, at, mark_count = 0, 1, 0
  emitting = out
  local function run()
    while i < n do
      i = i + 1
      mark_count = out.count
      local shape, low, high, next_at, fields_at = unpack_bytes(HEADER, records, at)
      -- Past this record before anything can fail, so a failed event is skipped, not retried.
      at = next_at
      local event
      if shape == 0 then event = slow[i] else event = decoders[shape](records, fields_at, S, customer, high * 4294967296 + low) end
      refill(steps_per_call)
      spent = false
      out.event, out.first = i, mark_count
      local result = charge(event, rates, ctx)
      if spent then error(spent, 0) end
      if out.count - mark_count > MAX_PER_EVENT then
        error(INVALID .. "an event may emit at most " .. MAX_PER_EVENT .. " charges", 0)
      end
      if result ~= nil then
        local problem = add_result(out, i, result, false)
        if problem ~= nil then errors[#errors + 1] = i; errors[#errors + 1] = INVALID .. problem end
      end
      if out.count >= FLUSH then flush(out) end
    end
  end
  while i < n do
    local ok, message = xpcall(run, on_error)
    if not ok then
      if spent then message = spent elseif message == NOMEM then message = refused() or NOMEM end
      refill(huge)
      out.count = mark_count
      errors[#errors + 1] = i
      errors[#errors + 1] = message
      if message == NOMEM then collect("collect") end
    end
  end
  refill(huge)
  emitting = nil
  return finish(out)
end

-- One call a period: emit checks every charge itself there.
local function finalize(period, rates, ctx)
  local out = new_output(true)
  local fn = G.finalize
  if fn ~= nil then
    emitting = out
    local ok, result = call(fn, readonly(period, "period"), readonly(rates, "rates"), readonly(ctx, "ctx"))
    emitting = nil
    if not ok then out.count = 0 end
    if ok then
      result = add_result(out, 0, result, true)
      if result ~= nil then result = INVALID .. result end
    end
    if result ~= nil then out.errors[1] = 0; out.errors[2] = result end
  end
  return finish(out)
end

-- ctx.date(ts): the calendar fields of a Unix time in the customer's time
-- zone, from UTC offsets the host computed for the period (pairs of
-- transition time and offset in seconds, sorted).
local function civil(days)
  days = days + 719468
  local era = (days >= 0 and days or days - 146096) // 146097
  local doe = days - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local day = doy - (153 * mp + 2) // 5 + 1
  local month = mp < 10 and mp + 3 or mp - 9
  return yoe + era * 400 + (month <= 2 and 1 or 0), month, day
end

local function date_helper(offsets)
  return function(ts)
    ts = tointeger(floor(ts))
    if ts == nil then error("ctx.date expects a Unix time in seconds", 2) end
    local offset = offsets[2] or 0
    for i = 3, #offsets, 2 do
      if offsets[i] <= ts then offset = offsets[i + 1] else break end
    end
    local local_seconds = ts + offset
    local days = local_seconds // 86400
    local seconds = local_seconds - days * 86400
    local year, month, day = civil(days)
    return {
      year = year, month = month, day = day,
      weekday = (days + 3) % 7 + 1, -- ISO: 1 Monday … 7 Sunday (1970-01-01 was a Thursday)
      hour = seconds // 3600, minute = seconds % 3600 // 60,
    }
  end
end

local function make_ctx(fields, offsets)
  fields.date = date_helper(offsets)
  return fields
end

-- The function that refills the script's step counter: the host finds the counter through it (lua-sandbox.ts).
local function step_setter() return refill end

return { rate = rate, finalize = finalize, seal = seal, make_ctx = make_ctx, add_decoder = add_decoder,
  step_setter = step_setter }
`;
