import client from "prom-client";

/**
 * Journal entries posted, by path: `single` (postEntry, reversals, manual
 * entries) or `batch` (postEntriesBatch). Replays of an idempotency key that
 * posted nothing are not counted. On prom-client's default registry, which
 * `/metrics` serves.
 */
export const ledgerPostingsTotal = new client.Counter({
  name: "accrue_ledger_postings_total",
  help: "Journal entries posted to the ledger, by posting path (single or batch)",
  labelNames: ["path"] as const,
});
