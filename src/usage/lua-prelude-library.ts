/**
 * The part of the prelude (lua-prelude.ts) that makes the C library pay
 * steps. A step counts loop iterations and calls of script functions
 * (lua-steps.ts), but string.rep, the pattern functions, table.concat,
 * table.sort and the like run in C and can do a great deal of work inside
 * one step: a 6 MB string.rep in a loop, or a pattern that backtracks over
 * a long subject, would burn seconds without taking any. So each of these
 * is replaced, in the library table itself, by a Lua function that first
 * takes steps for the work the call may do, from the same counter, and then
 * calls the original.
 *
 * The tables are changed in place, so `s:rep(n)` (the string metatable's
 * __index is the string table) reaches the same wrappers as `string.rep`;
 * scripts cannot reach the originals, having no getmetatable, rawget or
 * debug library. The prelude keeps its own references to the originals it
 * uses, taken before this runs.
 *
 * What a call pays (work / 64 steps, rounded down, unless said otherwise):
 * - string.rep: the length of the result;
 * - string.byte, string.char: the number of bytes;
 * - string.sub, upper, lower, reverse, format, pack, tonumber: the length of the text they read or make;
 * - string.unpack: the length of the format and of the data;
 * - string.find, match, gmatch, gsub: a bound on the pattern matcher's work,
 *   (subject length + 1) ^ k × pattern length, where k counts the pattern's
 *   repetitions (*, +, -, %b, back references) that something follows, plus
 *   one unless the pattern is anchored with ^; each ? doubles it. Each
 *   such repetition can make the matcher try every length at every place
 *   it is tried, so this bounds the matcher's backtracking: a pattern like
 *   ".-.-.-.-b" over a long subject is refused before it starts;
 *   string.gsub also pays for the length of its result;
 * - table.concat, table.unpack, table.move: one step per element, and
 *   table.concat also the length of its result / 64;
 * - table.sort: n × log2 n steps for n elements;
 * - table.insert and table.remove at a position: one step per element moved.
 *
 * When the counter falls below zero the call raises the step limit with
 * the function and the script line, and like every step limit it cannot be
 * caught: spent is set, so any pcall that catches it raises it again.
 *
 * It is spliced into the prelude's chunk after with_line and uses the
 * prelude's locals (spent, spend, refill, LIMIT, with_line, G).
 */
