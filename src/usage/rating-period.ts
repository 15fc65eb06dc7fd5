import { listRateCardVersions, type ResolvedRates, resolvedRatesAt } from "../catalog/index.js";
import type { Customer } from "../customers/index.js";
import { fromDate } from "../kernel/clock.js";
import { type Deps, withMemo } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { Decimal } from "../kernel/money.js";
import { type ChargeRow, type ErrorRow, type EventRow, eventPage, type PeriodKey } from "./charge-store.js";
import { ChargeScript } from "./lua-engine.js";
import type { Plain } from "./lua-marshal.js";
import type { LoadedRates, RatingContext, RatingEvent, ScriptCharge } from "./lua-types.js";
import { LineTotals, lineKey, ratingSpans } from "./rating-model.js";
import { liveVersionRows, type VersionRow } from "./script-store.js";

/**
 * Rating one customer's period in memory: the events in timestamp order,
 * each rated by the script version in effect at its timestamp with the rate
 * card in force then. The period is split where either changes, and each
 * span is rated in batches with one compiled script and one loaded card, so
 * versions and cards are looked up once per span, never once per event.
 * Nothing is written here: the caller stores the result in one transaction.
 */

const PAGE = 5000;

/** The rating of a period before it gets a run id. */
export interface PeriodRating {
  charges: Omit<ChargeRow, "rating_run_id">[];
  errors: Omit<ErrorRow, "rating_run_id">[];
  events_rated: number;
  events_unrated: number;
  /** What the charges bill: each invoice line's exact sum rounded once, then added up. */
  amount: Decimal;
}

interface Span {
  from: number;
  until: number;
  version: VersionRow | undefined;
  rates: ResolvedRates | DomainError;
}

class ScriptCache {
  private readonly compiled = new Map<string, ChargeScript>();
  private readonly loaded = new Map<string, LoadedRates>();

  async script(version: VersionRow): Promise<ChargeScript> {
    let script = this.compiled.get(version.id);
    if (script === undefined) {
      script = await ChargeScript.compile(version.source);
      this.compiled.set(version.id, script);
    }
    return script;
  }

  rates(version: VersionRow, script: ChargeScript, rates: ResolvedRates): LoadedRates {
    const key = `${version.id}:${rates.version_ids.join(",")}`;
    let loaded = this.loaded.get(key);
    if (loaded === undefined) {
      loaded = script.loadRates(rates.rates);
      this.loaded.set(key, loaded);
    }
    return loaded;
  }

  close(): void {
    for (const script of this.compiled.values()) script.close();
  }
}

