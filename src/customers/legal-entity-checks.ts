import type { Tx } from "../kernel/db.js";
import { DomainError } from "../kernel/errors.js";

/**
 * A customer names the legal entity that bills it, by id. The entities
 * belong to invoicing, a higher row this module cannot see, so invoicing
 * registers the check when it loads (like the currency guards); creating or
 * updating a customer with another entity asks it, inside the same
 * transaction. The foreign key on customers.legal_entity is the backstop.
 */

/** True when the entity exists; the check may lock its row until commit. */
export type LegalEntityCheck = (tx: Tx, legalEntityId: string) => Promise<boolean>;

const checks = new Set<LegalEntityCheck>();

/** Called once by the module that owns legal entities, when it loads; returns the check. */
export function registerLegalEntityCheck(check: LegalEntityCheck): LegalEntityCheck {
  checks.add(check);
  return check;
}

/** Refuses an entity any registered check does not know, naming the field; nothing is written. */
export async function assertLegalEntityKnown(tx: Tx, legalEntityId: string, param = "legal_entity"): Promise<void> {
  for (const check of checks) {
    if (!(await check(tx, legalEntityId))) {
      throw new DomainError("invalid_legal_entity", `no legal entity ${JSON.stringify(legalEntityId)}`, { param });
    }
  }
}

/** Turns the foreign key's violation (no check registered, or an entity created and lost in a race) into the named error. */
export function legalEntityViolation(error: unknown): DomainError | null {
  const pg = error as { code?: string; constraint?: string };
  if (pg.code !== "23503" || pg.constraint !== "customers_legal_entity_fkey") return null;
  return new DomainError("invalid_legal_entity", "no such legal entity", { param: "legal_entity" });
}
