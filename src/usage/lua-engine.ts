import { Temporal } from "temporal-polyfill";
import { DomainError } from "../kernel/errors.js";
import { currencyMinorUnits } from "../kernel/money.js";
import { decimalOfNumber, decimalOfText } from "./lua-amounts.js";
import { BatchEncoder, decoderSource, encodeStrings, pushBytes, type Shape } from "./lua-batch.js";
import { readCharges, WRONG_TYPE_ERROR } from "./lua-charges.js";
import { offsetSpan, utcOffsets } from "./lua-date.js";
import { classifyError } from "./lua-errors.js";
import { instantMilliseconds } from "./lua-instant.js";
import { LUA_OK, type LuaStack, type Plain } from "./lua-marshal.js";
import { createSandbox, DEFAULT_LIMITS, type Sandbox, type SandboxLimits } from "./lua-sandbox.js";
import { loadScript } from "./lua-script-load.js";
import type {
  FinalizeCharge,
  FinalizeResult,
  LoadedRates,
  RatingContext,
  RatingEvent,
  RatingResult,
  ScriptCharge,
} from "./lua-types.js";
import { LineTotals, lineKey } from "./rating-model.js";

/**
 * A compiled charge script: `charge(event, rates, ctx)` for every event and
 * optionally `finalize(period, rates, ctx)` once per period. Rating is pure:
 * the same script, rate card, context and events give the same charges.
 *
 * What a script sees of an event: `event.type`, `event.timestamp` (Unix
 * seconds, an integer), `event.customer`, and every property directly on
 * the event (`event.units`, `event.carrier`): one table per event instead of
 * two, which is measurably faster and reads as the WMS log does. Properties
 * named type, timestamp or customer are shadowed by the envelope.
 */

const ENVELOPE_FIELDS = 3;

function unixSeconds(iso: string, param: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms))
    throw new DomainError("invalid_date", `${JSON.stringify(iso)} is not an ISO 8601 instant`, { param });
  return Math.floor(ms / 1000);
}

/** Rate values reach Lua as numbers when the float's shortest form is the same decimal, else as text. */
function rateValue(text: string, key: string): number | string {
  const exact = decimalOfText(text);
  if (exact === null) {
    throw new DomainError("invalid_amount", `rate ${key} is ${JSON.stringify(text)}, not a decimal`, {
      param: `rates.${key}`,
    });
  }
  const asNumber = Number(exact.text);
  return decimalOfNumber(asNumber).text === exact.text ? asNumber : exact.text;
}

export class ChargeScript {
  private readonly sandbox: Sandbox;
  private readonly encoder = new BatchEncoder();
  private lastContext: { key: string; ref: number } | null = null;
  readonly hasFinalize: boolean;

  private constructor(sandbox: Sandbox, hasFinalize: boolean) {
    this.sandbox = sandbox;
    this.hasFinalize = hasFinalize;
  }

  /** Compiles and checks a script; syntax errors name the line. */
  static async compile(source: string, limits: SandboxLimits = DEFAULT_LIMITS): Promise<ChargeScript> {
    const sandbox = await createSandbox(limits);
    try {
      const hasFinalize = loadScript(sandbox, source);
      sandbox.watchStepCounter();
      return new ChargeScript(sandbox, hasFinalize);
    } catch (error) {
      sandbox.close();
      throw error;
    }
  }

  private get stack(): LuaStack {
    return this.sandbox.stack;
  }

  loadRates(values: Readonly<Record<string, string>>): LoadedRates {
    const record: Record<string, Plain> = {};
    for (const [key, text] of Object.entries(values)) record[key] = rateValue(text, key);
    this.stack.pushRecord(record);
    return { ref: this.stack.ref() };
  }

  releaseRates(rates: LoadedRates): void {
    this.stack.unref(rates.ref);
  }

