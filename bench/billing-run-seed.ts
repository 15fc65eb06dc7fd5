import { sql } from "kysely";
import type { Db } from "../src/kernel/db.js";
import { newId } from "../src/kernel/ids.js";

/**
 * Copies a base set of customers made through the services (with their
 * subscriptions, phases, items, changes and pending proration lines) until
 * there are `total` customers: a 100,000-subscription benchmark cannot wait
 * for 100,000 API-speed sign-ups, and copies keep exactly the shapes the
 * services write. Each copy gets new ids (TypeIDs made here) and no external id.
 */
export async function replicateCustomers(db: Db, baseCustomerIds: readonly string[], total: number): Promise<void> {
  let made = baseCustomerIds.length;
  const rows = async <T>(query: string, ids: readonly string[]) =>
    (await sql<T>`select * from ${sql.raw(query)} where customer_id = any(${ids}::text[])`.execute(db)).rows;
  const subscriptions = await rows<{ id: string; customer_id: string }>("subscriptions", baseCustomerIds);
  const subscriptionIds = subscriptions.map((row) => row.id);
  const phases = (
    await sql<{ id: string; subscription_id: string }>`
    select id, subscription_id from subscription_phases where subscription_id = any(${subscriptionIds}::text[])`.execute(
      db,
    )
  ).rows;
  const items = (
    await sql<{ id: string; subscription_id: string }>`
    select id, subscription_id from subscription_items where subscription_id = any(${subscriptionIds}::text[])`.execute(
      db,
    )
  ).rows;
  const changes = (
    await sql<{ id: string; subscription_id: string }>`
    select id, subscription_id from subscription_changes where subscription_id = any(${subscriptionIds}::text[])`.execute(
      db,
    )
  ).rows;
  const prorations = (
    await sql<{ id: string; subscription_id: string }>`
    select id, subscription_id from subscription_proration_lines
     where subscription_id = any(${subscriptionIds}::text[]) and invoice_id is null`.execute(db)
  ).rows;
  while (made < total) {
    const take = baseCustomerIds.slice(0, Math.min(baseCustomerIds.length, total - made));
    const ids = new Map<string, string>();
    const fresh = (old: string, kind: Parameters<typeof newId>[0]) => {
      const id = newId(kind);
      ids.set(old, id);
      return id;
    };
    for (const id of take) fresh(id, "customer");
    for (const row of subscriptions) if (ids.has(row.customer_id)) fresh(row.id, "subscription");
    for (const row of phases) if (ids.has(row.subscription_id)) fresh(row.id, "subscription_phase");
    for (const row of items) if (ids.has(row.subscription_id)) fresh(row.id, "subscription_item");
    for (const row of changes) if (ids.has(row.subscription_id)) fresh(row.id, "subscription_change");
    for (const row of prorations) if (ids.has(row.subscription_id)) fresh(row.id, "proration_line");
    const olds = [...ids.keys()];
    const news = [...ids.values()];
    await db.transaction().execute(async (tx) => {
      await sql`create temporary table if not exists seed_ids (old_id text primary key, new_id text not null) on commit drop`.execute(
        tx,
      );
      await sql`insert into seed_ids select * from unnest(${olds}::text[], ${news}::text[])`.execute(tx);
      // Each copy joins the id map once per column it rewrites; jsonb_populate_record runs once per row (lateral).
      const copy = async (table: string, columns: readonly string[]) => {
        const joins = columns
          .map((column, index) => `join seed_ids m${index} on m${index}.old_id = t.${column}`)
          .join(" ");
        const overrides = columns.map((column, index) => `'${column}', m${index}.new_id`).join(", ");
        const extra = table === "customers" ? ", 'external_id', null" : "";
        await sql`
          insert into ${sql.raw(table)}
          select r.* from ${sql.raw(table)} t ${sql.raw(joins)}
          cross join lateral jsonb_populate_record(t, jsonb_build_object(${sql.raw(overrides + extra)})) r`.execute(tx);
      };
      await copy("customers", ["id"]);
      await copy("subscriptions", ["id", "customer_id"]);
      await copy("subscription_phases", ["id", "subscription_id"]);
      await copy("subscription_items", ["id", "phase_id", "subscription_id"]);
      await copy("subscription_changes", ["id", "subscription_id"]);
      await copy("subscription_proration_lines", ["id", "subscription_id", "change_id"]);
    });
    made += take.length;
  }
}