export const LIBRARY_SOURCE = `
do
  local S, T = G.string, G.table
  local byte, sub, format, floor, log, huge = S.byte, S.sub, S.format, math.floor, math.log, math.huge
  local WORK_PER_STEP <const> = 64

  -- Takes steps from the script's counter; below zero, the step limit,
  -- naming the function, what it was asked (said only then) and the script line.
  -- The counter is open while the message is made: new strings pay steps from it (lua-allocator.ts).
  local function pay(steps, name, what, a, b)
    if steps >= 1 then
      local left = spend(steps)
      if left < 0 then
        refill(huge)
        spent = LIMIT .. ": " .. with_line(name .. " " .. format(what, a, b))
        refill(left)
        error(spent, 0)
      end
    end
  end

  local function pay_work(work, name, what, a)
    if work >= WORK_PER_STEP then pay(floor(work / WORK_PER_STEP), name, what, a) end
  end

  -- The length of a string argument as the library sees it (a number converts to at most 24 characters).
  local function length(value)
    local kind = type(value)
    if kind == "string" then return #value end
    if kind == "number" then return 24 end
    return 0
  end

  -- Repetitions in a pattern that something follows, the number of ?, and
  -- whether it is anchored. Each repetition may try every length of the
  -- subject at every place the matcher tries it.
  local PERCENT <const>, OPEN_SET <const>, CLOSE_SET <const>, CARET <const> = 37, 91, 93, 94
  local QUANTIFIER = { [42] = true, [43] = true, [45] = true }
  local function set_end(p, i, n)
    -- p[i] is "[": past a leading ^ and a first ], up to the closing ].
    i = i + 1
    if byte(p, i) == CARET then i = i + 1 end
    repeat
      local c = byte(p, i)
      if c == nil then return n + 1 end
      i = i + (c == PERCENT and 2 or 1)
    until byte(p, i) == CLOSE_SET
    return i + 1
  end
  local function repetitions(p)
    local n, i, k, optional, last = #p, 1, 0, 0, 0
    if byte(p, 1) == CARET then i = 2 end
    while i <= n do
      local c, single = byte(p, i), true
      if c == 40 or c == 41 then -- ( and ) are captures
        i, single = i + 1, false
      elseif c == PERCENT then
        local d = byte(p, i + 1)
        if d == 98 then -- %bxy scans to the balancing character
          k, last, i, single = k + 1, i + 4, i + 4, false
        elseif d == 102 then -- %f[set]
          i, single = set_end(p, i + 2, n), false
        else
          if d and d >= 49 and d <= 57 then k, last = k + 1, i + 2 end -- a back reference compares a capture
          i = i + 2
        end
      elseif c == OPEN_SET then
        i = set_end(p, i, n)
      else
        i = i + 1
      end
      if single then
        local q = byte(p, i)
        if QUANTIFIER[q] then
          k, last, i = k + 1, i + 1, i + 1
        elseif q == 63 then
          optional, i = optional + 1, i + 1
        end
      end
    end
    -- A repetition with nothing but closing captures after it never backtracks.
    if last > 0 then
      local j = last
      while byte(p, j) == 41 do j = j + 1 end
      if j > n then k = k - 1 end
    end
    return k, optional, byte(p, 1) == CARET
  end

  local function pay_pattern(name, s, p, plain, anchor_counts)
    local kind = type(p)
    if kind == "number" then plain = true elseif kind ~= "string" then return end
    local n, m = length(s), length(p)
    local work
    if plain then
      work = (n + 1) * m
    else
      -- Reading the pattern is work too, paid before it is read.
      pay_work(m * 16, name, "with a pattern of %d characters", m)
      local k, optional, anchored = repetitions(p)
      if not (anchored and anchor_counts) then k = k + 1 end
      work = (n + 1) ^ k * (m > 0 and m or 1) * 2 ^ optional
    end
    if work >= WORK_PER_STEP then
      pay(work < huge and floor(work / WORK_PER_STEP) or huge, name, "over %d characters with the pattern %q", n,
        m <= 40 and p or sub(p, 1, 40) .. "...")
    end
  end

  local function results(...) return ... end
  -- Pays for the length of what a function returned.
  local function made(name, result)
    pay_work(#result, name, "made %d characters", #result)
    return result
  end

  local find, match, gmatch, gsub = S.find, S.match, S.gmatch, S.gsub
  S.find = function(s, p, init, plain)
    pay_pattern("string.find", s, p, plain, true)
    return results(find(s, p, init, plain))
  end
  S.match = function(s, p, init)
    pay_pattern("string.match", s, p, false, true)
    return results(match(s, p, init))
  end
  S.gmatch = function(s, p, init)
    -- The iterator it returns does the matching: paid here for the whole subject.
    pay_pattern("string.gmatch", s, p, false, false)
    return (gmatch(s, p, init))
  end
  S.gsub = function(s, p, repl, limit)
    pay_pattern("string.gsub", s, p, false, true)
    local result, count = gsub(s, p, repl, limit)
    return made("string.gsub", result), count
  end

  local rep, char = S.rep, S.char
  S.rep = function(s, n, sep)
    if type(n) == "number" and n > 1 then
      pay_work((length(s) + length(sep)) * n, "string.rep", "of %.0f copies", n)
    end
    return (rep(s, n, sep))
  end
  S.byte = function(s, i, j)
    if type(j) == "number" then
      local len = length(s)
      local from = type(i) == "number" and i or 1
      if from < 0 then from = len + from + 1 end
      if j < 0 then j = len + j + 1 end
      if j > len then j = len end
      if from < 1 then from = 1 end
      pay_work(j - from + 1, "string.byte", "of %.0f bytes", j - from + 1)
    end
    return results(byte(s, i, j))
  end
  S.char = function(...)
    pay_work(select("#", ...), "string.char", "of %d bytes", select("#", ...))
    return (char(...))
  end
  local upper, lower, reverse, pack = S.upper, S.lower, S.reverse, S.pack
  S.sub = function(...) return made("string.sub", sub(...)) end
  S.upper = function(...) return made("string.upper", upper(...)) end
  S.lower = function(...) return made("string.lower", lower(...)) end
  S.reverse = function(...) return made("string.reverse", reverse(...)) end
  S.format = function(...) return made("string.format", format(...)) end
  S.pack = function(...) return made("string.pack", pack(...)) end
  local unpack_string = S.unpack
  S.unpack = function(fmt, data, at)
    pay_work(length(fmt) + length(data), "string.unpack", "of %d bytes", length(data))
    return results(unpack_string(fmt, data, at))
  end
  local tonumber = G.tonumber
  G.tonumber = function(value, base)
    if type(value) == "string" then pay_work(#value, "tonumber", "of %d characters", #value) end
    return (tonumber(value, base))
  end

  -- Elements a table function goes over: i..j, j defaulting to #t.
  local function span(t, i, j)
    if type(t) ~= "table" then return 0 end
    i = type(i) == "number" and i or 1
    j = type(j) == "number" and j or #t
    return j - i + 1
  end

  local concat, unpack, move, sort, insert, remove = T.concat, T.unpack, T.move, T.sort, T.insert, T.remove
  T.concat = function(t, sep, i, j)
    pay(span(t, i, j), "table.concat", "of %.0f elements", span(t, i, j))
    return made("table.concat", concat(t, sep, i, j))
  end
  T.unpack = function(t, i, j)
    pay(span(t, i, j), "table.unpack", "of %.0f elements", span(t, i, j))
    return results(unpack(t, i, j))
  end
  T.move = function(a1, f, e, t, a2)
    if type(f) == "number" and type(e) == "number" then pay(e - f + 1, "table.move", "of %.0f elements", e - f + 1) end
    return (move(a1, f, e, t, a2))
  end
  T.sort = function(t, comparator)
    local n = span(t)
    if n > 1 then pay(floor(n * log(n, 2)), "table.sort", "of %d elements", n) end
    sort(t, comparator)
  end
  -- At a position, insert and remove move the elements after it.
  T.insert = function(t, ...)
    if select("#", ...) == 2 and type(t) == "table" and type((...)) == "number" then
      pay(#t - (...) + 1, "table.insert", "moving %.0f elements", #t - (...) + 1)
    end
    insert(t, ...)
  end
  T.remove = function(t, at)
    if type(t) == "table" and type(at) == "number" then pay(#t - at, "table.remove", "moving %.0f elements", #t - at) end
    return (remove(t, at))
  end
end
`;
