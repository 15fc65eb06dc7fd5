-- Reference charge script for a third-party logistics (3PL) warehouse.
--
-- Turns WMS activity events into charges with the customer's rate card
-- (src/usage/reference/3pl-rate-card.json holds the default values).
-- Quantities and unit prices are passed as they are; Accrue multiplies
-- them in decimal and rounds each line once, so this script never does
-- arithmetic on money.
--
-- Each charge is passed to emit(code, quantity, unit_price, description,
-- dimensions) as it is worked out; returning a list of charge tables gives
-- the same charges, but building the tables costs more than the rating.

-- Globals are read through the sealed global table; a local is read directly.
local emit = emit

-- A rate the card must have: read as `rates.code or missing("code")`, so a
-- missing one stops the event with a clear error and a present one costs no
-- function call.
local function missing(code)
  error("the rate card has no rate " .. code, 2)
end

-- The same for a rate named from the event ("packaging_" .. event.packaging).
local function rate_of(rates, code)
  local value = rates[code]
  if value == nil then error("the rate card has no rate " .. code, 2) end
  return value
end

local rating = {}

-- Receiving: per carton and per pallet received.
rating["inbound.received"] = function(event, rates)
  local cartons, pallets = event.cartons, event.pallets
  if cartons and cartons > 0 then
    emit("receiving_carton", cartons, rates.receiving_carton or missing("receiving_carton"),
      "Receiving, per carton")
  end
  if pallets and pallets > 0 then
    emit("receiving_pallet", pallets, rates.receiving_pallet or missing("receiving_pallet"),
      "Receiving, per pallet")
  end
end

-- Storage: one snapshot per storage type and day, so pallets × the daily rate.
rating["inventory.snapshot"] = function(event, rates)
  local pallets = event.pallets
  if not pallets or pallets == 0 then return end
  local storage_type = event.storage_type
  emit("storage", pallets, rate_of(rates, "storage_pallet_day_" .. storage_type), "Storage, per pallet-day",
    { storage_type = storage_type })
end

-- Pick and pack, packaging, and shipping passed through with a markup.
rating["order.shipped"] = function(event, rates)
  local units = event.units
  emit("pick_first_unit", 1, rates.pick_first_unit or missing("pick_first_unit"), "Pick and pack, first unit")
  if units > 1 then
    emit("pick_additional_unit", units - 1, rates.pick_additional_unit or missing("pick_additional_unit"),
      "Pick and pack, additional units")
  end
  emit("pick_line", event.lines, rates.pick_per_line or missing("pick_per_line"), "Pick and pack, per order line")
  local packaging = event.packaging
  emit("packaging", 1, rate_of(rates, "packaging_" .. packaging), "Packaging", { packaging = packaging })
  local ship_cost = event.ship_cost
  if ship_cost and ship_cost > 0 then
    emit("shipping", 1, ship_cost, "Shipping, carrier charge passed through",
      { carrier = event.carrier, service_level = event.service_level })
    -- The markup is the carrier charge as quantity times the percentage as a
    -- fraction: Accrue multiplies the two in decimal.
    local markup_pct = rates.shipping_markup_pct or missing("shipping_markup_pct")
    emit("shipping_markup", ship_cost, markup_pct / 100, "Shipping markup")
  end
end

rating["return.processed"] = function(event, rates)
  local units = event.units
  if not units or units == 0 then return end
  emit("returns", units, rates.returns_per_unit or missing("returns_per_unit"), "Returns processing, per unit")
end

rating["vas.performed"] = function(event, rates)
  local minutes = event.minutes
  if not minutes or minutes == 0 then return end
  local service = event.service
  emit("vas", minutes, rate_of(rates, "vas_minute_" .. service), "Value-added services, per minute",
    { service = service })
end

rating["project.hours"] = function(event, rates)
  local hours = event.hours
  if not hours or hours == 0 then return end
  local role = event.role
  emit("project_hours", hours, rate_of(rates, "project_hour_" .. role), "Special projects, per hour", { role = role })
end

function charge(event, rates, ctx)
  local rate_event = rating[event.type]
  if rate_event ~= nil then rate_event(event, rates, ctx) end -- other event types carry no charge
end

-- The monthly minimum: Accrue bills max(0, minimum - the period's total).
function finalize(period, rates, ctx)
  local minimum = rates.monthly_minimum
  if minimum == nil then return nil end
  return { code = "monthly_minimum", quantity = 1, unit_price = minimum, minimum = true,
    description = "Monthly minimum, top-up" }
end
