import type { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import { registerLegalEntityCheck } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { type Executor, inTransaction, lockKey, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { emitEvent } from "../kernel/outbox.js";
import "./errors.js";
import {
  applyLegalEntityChanges,
  checkNewLegalEntity,
  type LegalEntity,
  type LegalEntityChanges,
  type NewLegalEntity,
} from "./legal-entities.js";
import {
  findLegalEntityRow,
  insertLegalEntity,
  type LegalEntityRow,
  listLegalEntityRows,
  updateLegalEntityRow,
} from "./legal-entity-store.js";

/**
 * Legal entities: the seller printed on invoices and credit notes and the
 * owner of their number series. Every change is audited with before and
 * after and sent as an event. A change never reaches a document already
 * finalized or issued: those keep the snapshot taken then.
 */

function entityOf(row: LegalEntityRow): LegalEntity {
  const { created_at: _created, updated_at: _updated, ...entity } = row;
  return entity;
}

export function legalEntityJson(row: LegalEntityRow) {
  return {
    object: "legal_entity" as const,
    ...entityOf(row),
    created_at: fromDate(row.created_at).toString(),
    updated_at: fromDate(row.updated_at).toString(),
  };
}

export type LegalEntityJson = ReturnType<typeof legalEntityJson>;

export function legalEntityNotFound(id: string, param = "id"): DomainError {
  return new DomainError("legal_entity_not_found", `no legal entity ${JSON.stringify(id)}`, { param });
}

/**
 * The entity a document is billed from. Used by invoicing inside its own
 * transactions; `param` names the field when the id came from the caller;
 * `share` keeps the row as read until commit, so an edit waits for it.
 */
export async function loadLegalEntity(
  db: Executor,
  id: string,
  options: { param?: string; share?: boolean } = {},
): Promise<LegalEntity> {
  const param = options.param ?? "legal_entity";
  const row = await findLegalEntityRow(db, id, options.share === true ? "share" : null);
  if (row === undefined) {
    throw new DomainError("invalid_legal_entity", `no legal entity ${JSON.stringify(id)}`, { param });
  }
  return entityOf(row);
}

/**
 * A customer may name any entity that exists; the row is kept as read until
 * the customer's change commits. Moving a customer with finalized invoices
 * is allowed: those invoices keep the seller snapshot taken at finalization.
 */
registerLegalEntityCheck(async (tx, id) => (await findLegalEntityRow(tx, id, "share")) !== undefined);

export async function listLegalEntities(deps: Deps) {
  const rows = await listLegalEntityRows(deps.db);
  return { object: "list" as const, data: rows.map(legalEntityJson), has_more: false };
}

export async function getLegalEntity(deps: Deps, id: string): Promise<LegalEntityJson> {
  const row = await findLegalEntityRow(deps.db, id);
  if (row === undefined) throw legalEntityNotFound(id);
  return legalEntityJson(row);
}

/**
 * Every document number is unique, so no prefix may serve two series: an
 * entity's prefixes may not be another entity's invoice or credit note
 * prefix. Entities change one at a time, so the check cannot race.
 */
async function refusePrefixClash(tx: Tx, entity: LegalEntity): Promise<void> {
  await lockKey(tx, "legal-entity", "prefixes");
  const others = (await listLegalEntityRows(tx)).filter((other) => other.id !== entity.id);
  for (const param of ["invoice_prefix", "credit_note_prefix"] as const) {
    const prefix = entity[param].toUpperCase();
    const holder = others.find(
      (other) => other.invoice_prefix.toUpperCase() === prefix || other.credit_note_prefix.toUpperCase() === prefix,
    );
    if (holder !== undefined) {
      throw new DomainError("legal_entity_prefix_taken", `${entity[param]} is a number prefix of ${holder.id}`, {
        param,
        details: { legal_entity: holder.id },
      });
    }
  }
}

async function recordChange(
  tx: Tx,
  ctx: RequestContext,
  change: { action: string; object_id: string; before?: LegalEntityJson; after: LegalEntityJson },
  at: Temporal.Instant,
): Promise<void> {
  await emitEvent(tx, { type: change.action, data: { legal_entity: change.after } }, at, ctx.request_id);
  await recordAudit(tx, ctx, { ...change, object_type: "legal_entity" }, at);
}

export async function createLegalEntity(
  deps: Deps,
  ctx: RequestContext,
  input: NewLegalEntity,
): Promise<LegalEntityJson> {
  const entity = checkNewLegalEntity(input);
  return inTransaction(deps.db, async (tx) => {
    await refusePrefixClash(tx, entity);
    if ((await findLegalEntityRow(tx, entity.id)) !== undefined) {
      throw new DomainError("legal_entity_exists", `a legal entity ${entity.id} exists already`, { param: "id" });
    }
    const at = deps.clock.now();
    await insertLegalEntity(tx, { ...entity, created_at: toDate(at), updated_at: toDate(at) });
    const after = await getLegalEntity({ ...deps, db: tx }, entity.id);
    await recordChange(tx, ctx, { action: "legal_entity.created", object_id: entity.id, after }, at);
    return after;
  });
}

/**
 * Changes the fields sent. A new prefix starts its own series at 1; numbers
 * already issued under the old one stay as they are.
 */
export async function updateLegalEntity(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  changes: LegalEntityChanges,
): Promise<LegalEntityJson> {
  return inTransaction(deps.db, async (tx) => {
    const row = await findLegalEntityRow(tx, id, "update");
    if (row === undefined) throw legalEntityNotFound(id);
    const before = legalEntityJson(row);
    const entity = applyLegalEntityChanges(entityOf(row), changes);
    await refusePrefixClash(tx, entity);
    const at = deps.clock.now();
    const { id: _id, ...fields } = entity;
    await updateLegalEntityRow(tx, id, { ...fields, updated_at: toDate(at) });
    const after = await getLegalEntity({ ...deps, db: tx }, id);
    await recordChange(tx, ctx, { action: "legal_entity.updated", object_id: id, before, after }, at);
    return after;
  });
}
