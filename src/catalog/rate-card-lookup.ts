import type { Deps } from "../kernel/deps.js";

/** Which card each rate card version belongs to: what an explanation names beside the charges it priced. */

export interface RateCardVersionSummary {
  id: string;
  number: number;
  effective_from: string | null;
  rate_card: string;
  rate_card_name: string;
  kind: "default" | "customer";
}

export async function rateCardVersionSummaries(deps: Deps, ids: readonly string[]): Promise<RateCardVersionSummary[]> {
  if (ids.length === 0) return [];
  const rows = await deps.db
    .selectFrom("rate_card_versions as v")
    .innerJoin("rate_cards as c", "c.id", "v.rate_card_id")
    .select(["v.id", "v.number", "v.effective_from", "c.id as rate_card", "c.name", "c.kind"])
    .where("v.id", "in", [...ids])
    .orderBy("c.kind")
    .orderBy("v.number")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    number: row.number,
    effective_from: row.effective_from === null ? null : (row.effective_from as Date).toISOString(),
    rate_card: row.rate_card,
    rate_card_name: row.name,
    kind: row.kind as RateCardVersionSummary["kind"],
  }));
}
