import { Decimal, roundToMinor } from "../kernel/money.js";
import {
  type ChargeTexts,
  chargeAmount,
  type DecimalText,
  decimalOfNumber,
  decimalOfText,
  numberFigures,
} from "./lua-amounts.js";
import { classifyError } from "./lua-errors.js";
import type { LuaStack } from "./lua-marshal.js";
import { CHARGE_FIELDS, CHARGE_FLAG_MINIMUM, CHARGE_ID_BASE } from "./lua-prelude.js";
import { type ChargeValues, readChunks } from "./lua-results.js";
import type { FinalizeCharge, RatedCharge, RatingEvent, RatingResult, UnratedEvent } from "./lua-types.js";

/**
 * Reads one batch's results off the Lua stack (the driver returned the
 * packed charge records, their string list, the per-event errors and the
 * charge count) and turns each record into a charge with decimal text:
 * quantity and unit price through their shortest decimal form, the amount
 * their exact product, computed on the host (the invoice line rounds).
 *
 * emit() stores quantities and unit prices unchecked (lua-prelude-charges.ts):
 * a float that is not finite and text that is not a decimal are refused
 * here, and an event with a value of any other type is left out and listed
 * in `recheck`, for the engine to rate again in strict mode, where emit
 * reports the error with its script line.
 */

/** Should strict mode not find the error again (it always does: rating keeps no state between events). */
export const WRONG_TYPE_ERROR = {
  code: "script_invalid_charge",
  message: "a charge's quantity or unit price is neither a number nor a decimal string",
  line: null,
} as const;

interface ReadOptions {
  events: readonly RatingEvent[];
  currency: string;
  digits: number;
  /** For finalize: the period's total as invoiced (each line rounded), against which a minimum top-up is measured. */
  period_total?: Decimal;
}

/** A charge without dimensions: one object shared by all of them, frozen so that no reader can change it for the rest. */
const NO_DIMENSIONS: Record<string, string> = Object.freeze({});