async function resolveOrError(deps: Deps, customer: string, at: number): Promise<ResolvedRates | DomainError> {
  try {
    return await resolvedRatesAt(deps, customer, fromDate(new Date(at)));
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}

/** Where the customer's rate cards change inside the period. */
async function rateCardChanges(deps: Deps, customer: string, startMs: number, endMs: number): Promise<number[]> {
  const cards = new Set<string>();
  for (const at of [startMs, endMs - 1]) {
    const rates = await resolveOrError(deps, customer, at);
    if (!(rates instanceof DomainError)) for (const used of rates.versions) cards.add(used.rate_card);
  }
  const changes: number[] = [];
  for (const card of cards) {
    for (const version of await listRateCardVersions(deps, card)) {
      if (version.effective_from !== null) changes.push(Date.parse(version.effective_from));
    }
  }
  return changes;
}

async function spansOf(deps: Deps, customer: string, scriptId: string, period: PeriodKey): Promise<Span[]> {
  const startMs = period.period_start.getTime();
  const endMs = period.period_end.getTime();
  const versions = await liveVersionRows(deps.db, scriptId);
  const scriptChanges = versions.map((v) => (v.effective_from as Date).getTime());
  const cardChanges = await rateCardChanges(deps, customer, startMs, endMs);
  const spans: Span[] = [];
  for (const [from, until] of ratingSpans(startMs, endMs, [...scriptChanges, ...cardChanges])) {
    const version = versions.find((v) => (v.effective_from as Date).getTime() <= from);
    spans.push({ from, until, version, rates: await resolveOrError(deps, customer, from) });
  }
  return spans;
}

function ratingEvent(row: EventRow, customer: string): RatingEvent {
  return {
    transaction_id: row.transaction_id,
    type: row.type,
    timestamp: row.ts.toISOString(),
    customer,
    properties: row.properties as { [key: string]: Plain },
  };
}

export interface RatePeriodInput {
  customer: Customer;
  script_id: string;
  period: PeriodKey;
}

/** Rates the period; the caller stores the result. */
export async function ratePeriod(baseDeps: Deps, input: RatePeriodInput): Promise<PeriodRating> {
  const deps = withMemo(baseDeps);
  const { customer, period } = input;
  const spans = await spansOf(deps, customer.id, input.script_id, period);
  const context: RatingContext = {
    customer: customer.id,
    currency: customer.currency,
    time_zone: customer.time_zone,
    period_start: period.period_start.toISOString(),
    period_end: period.period_end.toISOString(),
  };
  const result: PeriodRating = { charges: [], errors: [], events_rated: 0, events_unrated: 0, amount: new Decimal(0) };
  const cache = new ScriptCache();
  try {
    const rater = new SpanRater(cache, spans, context, period, result);
    let after: { ts: Date; id: string } | null = null;
    for (;;) {
      const page = await eventPage(deps.db, period, after, PAGE);
      if (page.length === 0) break;
      await rater.ratePage(page);
      const last = page[page.length - 1] as EventRow;
      after = { ts: last.ts, id: last.id };
      if (page.length < PAGE) break;
    }
    await rater.finalize();
    result.amount = rater.lines.total();
  } finally {
    cache.close();
  }
  return result;
}

/** Rates pages of events span by span and collects charges and errors. */
class SpanRater {
  private spanIndex = 0;
  private readonly scriptCharges: ScriptCharge[] = [];
  readonly lines: LineTotals;

  constructor(
    private readonly cache: ScriptCache,
    private readonly spans: readonly Span[],
    private readonly context: RatingContext,
    private readonly period: PeriodKey,
    private readonly result: PeriodRating,
  ) {
    this.lines = new LineTotals(context.currency);
  }

  async ratePage(page: readonly EventRow[]): Promise<void> {
    let start = 0;
    while (start < page.length) {
      while ((page[start] as EventRow).ts.getTime() >= (this.spans[this.spanIndex] as Span).until) this.spanIndex++;
      const span = this.spans[this.spanIndex] as Span;
      let end = start;
      while (end < page.length && (page[end] as EventRow).ts.getTime() < span.until) end++;
      await this.rateBatch(span, page.slice(start, end));
      start = end;
    }
  }

  private unratable(span: Span, rows: readonly EventRow[], code: string, message: string): void {
    for (const row of rows) this.pushError(span, row, { code, message, line: null });
    this.result.events_unrated += rows.length;
  }

  private pushError(span: Span, row: EventRow | null, error: { code: string; message: string; line: number | null }) {
    this.result.errors.push({
      ...this.periodColumns(),
      event_id: row?.id ?? null,
      event_ts: row?.ts ?? null,
      transaction_id: row?.transaction_id ?? null,
      code: error.code,
      message: error.message,
      script_line: error.line,
      script_version_id: span.version?.id ?? "none",
    });
  }

  private periodColumns() {
    return {
      customer_id: this.period.customer_id,
      period_start: this.period.period_start,
      period_end: this.period.period_end,
    };
  }

  private async rateBatch(span: Span, rows: readonly EventRow[]): Promise<void> {
    if (span.version === undefined) {
      this.unratable(span, rows, "script_no_version_effective", "no version of the charge script was in effect");
      return;
    }
    if (span.rates instanceof DomainError) {
      this.unratable(span, rows, span.rates.code, span.rates.message);
      return;
    }
    const script = await this.cache.script(span.version);
    const loaded = this.cache.rates(span.version, script, span.rates);
    const rated = script.rate(
      rows.map((row) => ratingEvent(row, this.context.customer)),
      loaded,
      this.context,
    );
    const failed = new Set<number>();
    for (const unrated of rated.unrated) {
      failed.add(unrated.event_index);
      this.pushError(span, rows[unrated.event_index] as EventRow, unrated);
    }
    this.result.events_unrated += failed.size;
    this.result.events_rated += rows.length - failed.size;
    for (const charge of rated.charges) {
      const row = rows[charge.event_index] as EventRow;
      this.pushCharge(span, charge, row);
    }
  }

  private pushCharge(span: Span, charge: ScriptCharge, row: EventRow | null): void {
    const rates = span.rates as ResolvedRates;
    this.scriptCharges.push(charge);
    const line = lineKey(charge.code, charge.dimensions);
    this.lines.add(line, charge);
    this.result.charges.push({
      customer_id: this.period.customer_id,
      period_start: this.period.period_start,
      period_end: this.period.period_end,
      event_id: row?.id ?? null,
      event_ts: row?.ts ?? null,
      transaction_id: row?.transaction_id ?? null,
      code: charge.code,
      description: charge.description,
      quantity: charge.quantity,
      unit_price: charge.unit_price,
      amount: charge.amount,
      currency: this.context.currency,
      dimensions: charge.dimensions,
      line_key: line,
      script_version_id: (span.version as VersionRow).id,
      rate_card_version_ids: rates.version_ids,
    });
  }

  /** finalize(period) once, with the script and card in effect at the period's end. */
  async finalize(): Promise<void> {
    const span = this.spans[this.spans.length - 1] as Span;
    if (span.version === undefined || span.rates instanceof DomainError) return;
    const script = await this.cache.script(span.version);
    const loaded = this.cache.rates(span.version, script, span.rates);
    const outcome = script.finalize(this.scriptCharges, loaded, this.context);
    if (outcome.error !== null) {
      this.pushError(span, null, outcome.error);
      return;
    }
    for (const charge of outcome.charges) {
      if (new Decimal(charge.amount).isZero() && charge.minimum !== null) continue;
      this.pushCharge(span, charge, null);
    }
  }
}
