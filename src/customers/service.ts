import type { Temporal } from "temporal-polyfill";
import { type AuditEvent, listAuditEvents, recordAudit } from "../access/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { instantText, toDate } from "../kernel/clock.js";
import { type Executor, inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId, parseId } from "../kernel/ids.js";
import { emitEvent } from "../kernel/outbox.js";
import { type Page, type PageRequest, paginate } from "../kernel/pagination.js";
import { currencyInUse } from "./currency-guards.js";
import { customerReference } from "./fields.js";
import { assertLegalEntityKnown, legalEntityViolation } from "./legal-entity-checks.js";
import {
  applyCustomerChanges,
  type CustomerChanges,
  type CustomerFields,
  type CustomerInput,
  checkNewCustomer,
  customerSearchText,
  type Hold,
  newHold,
  sameFields,
  searchPatterns,
} from "./model.js";
import {
  type CustomerRow,
  customerIdsByReference,
  customersQuery,
  findCustomer,
  insertCustomer,
  updateCustomerRow,
} from "./store.js";
import { findTestClock } from "./test-clocks.js";

/**
 * Customer use cases: each opens one transaction, loads and locks the row,
 * lets the model decide, saves, announces the change on the outbox and
 * records it in the audit log with before and after — all or nothing.
 */

/** What invoicing, subscriptions and collections need to bill a customer. */
export interface BillingAccount {
  id: string;
  external_id: string | null;
  legal_name: string;
  display_name: string | null;
  emails: string[];
  billing_address: CustomerFields["billing_address"];
  shipping_address: CustomerFields["shipping_address"];
  tax_ids: CustomerFields["tax_ids"];
  currency: string;
  time_zone: string;
  locale: string;
  payment_terms: CustomerFields["payment_terms"];
  invoice_delivery: CustomerFields["invoice_delivery"];
  po_required: boolean;
  credit_limit: string | null;
  /** Set: billing runs skip the customer and say so. */
  billing_hold: Hold | null;
  credit_hold: Hold | null;
  archived: boolean;
  /** The test clock the customer lives on (its time and its own ledger book); null: real time. */
  test_clock: string | null;
  /** The legal entity that bills the customer: the seller on its documents and their number series. */
  legal_entity: string;
}

