import { Temporal } from "temporal-polyfill";
import { resolvedRatesAt } from "../catalog/index.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import {
  type BacktestCustomer,
  type BacktestErrors,
  type BacktestSide,
  type BacktestTally,
  type LiveVersion,
  type SideError,
  segmentsByKey,
  versionInForce,
} from "./backtest-model.js";
import { customerEventPages, type StoredEventRow } from "./backtest-store.js";
import { ChargeScript } from "./lua-engine.js";
import type { LoadedRates, RatingContext, RatingEvent, ScriptCharge } from "./lua-types.js";

/**
 * Rates one customer's period twice, a page of events at a time: with the
 * version under test, and with the version in force at each event's
 * timestamp. Both use the customer's rate card in force at the event's
 * timestamp; finalize runs for both with the rates and version in force at
 * the period's last instant. Charges go straight into the tally: nothing of
 * a page outlives it.
 */

export const EVENT_PAGE_SIZE = 5000;

interface Period {
  start: Date;
  end: Date;
}

type Rates = { key: string; values: Record<string, string> } | { key: string; error: SideError };

interface Engine {
  script: ChargeScript;
  version: LiveVersion;
}

function sideError(error: unknown, version: number | null): SideError {
  if (error instanceof DomainError) return { code: error.code, message: error.message, line: null, version };
  throw error;
}

export class BacktestRater {
  private readonly engines = new Map<string, Promise<Engine | SideError>>();
  private loaded = new Map<string, { script: ChargeScript; rates: LoadedRates }>();

  constructor(
    private readonly deps: Deps,
    private readonly candidate: Engine,
    private readonly live: readonly LiveVersion[],
    private readonly period: Period,
    private readonly tally: BacktestTally,
    private readonly errors: BacktestErrors,
  ) {}

  /** A live version's compiled script, compiled once for the whole backtest. */
  private engineOf(version: LiveVersion): Promise<Engine | SideError> {
    let engine = this.engines.get(version.id);
    if (engine === undefined) {
      engine = ChargeScript.compile(version.source).then(
        (script) => ({ script, version }),
        (error: unknown) => sideError(error, version.number),
      );
      this.engines.set(version.id, engine);
    }
    return engine;
  }

  private async ratesAt(customer: BacktestCustomer, ms: number): Promise<Rates> {
    try {
      const resolved = await resolvedRatesAt(this.deps, customer.id, Temporal.Instant.fromEpochMilliseconds(ms));
      return { key: resolved.version_ids.join(","), values: resolved.rates };
    } catch (error) {
      const failure = sideError(error, null);
      return { key: `error:${failure.code}`, error: failure };
    }
  }

  private loadedRates(engine: Engine, rates: { key: string; values: Record<string, string> }): LoadedRates {
    const key = `${engine.version.id}|${rates.key}`;
    let found = this.loaded.get(key);
    if (found === undefined) {
      found = { script: engine.script, rates: engine.script.loadRates(rates.values) };
      this.loaded.set(key, found);
    }
    return found.rates;
  }

  /** Rates every event of the customer in the period; returns how many there were. */
  async rateCustomer(customer: BacktestCustomer): Promise<number> {
    const context: RatingContext = {
      customer: customer.id,
      currency: customer.currency,
      time_zone: customer.time_zone,
      period_start: Temporal.Instant.fromEpochMilliseconds(this.period.start.getTime()).toString(),
      period_end: Temporal.Instant.fromEpochMilliseconds(this.period.end.getTime()).toString(),
    };
    let events = 0;
    try {
      for await (const page of customerEventPages(this.deps.db, customer.id, this.period, EVENT_PAGE_SIZE)) {
        events += page.length;
        await this.ratePage(customer, context, page);
      }
      await this.finalize(customer, context);
    } finally {
      for (const { script, rates } of this.loaded.values()) script.releaseRates(rates);
      this.loaded = new Map();
    }
    return events;
  }

