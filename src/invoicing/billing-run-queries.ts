import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { parseId } from "../kernel/ids.js";
import type { PageRequest } from "../kernel/pagination.js";
import { findRun, findRunItems, listRunRows } from "./billing-run-store.js";
import { runJson } from "./billing-run-views.js";

/** Reading past runs: the list without items, one run with its items. */

export async function getBillingRun(deps: Deps, id: string) {
  const run = await findRun(deps.db, parseId("billing_run", id, "id"));
  if (run === undefined) throw new DomainError("billing_run_not_found", `no billing run ${id}`, { param: "id" });
  return runJson(run, await findRunItems(deps.db, run.id));
}

export async function listBillingRuns(deps: Deps, page: PageRequest) {
  const rows = await listRunRows(deps.db, page);
  return { object: "list" as const, data: rows.data.map((row) => runJson(row, undefined)), has_more: rows.has_more };
}