export interface Customer extends BillingAccount, CustomerFields {
  object: "customer";
  archived_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface CustomerListQuery extends PageRequest {
  q?: string | undefined;
  tag?: string | undefined;
  currency?: string | undefined;
  /** Archived customers are left out unless asked for. */
  archived?: boolean | undefined;
  /** Only the customers on this test clock. */
  test_clock?: string | undefined;
  /** true: only customers on a billing hold; false: only those without one. */
  billing_hold?: boolean | undefined;
}

/** What Temporal.Instant's toString() gives, without building one (a billing run reads 500 customers a page). */
const iso = (date: Date) => instantText(date);

export function toCustomer(row: CustomerRow): Customer {
  const { search_text: _search, archived_at, created_at, updated_at, ...fields } = row;
  return {
    object: "customer",
    ...fields,
    archived: archived_at !== null,
    archived_at: archived_at === null ? null : iso(archived_at),
    created_at: iso(created_at),
    updated_at: iso(updated_at),
  };
}

function fieldsOf(row: CustomerRow): CustomerFields {
  const {
    id: _id,
    billing_hold: _b,
    credit_hold: _c,
    archived: _a,
    archived_at: _at,
    test_clock: _t,
    ...rest
  } = toCustomer(row);
  const { object: _object, created_at: _created, updated_at: _updated, ...fields } = rest;
  return fields;
}

function notFound(reference: string, param = "id"): DomainError {
  return new DomainError("customer_not_found", `no customer ${reference}`, { param });
}

/**
 * Loads a customer by `cus_…` id or external id; `lock` holds the row until
 * the transaction ends. An error names `param`, the field the reference came
 * in (the path's `id`, or a body's `customer`).
 */
export async function loadCustomerRow(
  db: Executor,
  reference: string,
  lock = false,
  param = "id",
): Promise<CustomerRow> {
  const key = customerReference(reference);
  if ("id" in key) parseId("customer", key.id, param);
  const row = await findCustomer(db, key, { lock });
  if (row === null) throw notFound(reference, param);
  return row;
}

/** The same, refusing archived customers: they keep their history but take no new business. */
export async function loadActiveCustomerRow(db: Executor, reference: string): Promise<CustomerRow> {
  const row = await loadCustomerRow(db, reference, true);
  if (row.archived_at !== null) {
    throw new DomainError("customer_archived", `customer ${row.id} is archived; unarchive it first`, { param: "id" });
  }
  return row;
}

/**
 * A customer by our id or the caller's external id, optionally inside the
 * caller's transaction; a bad reference's error names `param`.
 */
export async function getCustomer(deps: Deps, idOrExternalId: string, tx?: Tx, param = "id"): Promise<Customer> {
  return toCustomer(await loadCustomerRow(tx ?? deps.db, idOrExternalId, false, param));
}

/**
 * Many customers by our ids in one query, for work over a batch (a billing
 * run's chunk). Ids with no customer are simply absent from the map.
 */
export async function getCustomersByIds(
  deps: Pick<Deps, "db">,
  ids: readonly string[],
): Promise<Map<string, Customer>> {
  const customers = new Map<string, Customer>();
  if (ids.length === 0) return customers;
  const rows = await customersQuery(deps.db, {})
    .where("id", "in", [...new Set(ids)])
    .execute();
  for (const row of rows) customers.set(row.id, toCustomer(row));
  return customers;
}

/**
 * Our customer ids for many references at once (our ids or external ids),
 * for batch work such as a batch of usage events; references that name no
 * customer are absent from the map.
 */
export function resolveCustomerReferences(
  deps: Pick<Deps, "db">,
  references: readonly string[],
): Promise<Map<string, string>> {
  return customerIdsByReference(deps.db, references);
}

export async function listCustomers(deps: Deps, query: CustomerListQuery): Promise<Page<Customer>> {
  const q = query.q?.trim() ?? "";
  const rows = customersQuery(deps.db, {
    search: q === "" ? undefined : searchPatterns(q),
    tag: query.tag?.toLowerCase(),
    currency: query.currency,
    archived: query.archived ?? false,
    test_clock: query.test_clock,
    billing_hold: query.billing_hold,
  });
  const page = await paginate(rows, "id", query);
  return { data: page.data.map(toCustomer), has_more: page.has_more };
}

/** Turns the external id's unique violation (two creates racing) into the named conflict, an unknown entity into a 400. */
async function externalIdUnique<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const unknownEntity = legalEntityViolation(error);
    if (unknownEntity !== null) throw unknownEntity;
    const pg = error as { code?: string; constraint?: string };
    if (pg.code === "23505" && pg.constraint === "customers_external_id") {
      throw new DomainError("customer_external_id_taken", "another customer already has this external id", {
        param: "external_id",
      });
    }
    throw error;
  }
}

interface Announcement {
  action: string;
  event?: "customer.created" | "customer.updated" | "customer.archived";
  before: Customer | null;
  after: Customer;
}

/** Outbox event first, audit last: the audit chain's head lock is then held only until commit. */
async function announce(tx: Tx, ctx: RequestContext, at: Temporal.Instant, change: Announcement): Promise<void> {
  if (change.event !== undefined) {
    await emitEvent(tx, { type: change.event, data: { ...change.after } }, at, ctx.request_id);
  }
  await recordAudit(
    tx,
    ctx,
    {
      action: change.action,
      object_type: "customer",
      object_id: change.after.id,
      before: change.before,
      after: change.after,
    },
    at,
  );
}

function rowFrom(
  id: string,
  fields: CustomerFields,
  state: Pick<CustomerRow, "billing_hold" | "credit_hold" | "archived_at" | "created_at" | "test_clock">,
  at: Date,
): CustomerRow {
  return {
    id,
    ...fields,
    billing_hold: state.billing_hold,
    credit_hold: state.credit_hold,
    archived_at: state.archived_at,
    test_clock: state.test_clock,
    created_at: state.created_at,
    search_text: customerSearchText(fields),
    updated_at: at,
  };
}