function decodeDimensions(key: string | undefined): Record<string, string> {
  if (key === undefined || key === "") return NO_DIMENSIONS;
  const dimensions: Record<string, string> = {};
  for (const pair of key.split("\u001e")) {
    const equals = pair.indexOf("=");
    dimensions[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return Object.freeze(dimensions);
}

class RecordReader {
  private readonly strings: string[];
  private readonly values: ChargeValues;
  /** Decoded dimensions by string id: the charges of a batch with the same dimensions share one frozen object. */
  private readonly dimensions: (Record<string, string> | undefined)[] = [];

  constructor(strings: string[], values: ChargeValues) {
    this.strings = strings;
    this.values = values;
  }

  text(id: number): string | null {
    return id === 0 ? null : (this.strings[id - 1] ?? null);
  }

  dims(id: number): Record<string, string> {
    if (id === 0) return NO_DIMENSIONS;
    let found = this.dimensions[id];
    if (found === undefined) {
      found = decodeDimensions(this.text(id) ?? undefined);
      this.dimensions[id] = found;
    }
    return found;
  }

  /**
   * The number at a position, or the decimal text the script gave instead
   * (or an integer's digits); null when that text is not a decimal or the
   * number is not finite.
   */
  value(at: number): DecimalText | null {
    const number = this.values.numbers[at] as number;
    if (!Number.isNaN(number)) return Number.isFinite(number) ? decimalOfNumber(number) : null;
    const text = this.values.exact.get(at);
    return text === undefined ? null : decimalOfText(text);
  }

  /** Whether the value at a position is neither a number nor text. */
  invalid(at: number): boolean {
    return this.values.invalid.size !== 0 && this.values.invalid.has(at);
  }
}

function minimumTopUp(
  charge: RatedCharge,
  periodTotal: Decimal,
  currency: string,
  digits: number,
): RatedCharge & FinalizeCharge {
  const minimumAmount = roundToMinor(new Decimal(charge.quantity).times(charge.unit_price), currency);
  // The minimum is rounded like any line and the period total is a sum of rounded lines, so the
  // top-up is whole minor units: its own line bills it as it is, and the invoice reaches the minimum.
  const amount = Decimal.max(0, minimumAmount.minus(periodTotal)).toFixed(digits);
  return {
    ...charge,
    quantity: "1",
    unit_price: amount,
    amount,
    minimum: { minimum_amount: minimumAmount.toFixed(digits), period_total: periodTotal.toFixed(digits) },
  };
}

/** The transaction id of the event at a position of the batch ("" for finalize, which has no events). */
function transactionOf(events: readonly RatingEvent[], index: number): string {
  return events[index]?.transaction_id ?? "";
}

export function readCharges(stack: LuaStack, base: number, options: ReadOptions): RatingResult & { recheck: number[] } {
  const values = readChunks(stack, base + 1);
  const numbers = values.numbers;
  const reader = new RecordReader(stack.toStringList(base + 2), values);
  const recheck: number[] = [];
  const errorList = stack.toIndexedMessages(base + 3);
  const unrated: UnratedEvent[] = [];
  const failed = new Set<number>();
  const events = options.events;
  const periodTotal = options.period_total;
  for (const error of errorList) {
    const index = error.index - 1;
    failed.add(index);
    unrated.push({
      transaction_id: transactionOf(events, index),
      event_index: index,
      ...classifyError(error.message),
    });
  }
  const charges: RatedCharge[] = [];
  let eventStart = 0;
  let current = -2;
  let transaction = "";
  const end = numbers.length;
  for (let offset = 0; offset + CHARGE_FIELDS <= end; offset += CHARGE_FIELDS) {
    const first = numbers[offset] as number;
    const index = Math.floor(first / CHARGE_ID_BASE) - 1;
    if (index !== current) {
      current = index;
      eventStart = charges.length;
      transaction = transactionOf(events, index);
    }
    if (failed.size !== 0 && failed.has(index)) continue;
    const labels = numbers[offset + 1] as number;
    const quantityNumber = numbers[offset + 2] as number;
    const priceNumber = numbers[offset + 3] as number;
    let figures: ChargeTexts;
    // Both plain finite floats, the usual case: NaN marks a value read apart (text, a large integer, another type).
    if (Number.isFinite(quantityNumber) && Number.isFinite(priceNumber)) {
      figures = numberFigures(quantityNumber, priceNumber);
    } else {
      if (reader.invalid(offset + 2) || reader.invalid(offset + 3)) {
        charges.length = eventStart;
        failed.add(index);
        recheck.push(index);
        continue;
      }
      const quantity = reader.value(offset + 2);
      const unitPrice = reader.value(offset + 3);
      if (quantity === null || unitPrice === null) {
        charges.length = eventStart;
        failed.add(index);
        const code = reader.text(first % CHARGE_ID_BASE) ?? "";
        const which = quantity === null ? "quantity" : "unit_price";
        const text = values.exact.has(quantity === null ? offset + 2 : offset + 3);
        unrated.push({
          transaction_id: transaction,
          event_index: index,
          code: "script_invalid_charge",
          message: `charge ${code}: ${which} is ${text ? "text that is not a decimal number" : "not a finite number"}`,
          line: null,
        });
        continue;
      }
      figures = { quantity: quantity.text, unit_price: unitPrice.text, amount: chargeAmount(quantity, unitPrice) };
    }
    const charge: RatedCharge = {
      transaction_id: transaction,
      event_index: index,
      code: reader.text(first % CHARGE_ID_BASE) ?? "",
      description: reader.text(labels % CHARGE_ID_BASE),
      dimensions: reader.dims(Math.floor(labels / CHARGE_ID_BASE) % CHARGE_ID_BASE),
      quantity: figures.quantity,
      unit_price: figures.unit_price,
      amount: figures.amount,
    };
    if (periodTotal === undefined) {
      charges.push(charge);
      continue;
    }
    const minimum = (Math.floor(labels / CHARGE_ID_BASE / CHARGE_ID_BASE) & CHARGE_FLAG_MINIMUM) !== 0;
    if (minimum) charges.push(minimumTopUp(charge, periodTotal, options.currency, options.digits));
    else charges.push({ ...charge, minimum: null } as RatedCharge);
  }
  unrated.sort((a, b) => a.event_index - b.event_index);
  return { charges, unrated, recheck };
}
