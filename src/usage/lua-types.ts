import type { ScriptEventErrorCode } from "./errors.js";
import type { Plain } from "./lua-marshal.js";

/** What goes into a charge script and what comes out (lua-engine.ts). */

export interface RatingEvent {
  transaction_id: string;
  type: string;
  /** ISO 8601 instant. */
  timestamp: string;
  customer: string;
  properties: { readonly [key: string]: Plain };
}

export interface RatingContext {
  customer: string;
  currency: string;
  time_zone: string;
  /** The billing period, ISO 8601 instants, half-open. */
  period_start: string;
  period_end: string;
}

export interface ScriptCharge {
  code: string;
  description: string | null;
  dimensions: Record<string, string>;
  /** Canonical decimal text. */
  quantity: string;
  unit_price: string;
  /** quantity × unit_price, exact: the invoice line rounds the sum of its charges once. */
  amount: string;
}

export interface RatedCharge extends ScriptCharge {
  transaction_id: string;
  /** Position of the event in the batch, from 0. */
  event_index: number;
}

export interface UnratedEvent {
  transaction_id: string;
  event_index: number;
  code: ScriptEventErrorCode;
  message: string;
  /** The script line the error came from, when Lua knows it. */
  line: number | null;
}

export interface RatingResult {
  charges: RatedCharge[];
  unrated: UnratedEvent[];
}

export interface FinalizeCharge extends ScriptCharge {
  /** A minimum top-up: amount is max(0, minimum − period total), the total as its lines are invoiced (each rounded). */
  minimum: { minimum_amount: string; period_total: string } | null;
}

export interface FinalizeResult {
  charges: FinalizeCharge[];
  error: Omit<UnratedEvent, "transaction_id" | "event_index"> | null;
}

/** A rate card inside the engine, kept in the Lua registry and pushed per batch. */
export interface LoadedRates {
  readonly ref: number;
}
