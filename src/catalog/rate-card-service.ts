import { Temporal } from "temporal-polyfill";
import { getCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { parseCurrency } from "../kernel/currencies.js";
import { type Executor, inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { type Page, type PageRequest, paginate } from "../kernel/pagination.js";
import { recordCatalogChange } from "./changes.js";
import { existingCustomer } from "./customer-check.js";
import {
  applyRateChanges,
  diffRates,
  type RateCardKind,
  type RateChanges,
  type RateDiff,
  type RateSet,
  readRates,
} from "./rate-card-model.js";
import { affectedPeriods } from "./rate-card-periods.js";
import {
  findCustomerRateCard,
  findDefaultRateCard,
  findRateCard,
  findRateCardVersion,
  findRateCardVersionByNumber,
  insertRateCard,
  insertRateCardVersion,
  type RateCardFilter,
  type RateCardRow,
  type RateCardVersionRow,
  rateCardsQuery,
  rateCardVersions,
  updateRateCardVersion,
} from "./rate-card-store.js";
import { type RateCard, type RateCardVersion, rateCardVersionView, rateCardView } from "./rate-card-views.js";

/**
 * Rate cards: a default card per currency and customer cards that hold only
 * the codes they override. Rates change only by a new version, which is a
 * draft until someone other than its editors approves it
 * (rate-card-approval.ts); approved versions never change.
 */

export interface NewRateCard {
  kind: RateCardKind;
  /** A default card's currency; a customer card takes the customer's. */
  currency?: string | undefined;
  customer?: string | undefined;
  name?: string | undefined;
  /** The first version's rates (a draft until approved). */
  rates: unknown;
  effective_from?: Temporal.Instant | undefined;
  note?: string | undefined;
}

/** Either the whole new set (`rates`) or an edit of the latest approved one (`set`, `remove`). */
export interface RateCardVersionInput {
  rates?: unknown;
  set?: unknown;
  remove?: readonly string[] | undefined;
  /** Absent: in force from the moment it is approved. */
  effective_from?: Temporal.Instant | null | undefined;
  note?: string | null | undefined;
}

/** Who shaped a version: the actor and the person behind an API key. */
export function principalIds(ctx: RequestContext): string[] {
  return [ctx.actor.id, ctx.actor.user_id].filter((id): id is string => id !== undefined);
}

export async function mustFindRateCard(db: Executor, id: string, lock = false): Promise<RateCardRow> {
  const card = await findRateCard(db, id, lock);
  if (card === undefined) throw new DomainError("rate_card_not_found", `no rate card ${id}`, { param: "id" });
  return card;
}

export async function mustFindVersion(db: Executor, card: RateCardRow, ref: string, param: string) {
  const version = /^\d{1,9}$/.test(ref)
    ? await findRateCardVersionByNumber(db, card.id, Number(ref))
    : await findRateCardVersion(db, ref);
  if (version === undefined || version.rate_card_id !== card.id) {
    throw new DomainError("rate_card_version_not_found", `rate card ${card.id} has no version ${ref}`, { param });
  }
  return version;
}

async function cardFields(deps: Deps, tx: Tx, input: NewRateCard) {
  if (input.kind === "default") {
    if (input.customer !== undefined) {
      throw new DomainError("invalid_rate_card", "a default card belongs to no customer", { param: "customer" });
    }
    const currency = parseCurrency(input.currency, "currency");
    if ((await findDefaultRateCard(tx, currency)) !== undefined) {
      throw new DomainError("rate_card_exists", `there is already a default rate card in ${currency}`, {
        param: "currency",
      });
    }
    return { currency, customer_id: null, name: input.name ?? `Default ${currency}` };
  }
  if (input.customer === undefined) {
    throw new DomainError("parameter_missing", "a customer card names its customer", { param: "customer" });
  }
  const customerId = await existingCustomer(deps, tx, input.customer, { forNewTerms: true });
  const customer = await getCustomer(deps, customerId, tx);
  if (input.currency !== undefined && input.currency !== customer.currency) {
    throw new DomainError("invalid_rate_card", `the customer is billed in ${customer.currency}`, { param: "currency" });
  }
  if ((await findCustomerRateCard(tx, customerId)) !== undefined) {
    throw new DomainError("rate_card_exists", `customer ${customerId} already has a rate card; add a version to it`, {
      param: "customer",
    });
  }
  return { currency: customer.currency, customer_id: customerId, name: input.name ?? `${customer.legal_name} rates` };
}

export async function createRateCard(
  deps: Deps,
  ctx: RequestContext,
  input: NewRateCard,
): Promise<{ card: RateCard; version: RateCardVersion }> {
  const rates = readRates(input.rates);
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const card: RateCardRow = {
      id: newId("rate_card"),
      kind: input.kind,
      ...(await cardFields(deps, tx, input)),
      created_at: toDate(now),
    };
    await insertRateCard(tx, card);
    // The first version may start in the past: a card brought over with its history.
    const effectiveFrom = input.effective_from ?? null;
    const version: RateCardVersionRow = {
      ...versionRow(ctx, card.id, 1, rates, effectiveFrom, input.note ?? null, now),
      affected_periods: await affectedPeriods(tx, coverageOf(card, []), effectiveFrom, now),
    };
    await insertRateCardVersion(tx, version);
    const after = rateCardView(card, [version], now);
    await recordCatalogChange(
      tx,
      ctx,
      { action: "rate_card.created", object_type: "rate_card", object_id: card.id, after },
      now,
    );
    return { card: after, version: rateCardVersionView(version) };
  });
}

