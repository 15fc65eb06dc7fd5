import { RECORD_HEADER_FORMAT } from "./lua-batch.js";

/**
 * The trusted Lua that runs in every charge-script engine before the
 * script: it keeps private references to what the host needs (debug.getinfo
 * for error lines, collectgarbage after a memory error, string.pack for the
 * results), removes everything a script may not reach, and returns the
 * driver functions the host calls. Scripts cannot see these locals: the
 * debug library is gone from the globals by the time a script loads.
 *
 * Results leave Lua as one binary string per batch (string.pack), so the
 * host reads a whole batch's charges with one C call instead of a dozen per
 * charge. A charge is 5 doubles: three that each carry integers combined
 * in base 2^21 (event index and code; description, dimensions and flags;
 * quantity text and unit price text, all ids into the batch's string list,
 * 0 for none) and the quantity and unit price as numbers.
 */
export const CHARGE_RECORD_FORMAT = "<ddddd";
export const CHARGE_RECORD_BYTES = 5 * 8;
/** Ids are combined in base 2^21; a batch may hold fewer distinct strings than that. */
export const CHARGE_ID_BASE = 2 ** 21;
export const CHARGE_FLAG_MINIMUM = 1;

/** Raised by the instruction hook; compared by identity of content in the driver. */
export const INSTRUCTION_LIMIT_MESSAGE = "accrue: instruction limit";
export const MEMORY_LIMIT_MESSAGE = "not enough memory";

