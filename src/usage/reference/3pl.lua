-- Reference charge script for a third-party logistics (3PL) warehouse.
--
-- Turns WMS activity events into charges with the customer's rate card
-- (src/usage/reference/3pl-rate-card.json holds the default values).
-- Quantities and unit prices are returned as they are; Accrue multiplies
-- them in decimal and rounds each line once, so this script never does
-- arithmetic on money.

-- A rate the card must have; a missing one stops the event with a clear error.
local function rate(rates, code)
  local value = rates[code]
  if value == nil then error("the rate card has no rate " .. code, 3) end
  return value
end

local function line(code, quantity, unit_price, description, dimensions)
  return { code = code, quantity = quantity, unit_price = unit_price, description = description, dimensions = dimensions }
end

local rating = {}

-- Receiving: per carton and per pallet received.
rating["inbound.received"] = function(event, rates)
  local charges = {}
  if event.cartons and event.cartons > 0 then
    charges[#charges + 1] = line("receiving_carton", event.cartons, rate(rates, "receiving_carton"), "Receiving, per carton")
  end
  if event.pallets and event.pallets > 0 then
    charges[#charges + 1] = line("receiving_pallet", event.pallets, rate(rates, "receiving_pallet"), "Receiving, per pallet")
  end
  return charges
end

-- Storage: one snapshot per storage type and day, so pallets × the daily rate.
rating["inventory.snapshot"] = function(event, rates)
  if not event.pallets or event.pallets == 0 then return nil end
  local storage_type = event.storage_type
  return line("storage", event.pallets, rate(rates, "storage_pallet_day_" .. storage_type),
    "Storage, per pallet-day", { storage_type = storage_type })
end

-- Pick and pack, packaging, and shipping passed through with a markup.
rating["order.shipped"] = function(event, rates)
  local units, lines = event.units, event.lines
  local charges = {
    line("pick_first_unit", 1, rate(rates, "pick_first_unit"), "Pick and pack, first unit"),
  }
  if units > 1 then
    charges[#charges + 1] = line("pick_additional_unit", units - 1, rate(rates, "pick_additional_unit"),
      "Pick and pack, additional units")
  end
  charges[#charges + 1] = line("pick_line", lines, rate(rates, "pick_per_line"), "Pick and pack, per order line")
  charges[#charges + 1] = line("packaging", 1, rate(rates, "packaging_" .. event.packaging), "Packaging",
    { packaging = event.packaging })
  local ship_cost = event.ship_cost
  if ship_cost and ship_cost > 0 then
    charges[#charges + 1] = line("shipping", 1, ship_cost, "Shipping, carrier charge passed through",
      { carrier = event.carrier, service_level = event.service_level })
    -- The markup is the carrier charge as quantity times the percentage as a
    -- fraction: Accrue multiplies the two in decimal.
    charges[#charges + 1] = line("shipping_markup", ship_cost, rate(rates, "shipping_markup_pct") / 100,
      "Shipping markup")
  end
  return charges
end

rating["return.processed"] = function(event, rates)
  if not event.units or event.units == 0 then return nil end
  return line("returns", event.units, rate(rates, "returns_per_unit"), "Returns processing, per unit")
end

rating["vas.performed"] = function(event, rates)
  if not event.minutes or event.minutes == 0 then return nil end
  return line("vas", event.minutes, rate(rates, "vas_minute_" .. event.service), "Value-added services, per minute",
    { service = event.service })
end

rating["project.hours"] = function(event, rates)
  if not event.hours or event.hours == 0 then return nil end
  return line("project_hours", event.hours, rate(rates, "project_hour_" .. event.role), "Special projects, per hour",
    { role = event.role })
end

function charge(event, rates, ctx)
  local rate_event = rating[event.type]
  if rate_event == nil then return nil end -- other event types carry no charge
  return rate_event(event, rates, ctx)
end

-- The monthly minimum: Accrue bills max(0, minimum - the period's total).
function finalize(period, rates, ctx)
  local minimum = rates.monthly_minimum
  if minimum == nil then return nil end
  return { code = "monthly_minimum", quantity = 1, unit_price = minimum, minimum = true,
    description = "Monthly minimum, top-up" }
end
