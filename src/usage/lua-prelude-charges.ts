/**
 * The part of the prelude (lua-prelude.ts) that checks and stores charges:
 * charges a script returns as tables and charges it passes to emit(). It is
 * spliced into the prelude's chunk and uses the prelude's locals.
 *
 * A batch's charges leave Lua as flat lists of numbers, five per charge, in
 * chunks of FLUSH charges: three numbers that each carry integers combined
 * in base 2^21 (event index and code; description, dimensions and flags;
 * quantity text and unit price text, all ids into the batch's string list,
 * 0 for none) and the quantity and unit price as numbers. A chunk is filled
 * in order from 1, so Lua keeps it in the table's array part and the host
 * reads it straight from WebAssembly memory (lua-results.ts).
 *
 * emit(code, quantity, unit_price, description, dimensions) stores a charge
 * without building a table for it; measured here, the table, the list around
 * it and reading their fields back cost more than the script that makes them.
 */
export const CHARGES_SOURCE = String.raw`
-- One batch's output: chunks of charge numbers, their strings, per-event errors.
local function new_output()
  return { buffer = {}, count = 0, parts = {}, strings = {}, ids = {}, errors = {}, dims1 = {}, dims2 = {},
    event = 0, first = 0 }
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

local SAFE <const> = 9007199254740991

-- The hot path of rating: every charge passes here, so the common case (a
-- known code, float or small integer amounts) costs two math.type calls and
-- five table stores; everything else takes the slow branches.
local function store(out, event_index, index, code, q, p, description, dims, minimum, allow_minimum)
  local ids = out.ids
  local code_id = ids[code]
  if code_id == nil then
    if type(code) ~= "string" or code == "" then return "charge " .. index .. ": code must be a non-empty string" end
    code_id = intern(out, code)
  end
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
  b[n + 3] = qtext + ptext * BASE
  b[n + 4] = q
  b[n + 5] = p
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
-- the batch, numbers that need no text) takes a short path; the rest goes
-- through store().
-- A float that is not finite passes the short path and is refused by the
-- host (lua-charges.ts). (Remembering the batch's numbers in a table, to
-- skip the two math.type calls, saved instructions but no time.)
local function emit_checked(out, code, q, p, description, dims)
  local index = out.count - out.first + 1
  local problem = store(out, out.event, index, code, q, p, description, dims, nil, false)
  if problem ~= nil then error(INVALID .. problem, 0) end
end

local function emit(code, q, p, description, dims)
  local out = emitting
  if out == nil then error("emit can only be called while an event is rated", 2) end
  local ids = out.ids
  local code_id, labels = ids[code], 0
  if description ~= nil then labels = ids[description] end
  if dims ~= nil and labels ~= nil then
    local dims_id = known_dimensions(out, dims)
    labels = dims_id and labels + dims_id * BASE
  end
  local qt, pt = math_type(q), math_type(p)
  if code_id == nil or labels == nil
    or qt ~= "float" and (qt ~= "integer" or q > SAFE or q < -SAFE)
    or pt ~= "float" and (pt ~= "integer" or p > SAFE or p < -SAFE) then
    return emit_checked(out, code, q, p, description, dims)
  end
  local n = out.count
  local b, at = out.buffer, n * FIELDS
  b[at + 1] = out.event * BASE + code_id
  b[at + 2] = labels
  b[at + 3] = 0
  b[at + 4] = q
  b[at + 5] = p
  out.count = n + 1
end

local function finish(out)
  flush(out)
  local parts, charges = out.parts, 0
  for i = 2, #parts, 2 do charges = charges + parts[i] end
  return parts, out.strings, out.errors, charges
end
`;