  private async ratePage(customer: BacktestCustomer, context: RatingContext, page: StoredEventRow[]): Promise<void> {
    const keyAt = async (index: number) => {
      const ms = (page[index] as StoredEventRow).ts.getTime();
      return `${versionInForce(this.live, ms)?.id ?? "none"}|${(await this.ratesAt(customer, ms)).key}`;
    };
    for (const segment of await segmentsByKey(page.length, keyAt)) {
      const rows = page.slice(segment.from, segment.to);
      const ms = (rows[0] as StoredEventRow).ts.getTime();
      const events = rows.map((row) => ratingEvent(customer, row));
      const rates = await this.ratesAt(customer, ms);
      this.rateSide("after", customer, context, events, this.candidate, rates);
      const version = versionInForce(this.live, ms);
      const current = version === null ? noVersion(ms) : await this.engineOf(version);
      this.rateSide("before", customer, context, events, current, rates);
    }
  }

  private rateSide(
    side: BacktestSide,
    customer: BacktestCustomer,
    context: RatingContext,
    events: RatingEvent[],
    engine: Engine | SideError,
    rates: Rates,
  ): void {
    if ("error" in rates || !("script" in engine)) {
      this.unrateAll(side, customer, events, "error" in rates ? rates.error : (engine as SideError));
      return;
    }
    const result = engine.script.rate(events, this.loadedRates(engine, rates), context);
    for (const charge of result.charges) this.tally.add(side, customer, charge);
    for (const unrated of result.unrated) {
      const event = events[unrated.event_index] as RatingEvent;
      this.errors.add(side, errorEvent(customer, event), {
        code: unrated.code,
        message: unrated.message,
        line: unrated.line,
        version: engine.version.number,
      });
    }
  }

  /** No rates or no version in force: every event of the run is unrated on this side, for that reason. */
  private unrateAll(side: BacktestSide, customer: BacktestCustomer, events: RatingEvent[], error: SideError): void {
    for (const event of events) this.errors.add(side, errorEvent(customer, event), error);
  }

  /** Period-level charges for both sides, at the period's last instant. */
  private async finalize(customer: BacktestCustomer, context: RatingContext): Promise<void> {
    const last = this.period.end.getTime() - 1;
    const rates = await this.ratesAt(customer, last);
    const version = versionInForce(this.live, last);
    const sides: [BacktestSide, Engine | SideError][] = [
      ["after", this.candidate],
      ["before", version === null ? noVersion(last) : await this.engineOf(version)],
    ];
    for (const [side, engine] of sides) {
      if (!("script" in engine) || "error" in rates) {
        // Without rates or a version no event was rated either; those errors are listed already.
        continue;
      }
      const periodCharges: ScriptCharge[] = this.tally.periodCharges(side, customer.id);
      const result = engine.script.finalize(periodCharges, this.loadedRates(engine, rates), context);
      for (const charge of result.charges) this.tally.add(side, customer, charge);
      if (result.error !== null) {
        const at = { customer: customer.id, transaction_id: null, timestamp: null };
        this.errors.add(side, at, { ...result.error, version: engine.version.number });
      }
    }
  }

  /** Frees every compiled live version (the candidate belongs to the caller). */
  async close(): Promise<void> {
    for (const engine of await Promise.all(this.engines.values())) if ("script" in engine) engine.script.close();
  }
}

function noVersion(ms: number): SideError {
  return {
    code: "script_no_version_effective",
    message: `no version of the script was in effect at ${Temporal.Instant.fromEpochMilliseconds(ms).toString()}`,
    line: null,
    version: null,
  };
}

function ratingEvent(customer: BacktestCustomer, row: StoredEventRow): RatingEvent {
  return {
    transaction_id: row.transaction_id,
    type: row.type,
    timestamp: row.ts.toISOString(),
    customer: customer.id,
    properties: row.properties,
  };
}

function errorEvent(customer: BacktestCustomer, event: RatingEvent) {
  const timestamp = Temporal.Instant.from(event.timestamp).toString();
  return { customer: customer.id, transaction_id: event.transaction_id, timestamp };
}
