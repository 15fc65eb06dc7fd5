import type { Kysely, Selectable } from "kysely";
import type { Executor } from "../kernel/db.js";
import type { RateCardKind, RateCardVersionStatus, RateSet } from "./rate-card-model.js";
import type { AffectedPeriods } from "./rate-card-periods.js";

/** SQL for the rate card tables (migrations/0019_rate_cards.sql), nothing else. */

interface RateCardsTable {
  id: string;
  kind: RateCardKind;
  currency: string;
  customer_id: string | null;
  name: string;
  created_at: Date;
}

interface RateCardVersionsTable {
  id: string;
  rate_card_id: string;
  number: number;
  status: RateCardVersionStatus;
  effective_from: Date | null;
  rates: RateSet;
  note: string | null;
  created_by: string;
  edited_by: string[];
  approval_id: string | null;
  approved_by: string | null;
  approved_at: Date | null;
  /** What a backdated version covers, as last assessed (migration 0035); null when not backdated. */
  affected_periods: AffectedPeriods | null;
  created_at: Date;
  updated_at: Date;
}

interface RateCardTables {
  rate_cards: RateCardsTable;
  rate_card_versions: RateCardVersionsTable;
}

export type RateCardRow = Selectable<RateCardsTable>;
export type RateCardVersionRow = Selectable<RateCardVersionsTable>;

const tables = (db: Executor) => db as unknown as Kysely<RateCardTables>;
const json = (value: unknown) => JSON.stringify(value) as never;
const jsonOrNull = (value: unknown) => (value === null ? null : json(value));

export async function insertRateCard(db: Executor, row: RateCardRow): Promise<void> {
  await tables(db).insertInto("rate_cards").values(row).execute();
}

export async function findRateCard(db: Executor, id: string, lock = false): Promise<RateCardRow | undefined> {
  const query = tables(db).selectFrom("rate_cards").selectAll().where("id", "=", id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export async function findDefaultRateCard(db: Executor, currency: string): Promise<RateCardRow | undefined> {
  return tables(db)
    .selectFrom("rate_cards")
    .selectAll()
    .where("kind", "=", "default")
    .where("currency", "=", currency)
    .executeTakeFirst();
}

export async function findCustomerRateCard(db: Executor, customerId: string): Promise<RateCardRow | undefined> {
  return tables(db)
    .selectFrom("rate_cards")
    .selectAll()
    .where("kind", "=", "customer")
    .where("customer_id", "=", customerId)
    .executeTakeFirst();
}

export interface RateCardFilter {
  kind?: RateCardKind | undefined;
  currency?: string | undefined;
  customer?: string | undefined;
}

export function rateCardsQuery(db: Executor, filter: RateCardFilter) {
  let query = tables(db).selectFrom("rate_cards").selectAll();
  if (filter.kind !== undefined) query = query.where("kind", "=", filter.kind);
  if (filter.currency !== undefined) query = query.where("currency", "=", filter.currency);
  if (filter.customer !== undefined) query = query.where("customer_id", "=", filter.customer);
  return query;
}

export async function insertRateCardVersion(db: Executor, row: RateCardVersionRow): Promise<void> {
  await tables(db)
    .insertInto("rate_card_versions")
    .values({ ...row, rates: json(row.rates), affected_periods: jsonOrNull(row.affected_periods) })
    .execute();
}

export async function updateRateCardVersion(db: Executor, row: RateCardVersionRow): Promise<void> {
  const { id, rate_card_id: _card, number: _number, created_at: _created, ...changes } = row;
  await tables(db)
    .updateTable("rate_card_versions")
    .set({ ...changes, rates: json(changes.rates), affected_periods: jsonOrNull(changes.affected_periods) })
    .where("id", "=", id)
    .execute();
}

export async function findRateCardVersion(
  db: Executor,
  id: string,
  lock = false,
): Promise<RateCardVersionRow | undefined> {
  const query = tables(db).selectFrom("rate_card_versions").selectAll().where("id", "=", id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export async function findRateCardVersionByNumber(
  db: Executor,
  rateCardId: string,
  number: number,
): Promise<RateCardVersionRow | undefined> {
  return tables(db)
    .selectFrom("rate_card_versions")
    .selectAll()
    .where("rate_card_id", "=", rateCardId)
    .where("number", "=", number)
    .executeTakeFirst();
}

/** Every version of a card, oldest first: cards have tens of versions, not thousands. */
export async function rateCardVersions(db: Executor, rateCardId: string): Promise<RateCardVersionRow[]> {
  return tables(db)
    .selectFrom("rate_card_versions")
    .selectAll()
    .where("rate_card_id", "=", rateCardId)
    .orderBy("number")
    .execute();
}

/** The approved versions of a card, oldest first: the candidates for the one in force. */
export async function approvedVersions(db: Executor, rateCardId: string): Promise<RateCardVersionRow[]> {
  return tables(db)
    .selectFrom("rate_card_versions")
    .selectAll()
    .where("rate_card_id", "=", rateCardId)
    .where("status", "=", "approved")
    .orderBy("number")
    .execute();
}