/** `test_clock`: the customer lives on that test clock, created at the clock's time. */
export async function createCustomer(
  deps: Deps,
  ctx: RequestContext,
  input: CustomerInput & { test_clock?: string | null | undefined },
): Promise<Customer> {
  const { test_clock: testClockId, ...customerInput } = input;
  const fields = checkNewCustomer(customerInput, () => newId("customer_contact"));
  return externalIdUnique(() =>
    inTransaction(deps.db, async (tx) => {
      const clock = testClockId == null ? null : await findTestClock(tx, testClockId, true, "test_clock");
      await assertLegalEntityKnown(tx, fields.legal_entity);
      const now = clock === null ? deps.clock.now() : clock.frozen_time;
      const at = toDate(now);
      const row = rowFrom(
        newId("customer"),
        fields,
        { billing_hold: null, credit_hold: null, archived_at: null, created_at: at, test_clock: clock?.id ?? null },
        at,
      );
      await insertCustomer(tx, row);
      const customer = toCustomer(row);
      await announce(tx, ctx, now, {
        action: "customer.created",
        event: "customer.created",
        before: null,
        after: customer,
      });
      return customer;
    }),
  );
}

/** A partial update (Stripe-style POST): fields left out stay as they are. An update that changes nothing records nothing. */
export async function updateCustomer(
  deps: Deps,
  ctx: RequestContext,
  idOrExternalId: string,
  changes: CustomerChanges,
): Promise<Customer> {
  return externalIdUnique(() =>
    inTransaction(deps.db, async (tx) => {
      const now = deps.clock.now();
      const before = await loadActiveCustomerRow(tx, idOrExternalId);
      const fields = applyCustomerChanges(fieldsOf(before), changes, () => newId("customer_contact"));
      if (sameFields(fields, fieldsOf(before))) return toCustomer(before);
      if (fields.currency !== before.currency) await assertCurrencyFree(tx, before.id, before.currency);
      const movesEntity = fields.legal_entity !== before.legal_entity;
      if (movesEntity) await assertLegalEntityKnown(tx, fields.legal_entity);
      const after = rowFrom(before.id, fields, before, toDate(now));
      await updateCustomerRow(tx, after);
      const customer = toCustomer(after);
      await announce(tx, ctx, now, {
        action: "customer.updated",
        event: "customer.updated",
        before: toCustomer(before),
        after: customer,
      });
      if (movesEntity) await recordLegalEntityMove(tx, ctx, now, { before, after });
      return customer;
    }),
  );
}

/**
 * Moving a customer to another legal entity (a company moving an account to
 * another subsidiary) is allowed at any time: documents already finalized or
 * issued keep the seller and number they were issued with, and the next ones
 * use the new entity. The move gets its own audit entry so it stands out in
 * the customer's history beside the full before/after of the update.
 */
async function recordLegalEntityMove(
  tx: Tx,
  ctx: RequestContext,
  at: Temporal.Instant,
  change: { before: CustomerRow; after: CustomerRow },
): Promise<void> {
  await recordCustomerAudit(
    tx,
    ctx,
    {
      action: "customer.legal_entity_changed",
      customer_id: change.after.id,
      before: { legal_entity: change.before.legal_entity },
      after: { legal_entity: change.after.legal_entity },
    },
    at,
  );
}

/** Refuses a currency change once invoices or subscriptions are in the old currency. */
async function assertCurrencyFree(tx: Tx, customerId: string, currency: string): Promise<void> {
  const uses = await currencyInUse(tx, customerId);
  if (uses.length === 0) return;
  throw new DomainError(
    "customer_currency_in_use",
    `the customer is billed in ${currency} and has ${uses.join(" and ")} in it; create a new billing account for another currency`,
    { param: "currency", details: { uses } },
  );
}

type StateChange = (row: CustomerRow, now: Temporal.Instant, ctx: RequestContext) => Partial<CustomerRow>;

/** Archive, holds: one locked row, one change to its state, announced and audited. */
async function changeState(
  deps: Deps,
  ctx: RequestContext,
  idOrExternalId: string,
  change: { action: string; event: Announcement["event"]; allowArchived?: boolean; apply: StateChange },
): Promise<Customer> {
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const before =
      change.allowArchived === true
        ? await loadCustomerRow(tx, idOrExternalId, true)
        : await loadActiveCustomerRow(tx, idOrExternalId);
    const after: CustomerRow = { ...before, ...change.apply(before, now, ctx), updated_at: toDate(now) };
    await updateCustomerRow(tx, after);
    const customer = toCustomer(after);
    await announce(tx, ctx, now, {
      action: change.action,
      event: change.event,
      before: toCustomer(before),
      after: customer,
    });
    return customer;
  });
}

