import type { Kysely, Selectable, Updateable } from "kysely";
import type { Address, TaxId } from "../customers/index.js";
import type { Executor } from "../kernel/db.js";

/** SQL for legal entities (migrations/0014_legal_entities.sql), nothing else. */

interface LegalEntitiesTable {
  id: string;
  legal_name: string;
  address: Address | null;
  tax_ids: TaxId[];
  country: string;
  email: string | null;
  phone: string | null;
  payment_instructions: string | null;
  invoice_prefix: string;
  credit_note_prefix: string;
  created_at: Date;
  updated_at: Date;
}

interface LegalEntityTables {
  legal_entities: LegalEntitiesTable;
}

export type LegalEntityRow = Selectable<LegalEntitiesTable>;

const t = (db: Executor) => db as unknown as Kysely<LegalEntityTables>;

// jsonb takes JSON text: pg would send a JS array as a PostgreSQL array.
const json = (value: unknown) => JSON.stringify(value) as never;

/** `update` to change the row; `share` to keep it as read until commit (a finalization prices and prints it). */
export async function findLegalEntityRow(db: Executor, id: string, lock: "update" | "share" | null = null) {
  const query = t(db).selectFrom("legal_entities").selectAll().where("id", "=", id);
  if (lock === "update") return query.forUpdate().executeTakeFirst();
  return (lock === "share" ? query.forShare() : query).executeTakeFirst();
}

/** Every entity, by id: a company has a handful. */
export async function listLegalEntityRows(db: Executor): Promise<LegalEntityRow[]> {
  return t(db).selectFrom("legal_entities").selectAll().orderBy("id").execute();
}

export async function insertLegalEntity(db: Executor, row: LegalEntityRow): Promise<void> {
  await t(db)
    .insertInto("legal_entities")
    .values({ ...row, address: json(row.address), tax_ids: json(row.tax_ids) })
    .execute();
}

export async function updateLegalEntityRow(
  db: Executor,
  id: string,
  changes: Omit<Updateable<LegalEntitiesTable>, "id" | "created_at">,
): Promise<void> {
  const { address, tax_ids, ...rest } = changes;
  await t(db)
    .updateTable("legal_entities")
    .set({
      ...rest,
      ...(address === undefined ? {} : { address: json(address) }),
      ...(tax_ids === undefined ? {} : { tax_ids: json(tax_ids) }),
    })
    .where("id", "=", id)
    .execute();
}
