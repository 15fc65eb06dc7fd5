/**
 * The part of the prelude (lua-prelude.ts) that checks and stores charges:
 * charges a script returns as tables and charges it passes to emit(). It is
 * spliced into the prelude's chunk and uses the prelude's locals.
 *
 * A batch's charges leave Lua as flat lists of values, four per charge, in
 * chunks of FLUSH charges: two numbers that each carry integers combined
 * in base 2^21 (event index and code; description, dimensions and flags,
 * ids into the batch's string list, 0 for none), then the quantity and the
 * unit price as the script gave them (a number or decimal text). A chunk is
 * filled in order from 1, so Lua keeps it in the table's array part and the
 * host reads it straight from WebAssembly memory (lua-results.ts), where it
 * sees each value's type.
 *
 * emit(code, quantity, unit_price, description, dimensions) stores a charge
 * without building a table for it; measured here, the table, the list around
 * it and reading their fields back cost more than the script that makes them.
 * It checks only what the host cannot: that the code, description and
 * dimensions are ones the batch has seen. The quantity and unit price are
 * stored unchecked and checked by the host, which sees their types; when one
 * is not a number or text, the host rates that event again alone in strict
 * mode, where emit checks everything itself and names the script line, so
 * the event fails with the same error and line as if emit had checked.
 */