/**
 * Archiving hides a customer from lists and refuses new business; nothing is
 * deleted, so invoices, the ledger and the audit log keep pointing at it.
 */
export async function archiveCustomer(deps: Deps, ctx: RequestContext, idOrExternalId: string): Promise<Customer> {
  return changeState(deps, ctx, idOrExternalId, {
    action: "customer.archived",
    event: "customer.archived",
    apply: (_row, now) => ({ archived_at: toDate(now) }),
  });
}

export async function unarchiveCustomer(deps: Deps, ctx: RequestContext, idOrExternalId: string): Promise<Customer> {
  return changeState(deps, ctx, idOrExternalId, {
    action: "customer.unarchived",
    event: "customer.updated",
    allowArchived: true,
    apply: (row) => {
      if (row.archived_at === null) {
        throw new DomainError("customer_not_archived", `customer ${row.id} is not archived`, { param: "id" });
      }
      return { archived_at: null };
    },
  });
}

type HoldKind = "billing_hold" | "credit_hold";

function placeHold(kind: HoldKind, reason: string): StateChange {
  return (row, now, ctx) => {
    if (row[kind] !== null) {
      throw new DomainError(`${kind}_already_set`, `customer ${row.id} is already on a ${kind.replace("_", " ")}`, {
        param: "reason",
      });
    }
    return { [kind]: newHold(reason, ctx.actor, now) };
  };
}

function releaseHold(kind: HoldKind): StateChange {
  return (row) => {
    if (row[kind] === null) {
      throw new DomainError(`${kind}_not_set`, `customer ${row.id} is not on a ${kind.replace("_", " ")}`, {
        param: "id",
      });
    }
    return { [kind]: null };
  };
}

/** Stops invoicing: billing runs skip the customer and record why. */
export async function placeBillingHold(deps: Deps, ctx: RequestContext, idOrExternalId: string, reason: string) {
  return changeState(deps, ctx, idOrExternalId, {
    action: "customer.billing_hold_placed",
    event: "customer.updated",
    allowArchived: true,
    apply: placeHold("billing_hold", reason),
  });
}

export async function releaseBillingHold(deps: Deps, ctx: RequestContext, idOrExternalId: string) {
  return changeState(deps, ctx, idOrExternalId, {
    action: "customer.billing_hold_released",
    event: "customer.updated",
    allowArchived: true,
    apply: releaseHold("billing_hold"),
  });
}

/** For collections: stops new credit to a customer who is behind on payments. */
export async function placeCreditHold(deps: Deps, ctx: RequestContext, idOrExternalId: string, reason: string) {
  return changeState(deps, ctx, idOrExternalId, {
    action: "customer.credit_hold_placed",
    event: "customer.updated",
    allowArchived: true,
    apply: placeHold("credit_hold", reason),
  });
}

export async function releaseCreditHold(deps: Deps, ctx: RequestContext, idOrExternalId: string) {
  return changeState(deps, ctx, idOrExternalId, {
    action: "customer.credit_hold_released",
    event: "customer.updated",
    allowArchived: true,
    apply: releaseHold("credit_hold"),
  });
}

/** The customer's audit trail, newest first: every change with who, when, why, before and after. */
export async function customerHistory(
  deps: Deps,
  idOrExternalId: string,
  page: PageRequest,
): Promise<Page<AuditEvent>> {
  const row = await loadCustomerRow(deps.db, idOrExternalId);
  return listAuditEvents(deps, { ...page, object_type: "customer", object_id: row.id });
}

/** Records a change to something the customer owns (a note, a PO) in the customer's history. */
export async function recordCustomerAudit(
  tx: Tx,
  ctx: RequestContext,
  entry: { action: string; customer_id: string; before: unknown; after: unknown },
  at: Temporal.Instant,
): Promise<void> {
  await recordAudit(
    tx,
    ctx,
    {
      action: entry.action,
      object_type: "customer",
      object_id: entry.customer_id,
      before: entry.before,
      after: entry.after,
    },
    at,
  );
}