function versionRow(
  ctx: RequestContext,
  rateCardId: string,
  number: number,
  rates: RateSet,
  effectiveFrom: Temporal.Instant | null,
  note: string | null,
  now: Temporal.Instant,
): RateCardVersionRow {
  return {
    id: newId("rate_card_version"),
    rate_card_id: rateCardId,
    number,
    status: "draft",
    effective_from: effectiveFrom === null ? null : toDate(effectiveFrom),
    rates,
    note,
    created_by: ctx.actor.id,
    edited_by: principalIds(ctx),
    approval_id: null,
    approved_by: null,
    approved_at: null,
    affected_periods: null,
    created_at: toDate(now),
    updated_at: toDate(now),
  };
}

function latestApproved(versions: readonly RateCardVersionRow[]): RateCardVersionRow | undefined {
  return versions.filter((version) => version.status === "approved").at(-1);
}

/** The version's rates: a whole new set, or set/remove applied to `base`. */
function ratesOf(input: RateCardVersionInput, base: RateSet): RateSet {
  if (input.rates !== undefined) {
    if (input.set !== undefined || input.remove !== undefined) {
      throw new DomainError("invalid_rate_change", "send either rates (the whole set) or set/remove, not both", {
        param: "rates",
      });
    }
    return readRates(input.rates);
  }
  const changes: RateChanges = {
    set: input.set === undefined ? undefined : readRates(input.set, "set"),
    remove: input.remove,
  };
  return applyRateChanges(base, changes);
}

/** The card and its approved versions, for finding the rated periods a backdated version reaches. */
export function coverageOf(card: RateCardRow, versions: readonly RateCardVersionRow[]) {
  return {
    kind: card.kind,
    currency: card.currency,
    customer_id: card.customer_id,
    version_ids: versions.filter((version) => version.status === "approved").map((version) => version.id),
  };
}

/**
 * Drafts start after the latest approved version: history is appended, never
 * rewritten. A version may start in the past (a rate agreed on the 10th from
 * the 1st), but not at or before the version it replaces: that one stays in
 * force up to the new start, so each event is still rated by the one version
 * whose span holds its timestamp.
 */
export function checkAfterLatest(versions: readonly RateCardVersionRow[], effectiveFrom: Temporal.Instant | null) {
  const latest = latestApproved(versions)?.effective_from;
  if (effectiveFrom === null || latest == null) return;
  if (Temporal.Instant.compare(effectiveFrom, fromDate(latest)) <= 0) {
    throw new DomainError(
      "rate_card_version_out_of_order",
      `the latest approved version starts at ${fromDate(latest)}; a new one starts after it`,
      { param: "effective_from" },
    );
  }
}

/** POST /v1/rate_cards/{id}/versions: a new draft, from the latest approved version unless `rates` replaces it. */
export async function createRateCardVersion(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  input: RateCardVersionInput,
): Promise<RateCardVersion> {
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const card = await mustFindRateCard(tx, id, true); // one version number at a time
    const versions = await rateCardVersions(tx, card.id);
    const open = versions.find((version) => version.status === "draft" || version.status === "pending_approval");
    if (open !== undefined) {
      throw new DomainError(
        "rate_card_draft_open",
        `version ${open.number} is still ${open.status.replace("_", " ")}: change it, or have it decided first`,
        { param: "id", details: { version: open.id } },
      );
    }
    const effectiveFrom = input.effective_from ?? null;
    checkAfterLatest(versions, effectiveFrom);
    const rates = ratesOf(input, latestApproved(versions)?.rates ?? {});
    const number = (versions.at(-1)?.number ?? 0) + 1;
    const row: RateCardVersionRow = {
      ...versionRow(ctx, card.id, number, rates, effectiveFrom, input.note ?? null, now),
      // Backdated: nothing changes until approval, but the maker sees now which periods it reaches.
      affected_periods: await affectedPeriods(tx, coverageOf(card, versions), effectiveFrom, now),
    };
    await insertRateCardVersion(tx, row);
    const after = rateCardVersionView(row);
    await recordCatalogChange(
      tx,
      ctx,
      { action: "rate_card.version_created", object_type: "rate_card", object_id: card.id, after },
      now,
    );
    return after;
  });
}

