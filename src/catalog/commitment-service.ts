import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { parseCurrency, parseCurrencyAmount } from "../kernel/money.js";
import { type Page, type PageRequest, paginate } from "../kernel/pagination.js";
import { recordCatalogChange } from "./changes.js";
import type { CommitmentScope } from "./commitments.js";
import { existingCustomer } from "./customer-check.js";
import { mustFindPlan } from "./service.js";
import {
  type CommitmentFilter,
  type CommitmentRow,
  commitmentsBinding,
  commitmentsQuery,
  findCommitment,
  insertCommitment,
  updateCommitmentRow,
} from "./store.js";
import { type Commitment, type CommitmentTerms, commitmentTermsOf, commitmentView } from "./views.js";

/**
 * Minimum-spend commitments: "at least 1,000.00 a month" or "at least
 * 50,000.00 over the contract". Invoicing compares what it billed with them
 * (trueUpLine) and bills the shortfall.
 */

export interface NewCommitment {
  /** For everyone on this plan, or, with `customer`, for that customer on it. */
  plan?: string | undefined;
  /** A cus_ id: this customer's commitment, on any plan unless `plan` is given. */
  customer?: string | undefined;
  amount: string;
  /** Default the plan's currency. */
  currency?: string | undefined;
  scope: CommitmentScope;
  description?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
}

async function commitmentCurrency(tx: Tx, input: NewCommitment): Promise<string> {
  const plan = input.plan === undefined ? undefined : await mustFindPlan(tx, input.plan);
  if (plan?.status === "archived")
    throw new DomainError("plan_archived", `plan ${plan.id} is archived`, { param: "plan" });
  const currency = input.currency ?? plan?.currency;
  if (currency === undefined) {
    throw new DomainError("parameter_missing", "a commitment without a plan needs a currency", { param: "currency" });
  }
  return parseCurrency(currency, "currency");
}

export async function createCommitment(deps: Deps, ctx: RequestContext, input: NewCommitment): Promise<Commitment> {
  if (input.plan === undefined && input.customer === undefined) {
    throw new DomainError("parameter_missing", "a commitment binds a plan, a customer, or both", { param: "plan" });
  }
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const customer_id =
      input.customer === undefined ? null : await existingCustomer(deps, tx, input.customer, { forNewTerms: true });
    const currency = await commitmentCurrency(tx, input);
    const amount = parseCurrencyAmount(input.amount, currency, "amount");
    if (amount.isNegative()) {
      throw new DomainError("invalid_commitment", "a commitment is zero or more", { param: "amount" });
    }
    const row: CommitmentRow = {
      id: newId("commitment"),
      plan_id: input.plan ?? null,
      customer_id,
      amount: amount.toFixed(),
      currency,
      scope: input.scope,
      description: input.description ?? null,
      status: "active",
      metadata: input.metadata ?? {},
      created_at: toDate(now),
      updated_at: toDate(now),
    };
    await insertCommitment(tx, row);
    const after = commitmentView(row);
    const change = { action: "commitment.created", object_type: "commitment", object_id: row.id, after };
    await recordCatalogChange(tx, ctx, change, now);
    return after;
  });
}

async function mustFindCommitment(db: Deps["db"] | Tx, id: string, lock = false): Promise<CommitmentRow> {
  const row = await findCommitment(db, id, lock);
  if (row === undefined) throw new DomainError("commitment_not_found", `no commitment ${id}`, { param: "id" });
  return row;
}

/** An archived commitment no longer produces true-ups, from the next invoice on. */
export async function archiveCommitment(deps: Deps, ctx: RequestContext, id: string): Promise<Commitment> {
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const before = await mustFindCommitment(tx, id, true);
    if (before.status === "archived") {
      throw new DomainError("commitment_archived", `commitment ${id} is already archived`, { param: "id" });
    }
    const row: CommitmentRow = { ...before, status: "archived", updated_at: toDate(now) };
    await updateCommitmentRow(tx, row);
    const after = commitmentView(row);
    await recordCatalogChange(
      tx,
      ctx,
      {
        action: "commitment.archived",
        object_type: "commitment",
        object_id: id,
        before: commitmentView(before),
        after,
      },
      now,
    );
    return after;
  });
}

export async function getCommitment(deps: Deps, id: string): Promise<Commitment> {
  return commitmentView(await mustFindCommitment(deps.db, id));
}

export async function listCommitments(deps: Deps, query: PageRequest & CommitmentFilter): Promise<Page<Commitment>> {
  const page = await paginate(commitmentsQuery(deps.db, query), "id", query);
  return { data: page.data.map(commitmentView), has_more: page.has_more };
}

/**
 * The active commitments binding a customer on a plan (the plan's, the
 * customer's, and the customer's on that plan), for invoicing's true-up.
 */
export async function commitmentsFor(
  deps: Pick<Deps, "db">,
  key: { customer: string; plan: string | null },
): Promise<CommitmentTerms[]> {
  const rows = await commitmentsBinding(deps.db, { customer_id: key.customer, plan_id: key.plan });
  return rows.map(commitmentTermsOf);
}