  /**
   * Pushes ctx. Building it (the time zone's offsets with Temporal) took a
   * tenth of a batch, and consecutive batches of a period build the same
   * one, so the last ctx stays in the registry, keyed by what it was built
   * from. Scripts see it read-only, so reusing it cannot carry state.
   */
  private pushContext(context: RatingContext, timestampsMs: readonly number[]): void {
    const start = Temporal.Instant.from(context.period_start);
    const end = Temporal.Instant.from(context.period_end);
    let low = start.epochMilliseconds;
    let high = end.epochMilliseconds;
    for (const ms of timestampsMs) {
      if (ms < low) low = ms;
      if (ms > high) high = ms;
    }
    const span = offsetSpan([low, high]);
    const stack = this.stack;
    const key = JSON.stringify([
      context.customer,
      context.currency,
      context.time_zone,
      context.period_start,
      context.period_end,
      span.from.epochMilliseconds,
      span.until.epochMilliseconds,
    ]);
    if (this.lastContext?.key === key) {
      stack.pushRef(this.lastContext.ref);
      return;
    }
    stack.pushRef(this.sandbox.driver.makeCtx);
    stack.pushRecord({
      customer: context.customer,
      currency: context.currency,
      time_zone: context.time_zone,
      period_start: Math.floor(start.epochMilliseconds / 1000),
      period_end: Math.floor(end.epochMilliseconds / 1000),
    });
    stack.pushList(utcOffsets(context.time_zone, span.from, span.until));
    if (stack.pcall(2, 1) !== LUA_OK) throw new Error(`building ctx failed: ${stack.toString(-1)}`);
    if (this.lastContext !== null) stack.unref(this.lastContext.ref);
    stack.lua._lua_pushvalue(stack.L, -1);
    this.lastContext = { key, ref: stack.ref() };
  }

  /** Loads the decoders of shapes this batch shows for the first time (lua-batch.ts). */
  private loadDecoders(shapes: readonly Shape[]): void {
    const stack = this.stack;
    for (const shape of shapes) {
      stack.pushRef(this.sandbox.driver.addDecoder);
      if (stack.load(decoderSource(shape), "=accrue-decoder") !== LUA_OK) {
        throw new Error(`an event decoder did not compile: ${stack.toString(-1)}`);
      }
      stack.pushList(shape.keys);
      stack.pushString(shape.type);
      stack.pushNumber(shape.id);
      if (stack.pcall(4, 0) !== LUA_OK) throw new Error(`an event decoder failed to load: ${stack.toString(-1)}`);
    }
  }

  /** Events with nested values, pushed through the C API: a table from position (1-based) to event. */
  private pushSlowEvents(events: readonly RatingEvent[], slow: readonly number[], seconds: readonly number[]): void {
    const stack = this.stack;
    stack.lua._lua_createtable(stack.L, 0, slow.length);
    for (const index of slow) {
      const event = events[index] as RatingEvent;
      stack.pushRecord(event.properties, ENVELOPE_FIELDS);
      stack.setField("type", event.type);
      stack.setField("customer", event.customer);
      stack.setField("timestamp", seconds[index] as number);
      stack.lua._lua_rawseti(stack.L, -2, BigInt(index + 1));
    }
  }

  /**
   * Rates a batch for one customer. An event whose call fails is returned in
   * `unrated` with the error and its line; the rest of the batch goes on.
   * An event that emitted a quantity or unit price of the wrong type is
   * rated again alone in strict mode, where emit names the line
   * (lua-charges.ts): rating keeps no state between events, so it fails the
   * same way.
   */
  rate(events: readonly RatingEvent[], rates: LoadedRates, context: RatingContext): RatingResult {
    const { recheck, ...result } = this.rateBatch(events, rates, context, false);
    if (recheck.length === 0) return result;
    for (const index of recheck) {
      const event = events[index] as RatingEvent;
      const error = this.rateBatch([event], rates, context, true).unrated[0] ?? WRONG_TYPE_ERROR;
      result.unrated.push({ ...error, transaction_id: event.transaction_id, event_index: index });
    }
    result.unrated.sort((a, b) => a.event_index - b.event_index);
    return result;
  }