export const CHARGES_SOURCE = String.raw`
-- One batch's output: chunks of charge values, their strings, per-event errors.
-- emit looks strings up in known: the same table as ids, or in strict mode
-- one that stays empty, so that every emit takes the checked path.
local function new_output(strict)
  local ids = {}
  return { buffer = {}, count = 0, parts = {}, strings = {}, ids = ids, known = strict and {} or ids, errors = {},
    dims1 = {}, dims2 = {}, event = 0, first = 0 }
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

-- A chunk is handed over whole; the next charges go to a new one.
local function flush(out)
  if out.count == 0 then return end
  local parts = out.parts
  parts[#parts + 1] = out.buffer
  parts[#parts + 1] = out.count
  out.buffer, out.count = {}, 0
end

-- What is wrong with a quantity or unit price that is not a finite float:
-- nil for decimal text (the host reads it) and integers (the host reads
-- every digit), else the problem.
local function amount_problem(value, name, index)
  local kind = type(value)
  if kind == "string" then return nil end
  if kind == "number" then
    if value ~= value or value == huge or value == -huge then
      return "charge " .. index .. ": " .. name .. " is not a finite number"
    end
    return nil
  end
  return "charge " .. index .. ": " .. name .. " must be a number or a decimal string, not " .. kind
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

-- dims2[name][other name][value][other value] = id, under both orders of the names.
local function remember2(dims2, k1, k2, v1, v2, id)
  local names = dims2[k1]
  if names == nil then names = {}; dims2[k1] = names end
  local key = names[k2]
  if key == nil then key = {}; names[k2] = key end
  local by_first = key[v1]
  if by_first == nil then by_first = {}; key[v1] = by_first end
  by_first[v2] = id
end

-- The id of a dimensions table seen before in this batch with one or two
-- text values (the usual case), by lookups only: the caches hold only
-- string names and values, so a hit needs no type checks. Nil otherwise.
local function known_dimensions(out, dims)
  if type(dims) ~= "table" then return nil end
  local k1, v1 = next(dims)
  if k1 == nil then return 0 end
  local k2, v2 = next(dims, k1)
  if k2 == nil then
    local by_value = out.dims1[k1]
    return by_value and by_value[v1]
  end
  if next(dims, k2) ~= nil then return nil end
  local names = out.dims2[k1]
  local key = names and names[k2]
  local by_first = key and key[v1]
  return by_first and by_first[v2]
end

-- The id of a dimensions table, remembered for known_dimensions; anything
-- but one or two text values builds the key text.
local function dimensions_id(out, dims, index)
  if type(dims) == "table" then
    local k1, v1 = next(dims)
    if k1 == nil then return 0 end
    local k2, v2 = next(dims, k1)
    if type(k1) == "string" and type(v1) == "string" then
      if k2 == nil then
        local by_value = out.dims1[k1]
        if by_value == nil then by_value = {}; out.dims1[k1] = by_value end
        local id = intern(out, k1 .. "=" .. v1)
        by_value[v1] = id
        return id
      end
      if type(k2) == "string" and type(v2) == "string" and next(dims, k2) == nil then
        if k2 < k1 then k1, v1, k2, v2 = k2, v2, k1, v1 end
        local id = intern(out, k1 .. "=" .. v1 .. "\30" .. k2 .. "=" .. v2)
        remember2(out.dims2, k1, k2, v1, v2, id)
        remember2(out.dims2, k2, k1, v2, v1, id)
        return id
      end
    end
  end
  local key, problem = dimensions_key(dims, index)
  if problem then return nil, problem end
  return key and intern(out, key) or 0
end

-- Every charge a script returns as a table passes here, and every charge
-- emit could not store on its short path: the common case (a known code,
-- float amounts) costs two math.type calls and four table stores.
local function store(out, event_index, index, code, q, p, description, dims, minimum, allow_minimum)
  local ids = out.ids
  local code_id = ids[code]
  if code_id == nil then
    if type(code) ~= "string" or code == "" then return "charge " .. index .. ": code must be a non-empty string" end
    code_id = intern(out, code)
  end
  if math_type(q) ~= "float" or q ~= q or q == huge or q == -huge then
    local problem = amount_problem(q, "quantity", index)
    if problem then return problem end
  end
  if math_type(p) ~= "float" or p ~= p or p == huge or p == -huge then
    local problem = amount_problem(p, "unit_price", index)
    if problem then return problem end
  end
  local description_id = 0
  if description ~= nil then
    description_id = ids[description]
    if description_id == nil then
      if type(description) ~= "string" then return "charge " .. index .. ": description must be a string" end
      description_id = intern(out, description)
    end
  end
  local dims_id = 0
  if dims ~= nil then
    local problem
    dims_id, problem = dimensions_id(out, dims, index)
    if problem then return problem end
  end
  local flags = 0
  if minimum then
    if not allow_minimum then return "charge " .. index .. ": only finalize may return a minimum" end
    flags = MINIMUM
  end
  local b, n = out.buffer, out.count * FIELDS
  b[n + 1] = event_index * BASE + code_id
  b[n + 2] = description_id + dims_id * BASE + flags * BASE2
  b[n + 3] = q
  b[n + 4] = p
  out.count = out.count + 1
  return nil
end

local function add_charge(out, event_index, c, index, allow_minimum)
  if type(c) ~= "table" then return "charge " .. index .. " is a " .. type(c) .. ", not a table" end
  return store(out, event_index, index, c.code, c.quantity, c.unit_price, c.description, c.dimensions, c.minimum,
    allow_minimum)
end

-- nil, one charge {code = ...}, or a list of charges.
local function add_result(out, event_index, result, allow_minimum)
  if result == nil then return nil end
  if type(result) ~= "table" then return "charge returned a " .. type(result) .. "; return a table, a list of tables or nil" end
  if result.code ~= nil then return add_charge(out, event_index, result, 1, allow_minimum) end
  local n = #result
  if n > MAX_PER_EVENT then return "charge returned " .. n .. " charges; at most " .. MAX_PER_EVENT .. " per call" end
  local count = out.count
  for i = 1, n do
    local problem = add_charge(out, event_index, result[i], i, allow_minimum)
    if problem then
      -- An event is rated whole or not at all: drop the charges it already added.
      out.count = count
      return problem
    end
  end
  return nil
end

-- The batch being rated, for emit; nil outside rating.
local emitting = nil

-- emit(code, quantity, unit_price, description, dimensions): one charge of
-- the event being rated, checked like a returned one. A charge that cannot
-- be billed stops the event, with the script line that emitted it.
--
-- Every charge passes here, so the usual charge (strings seen before in
-- the batch) takes a short path that stores the quantity and unit price
-- unchecked: the host checks them (lua-charges.ts). The rest goes through
-- store().
local function emit_checked(out, code, q, p, description, dims)
  local index = out.count - out.first + 1
  local problem = store(out, out.event, index, code, q, p, description, dims, nil, false)
  if problem ~= nil then error(INVALID .. problem, 0) end
end

local function emit(code, q, p, description, dims)
  local out = emitting
  if out == nil then error("emit can only be called while an event is rated", 2) end
  local known = out.known
  local code_id, labels = known[code], 0
  if description ~= nil then labels = known[description] end
  if dims ~= nil and labels ~= nil then
    local dims_id = known_dimensions(out, dims)
    labels = dims_id and labels + dims_id * BASE
  end
  if code_id == nil or labels == nil then return emit_checked(out, code, q, p, description, dims) end
  local n = out.count
  local b, at = out.buffer, n * FIELDS
  b[at + 1] = out.event * BASE + code_id
  b[at + 2] = labels
  b[at + 3] = q
  b[at + 4] = p
  out.count = n + 1
end

local function finish(out)
  flush(out)
  local parts, charges = out.parts, 0
  for i = 2, #parts, 2 do charges = charges + parts[i] end
  return parts, out.strings, out.errors, charges
end
`;