/** POST /v1/rate_cards/{id}/versions/{version}: a draft changes until it is sent for approval. */
export async function updateRateCardDraft(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  versionRef: string,
  input: RateCardVersionInput,
): Promise<RateCardVersion> {
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const card = await mustFindRateCard(tx, id, true);
    const before = await mustFindVersion(tx, card, versionRef, "version");
    if (before.status !== "draft") {
      throw new DomainError(
        "rate_card_version_not_editable",
        `version ${before.number} is ${before.status.replace("_", " ")}; make a new version instead`,
        { param: "version" },
      );
    }
    const effectiveFrom =
      input.effective_from === undefined
        ? before.effective_from && fromDate(before.effective_from)
        : input.effective_from;
    const versions = await rateCardVersions(tx, card.id);
    checkAfterLatest(versions, effectiveFrom ?? null);
    const row: RateCardVersionRow = {
      ...before,
      rates: ratesOf(input, before.rates),
      effective_from: effectiveFrom == null ? null : toDate(effectiveFrom),
      affected_periods: await affectedPeriods(tx, coverageOf(card, versions), effectiveFrom ?? null, now),
      note: input.note === undefined ? before.note : input.note,
      edited_by: [...new Set([...before.edited_by, ...principalIds(ctx)])],
      updated_at: toDate(now),
    };
    await updateRateCardVersion(tx, row);
    const after = rateCardVersionView(row);
    await recordCatalogChange(
      tx,
      ctx,
      {
        action: "rate_card.version_updated",
        object_type: "rate_card",
        object_id: card.id,
        before: rateCardVersionView(before),
        after,
      },
      now,
    );
    return after;
  });
}

export async function getRateCard(deps: Deps, id: string): Promise<RateCard> {
  const card = await mustFindRateCard(deps.db, id);
  return rateCardView(card, await rateCardVersions(deps.db, card.id), deps.clock.now());
}

export async function listRateCards(deps: Deps, query: PageRequest & RateCardFilter): Promise<Page<RateCard>> {
  const page = await paginate(rateCardsQuery(deps.db, query), "id", query);
  const now = deps.clock.now();
  const data: RateCard[] = [];
  for (const card of page.data) data.push(rateCardView(card, await rateCardVersions(deps.db, card.id), now));
  return { data, has_more: page.has_more };
}

export async function listRateCardVersions(deps: Deps, id: string): Promise<RateCardVersion[]> {
  const card = await mustFindRateCard(deps.db, id);
  return (await rateCardVersions(deps.db, card.id)).map(rateCardVersionView);
}

export async function getRateCardVersion(deps: Deps, id: string, versionRef: string): Promise<RateCardVersion> {
  const card = await mustFindRateCard(deps.db, id);
  return rateCardVersionView(await mustFindVersion(deps.db, card, versionRef, "version"));
}

export interface RateCardDiff extends RateDiff {
  object: "rate_card_diff";
  rate_card: string;
  from: { id: string; number: number; status: string; effective_from: string | null };
  to: { id: string; number: number; status: string; effective_from: string | null };
}

/**
 * GET /v1/rate_cards/{id}/diff?from=&to=: what changed between any two
 * versions (ids or numbers). Without `from`, the version before `to`;
 * without `to`, the latest version.
 */
export async function rateCardDiff(
  deps: Deps,
  id: string,
  refs: { from?: string | undefined; to?: string | undefined },
): Promise<RateCardDiff> {
  const card = await mustFindRateCard(deps.db, id);
  const versions = await rateCardVersions(deps.db, card.id);
  const last = versions.at(-1);
  if (last === undefined) throw new DomainError("rate_card_version_not_found", "the card has no versions");
  const to = refs.to === undefined ? last : await mustFindVersion(deps.db, card, refs.to, "to");
  const from =
    refs.from === undefined
      ? versions.find((version) => version.number === to.number - 1)
      : await mustFindVersion(deps.db, card, refs.from, "from");
  const summary = (version: RateCardVersionRow) => {
    const view = rateCardVersionView(version);
    return { id: view.id, number: view.number, status: view.status, effective_from: view.effective_from };
  };
  const empty = { id: "", number: 0, status: "none", effective_from: null };
  return {
    object: "rate_card_diff",
    rate_card: card.id,
    from: from === undefined ? empty : summary(from),
    to: summary(to),
    ...diffRates(from?.rates ?? {}, to.rates),
  };
}