export const PRELUDE_SOURCE = String.raw`
local G = _G
local pcall, xpcall, error, type, tostring, next, select = pcall, xpcall, error, type, tostring, next, select
local setmetatable, math_type, tointeger, floor, huge = setmetatable, math.type, math.tointeger, math.floor, math.huge
local pack, rep, find, format = string.pack, string.rep, string.find, string.format
local sort, concat, unpack = table.sort, table.concat, table.unpack
local getinfo = debug.getinfo
local unpack_bytes = string.unpack
local collect = collectgarbage
-- Rating makes many small tables that die within one event: the generational
-- collector handles that kind of garbage with far less work.
collect("generational")

local LIMIT, NOMEM = "${INSTRUCTION_LIMIT_MESSAGE}", "${MEMORY_LIMIT_MESSAGE}"
local FORMAT, MINIMUM = "${CHARGE_RECORD_FORMAT.slice(1)}", ${CHARGE_FLAG_MINIMUM}
-- Marks a charge the script returned in a shape the host cannot bill.
local INVALID = "\1"
local HEADER = "${RECORD_HEADER_FORMAT}"
local FIELDS, FLUSH, MAX_PER_EVENT = 5, 1024, 1000
local BASE, BASE2 = ${CHARGE_ID_BASE}, ${CHARGE_ID_BASE} * ${CHARGE_ID_BASE}

-- [1] changes before every call so the host's hook restarts the count;
-- [2] is set by the hook once the budget is spent, so a script that
-- catches the limit error with pcall is still reported as over it.
local progress = {0, 0}

for _, name in next, {"load", "loadstring", "dofile", "loadfile", "require", "collectgarbage", "print", "warn",
  "setmetatable", "getmetatable", "rawset", "rawget", "rawequal", "rawlen", "debug", "module", "coroutine",
  "io", "os", "package", "utf8"} do
  G[name] = nil
end
G.string.dump = nil

-- A script may catch errors with pcall, but not the instruction limit: once
-- the budget is spent, leaving any protected call raises it again, so it
-- reaches the driver however deeply the script nests pcall in loops.
local function unless_over_budget(ok, ...)
  if progress[2] ~= 0 then error(LIMIT, 0) end
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
  if message == LIMIT or message == NOMEM or find(message, "^script:%d+:") then return message end
  for level = 2, 40 do
    local info = getinfo(level, "Sl")
    if info == nil then break end
    if info.source == "=script" and info.currentline > 0 then
      return "script:" .. info.currentline .. ": " .. message
    end
  end
  return message
end

local function call(fn, a, b, c)
  progress[1] = progress[1] + 1
  progress[2] = 0
  local ok, result = xpcall(fn, with_line, a, b, c)
  if progress[2] ~= 0 then return false, LIMIT end
  if not ok and result == NOMEM then collect("collect") end
  return ok, result
end

-- One batch's output: packed charge records, their strings, per-event errors.
local function new_output()
  return { buffer = {}, count = 0, parts = {}, strings = {}, ids = {}, errors = {}, charges = 0 }
end

local function intern(out, text)
  local id = out.ids[text]
  if id == nil then
    id = #out.strings + 1
    if id >= BASE then error("more than " .. (BASE - 1) .. " distinct strings in one batch; rate smaller batches", 0) end
    out.strings[id] = text
    out.ids[text] = id
  end
  return id
end

local function flush(out)
  if out.count == 0 then return end
  out.parts[#out.parts + 1] = pack("<" .. rep(FORMAT, out.count), unpack(out.buffer, 1, out.count * FIELDS))
  out.count = 0
end

-- A quantity or unit price that is not a plain finite number: decimal text,
-- a huge integer (kept as text so no digit is lost), or a mistake.
local function amount_text(value, name, index)
  local kind = type(value)
  if kind == "string" then return 0 / 0, value end
  if kind == "number" then
    if value ~= value or value == huge or value == -huge then
      return nil, "charge " .. index .. ": " .. name .. " is not a finite number"
    end
    return 0 / 0, tostring(value)
  end
  return nil, "charge " .. index .. ": " .. name .. " must be a number or a decimal string, not " .. kind
end

local function dimension_value(value)
  local kind = type(value)
  if kind == "string" then return value end
  if kind == "number" or kind == "boolean" then return tostring(value) end
  return nil
end

-- Dimensions as one text key, names sorted: "carrier=UPS\30service_level=ground".
local function dimensions_key(dims, index)
  if type(dims) ~= "table" then return nil, "charge " .. index .. ": dimensions must be a table" end
  local first, value = next(dims)
  if first == nil then return nil end
  local invalid = "charge " .. index .. ": dimensions map names to strings or numbers"
  if next(dims, first) == nil then
    -- The usual case, one dimension: no list to build and sort.
    local text = dimension_value(value)
    if type(first) ~= "string" or text == nil then return nil, invalid end
    return first .. "=" .. text
  end
  local keys = {}
  for key, item in next, dims do
    if type(key) ~= "string" or dimension_value(item) == nil then return nil, invalid end
    keys[#keys + 1] = key
  end
  sort(keys)
  for i = 1, #keys do keys[i] = keys[i] .. "=" .. dimension_value(dims[keys[i]]) end
  return concat(keys, "\30")
end

local SAFE = 9007199254740991

-- The hot path of rating: every charge passes here, so the common case (a
-- known code, float or small integer amounts, no dimensions) costs two
-- math.type calls and table stores; everything else takes the slow branches.
local function add_charge(out, event_index, c, index, allow_minimum)
  if type(c) ~= "table" then return "charge " .. index .. " is a " .. type(c) .. ", not a table" end
  local ids = out.ids
  local code = c.code
  local code_id = ids[code]
  if code_id == nil then
    if type(code) ~= "string" or code == "" then return "charge " .. index .. ": code must be a non-empty string" end
    code_id = intern(out, code)
  end
  local q, p = c.quantity, c.unit_price
  local qtext, ptext = 0, 0
  local qt, pt = math_type(q), math_type(p)
  if qt ~= "float" and not (qt == "integer" and q <= SAFE and q >= -SAFE) or q ~= q or q == huge or q == -huge then
    local text
    q, text = amount_text(q, "quantity", index)
    if q == nil then return text end
    qtext = intern(out, text)
  end
  if pt ~= "float" and not (pt == "integer" and p <= SAFE and p >= -SAFE) or p ~= p or p == huge or p == -huge then
    local text
    p, text = amount_text(p, "unit_price", index)
    if p == nil then return text end
    ptext = intern(out, text)
  end
  local description, description_id = c.description, 0
  if description ~= nil then
    description_id = ids[description]
    if description_id == nil then
      if type(description) ~= "string" then return "charge " .. index .. ": description must be a string" end
      description_id = intern(out, description)
    end
  end
  local dims_id, dims = 0, c.dimensions
  if dims ~= nil then
    local key, problem = dimensions_key(dims, index)
    if problem then return problem end
    if key then dims_id = intern(out, key) end
  end
  local flags = 0
  if c.minimum then
    if not allow_minimum then return "charge " .. index .. ": only finalize may return a minimum" end
    flags = MINIMUM
  end
  local b, n = out.buffer, out.count * FIELDS
  b[n + 1] = event_index * BASE + code_id
  b[n + 2] = description_id + dims_id * BASE + flags * BASE2
  b[n + 3] = qtext + ptext * BASE
  b[n + 4] = q
  b[n + 5] = p
  out.count = out.count + 1
  out.charges = out.charges + 1
  return nil
end

-- nil, one charge {code = ...}, or a list of charges.
local function add_result(out, event_index, result, allow_minimum)
  if result == nil then return nil end
  if type(result) ~= "table" then return "charge returned a " .. type(result) .. "; return a table, a list of tables or nil" end
  if result.code ~= nil then return add_charge(out, event_index, result, 1, allow_minimum) end
  local n = #result
  if n > MAX_PER_EVENT then return "charge returned " .. n .. " charges; at most " .. MAX_PER_EVENT .. " per call" end
  local count, charges = out.count, out.charges
  for i = 1, n do
    local problem = add_charge(out, event_index, result[i], i, allow_minimum)
    if problem then
      -- An event is rated whole or not at all: drop the charges it already added.
      out.count, out.charges = count, charges
      return problem
    end
  end
  return nil
end

local function finish(out)
  flush(out)
  return concat(out.parts), out.strings, out.errors, out.charges
end

-- Event decoders, one per record shape (lua-batch.ts generates them).
local decoders = {}
local function add_decoder(chunk, keys, type_name, id)
  decoders[id] = chunk(unpack_bytes, keys, type_name)
end

local function decode_strings(blob, count)
  local strings, at = {}, 1
  for i = 1, count do strings[i], at = unpack_bytes("<s4", blob, at) end
  return strings
end

-- Rates a batch. Events run one after another without a protected call
-- each (a protected call is a trip through JavaScript in this build); when
-- one fails, the error is recorded against it, its partial output is
-- dropped, and the loop resumes at the next event.
local function rate(records, strings_blob, string_count, n, slow, customer, rates, ctx)
  local charge = G.charge
  local out = new_output()
  local errors = out.errors
  local S = decode_strings(strings_blob, string_count)
  rates, ctx = readonly(rates, "rates"), readonly(ctx, "ctx")
  local i, at, mark_count, mark_charges = 0, 1, 0, 0
  local function run()
    while i < n do
      i = i + 1
      mark_count, mark_charges = out.count, out.charges
      local shape, low, high, next_at, fields_at = unpack_bytes(HEADER, records, at)
      -- Past this record before anything can fail, so a failed event is skipped, not retried.
      at = next_at
      local event
      if shape == 0 then event = slow[i] else event = decoders[shape](records, fields_at, S, customer, high * 4294967296 + low) end
      progress[1] = progress[1] + 1
      progress[2] = 0
      local result = charge(event, rates, ctx)
      if progress[2] ~= 0 then error(LIMIT, 0) end
      local problem = add_result(out, i, result, false)
      if problem ~= nil then errors[#errors + 1] = i; errors[#errors + 1] = INVALID .. problem end
      if out.count >= FLUSH then flush(out) end
    end
  end
  while i < n do
    local ok, message = xpcall(run, with_line)
    if not ok then
      if progress[2] ~= 0 then message = LIMIT end
      out.count, out.charges = mark_count, mark_charges
      errors[#errors + 1] = i
      errors[#errors + 1] = message
      if message == NOMEM then collect("collect") end
    end
  end
  return finish(out)
end

local function finalize(period, rates, ctx)
  local out = new_output()
  local fn = G.finalize
  if fn ~= nil then
    local ok, result = call(fn, readonly(period, "period"), readonly(rates, "rates"), readonly(ctx, "ctx"))
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

return { rate = rate, finalize = finalize, seal = seal, make_ctx = make_ctx, progress = progress, add_decoder = add_decoder }
`;