  private rateBatch(
    events: readonly RatingEvent[],
    rates: LoadedRates,
    context: RatingContext,
    strict: boolean,
  ): RatingResult & { recheck: number[] } {
    const timestamps: number[] = new Array(events.length);
    const seconds: number[] = new Array(events.length);
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as RatingEvent;
      const ms = instantMilliseconds(event.timestamp);
      if (Number.isNaN(ms)) {
        throw new DomainError("invalid_date", `event ${i}: timestamp is not an ISO 8601 instant`, {
          param: `events[${i}].timestamp`,
        });
      }
      timestamps[i] = ms;
      seconds[i] = Math.floor(ms / 1000);
    }
    const batch = this.encoder.encode(events, seconds);
    this.loadDecoders(this.encoder.fresh);
    const digits = currencyMinorUnits(context.currency);
    const stack = this.stack;
    const base = stack.top();
    try {
      stack.pushRef(this.sandbox.driver.rate);
      pushBytes(stack, batch.records);
      pushBytes(stack, encodeStrings(batch.strings));
      stack.pushNumber(batch.strings.length);
      stack.pushNumber(events.length);
      this.pushSlowEvents(events, this.encoder.slow, seconds);
      stack.pushString(context.customer);
      stack.pushRef(rates.ref);
      this.pushContext(context, timestamps);
      stack.pushValue(strict);
      if (stack.pcall(9, 4) !== LUA_OK) {
        return { ...this.rateInHalves(events, rates, context, stack.toString(-1)), recheck: [] };
      }
      return readCharges(stack, base, { events, currency: context.currency, digits });
    } finally {
      stack.setTop(base);
    }
  }

  /** The driver itself ran out of memory (a huge batch): rate the halves apart, down to single events. */
  private rateInHalves(
    events: readonly RatingEvent[],
    rates: LoadedRates,
    context: RatingContext,
    message: string,
  ): RatingResult {
    this.stack.setTop(0);
    if (events.length <= 1) {
      const error = classifyError(message);
      return {
        charges: [],
        unrated: events.map((event, i) => ({ transaction_id: event.transaction_id, event_index: i, ...error })),
      };
    }
    const middle = Math.floor(events.length / 2);
    const first = this.rate(events.slice(0, middle), rates, context);
    const second = this.rate(events.slice(middle), rates, context);
    const shift = <T extends { event_index: number }>(item: T): T => ({
      ...item,
      event_index: item.event_index + middle,
    });
    return {
      charges: [...first.charges, ...second.charges.map(shift)],
      unrated: [...first.unrated, ...second.unrated.map(shift)],
    };
  }

  /**
   * Period-level charges. `charges` are the period's rated charges: their
   * totals per code reach the script as period.totals and a minimum top-up
   * is measured against their total amount.
   */
  finalize(charges: readonly ScriptCharge[], rates: LoadedRates, context: RatingContext): FinalizeResult {
    if (!this.hasFinalize) return { charges: [], error: null };
    const digits = currencyMinorUnits(context.currency);
    const totals = periodTotals(charges, context.currency, digits);
    const stack = this.stack;
    const base = stack.top();
    try {
      stack.pushRef(this.sandbox.driver.finalize);
      stack.pushRecord({
        start: unixSeconds(context.period_start, "period_start"),
        end: unixSeconds(context.period_end, "period_end"),
        customer: context.customer,
        total: totals.total.toFixed(digits),
        totals: totals.byCode,
      });
      stack.pushRef(rates.ref);
      this.pushContext(context, []);
      if (stack.pcall(3, 4) !== LUA_OK) {
        return { charges: [], error: classifyError(stack.toString(-1)) };
      }
      const read = readCharges(stack, base, {
        events: [],
        currency: context.currency,
        digits,
        period_total: totals.total,
      });
      const first = read.unrated[0];
      if (first !== undefined) {
        const { transaction_id: _t, event_index: _e, ...error } = first;
        return { charges: [], error };
      }
      return {
        charges: read.charges.map(({ transaction_id: _t, event_index: _e, ...charge }) => charge as FinalizeCharge),
        error: null,
      };
    } finally {
      stack.setTop(base);
    }
  }

  close(): void {
    this.sandbox.close();
  }
}

/**
 * The period as an invoice would bill it so far: each line (code and
 * dimensions) rounded once, then summed, overall and per code. A minimum
 * top-up measured against this total brings the invoice to the minimum.
 */
function periodTotals(charges: readonly ScriptCharge[], currency: string, digits: number) {
  const lines = new LineTotals(currency);
  for (const charge of charges) lines.add(lineKey(charge.code, charge.dimensions), charge);
  const byCode: Record<string, { quantity: number; amount: string }> = {};
  for (const [code, sum] of lines.byCode()) {
    byCode[code] = { quantity: sum.quantity.toNumber(), amount: sum.amount.toFixed(digits) };
  }
  return { byCode, total: lines.total() };
}
