import { getCustomer } from "../customers/index.js";
import type { Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";

/**
 * The customer a price override, a commitment or a preview names must exist,
 * asked of the customers module (never its tables). An archived customer
 * takes no new terms, but a preview may still show what they paid.
 */
export async function existingCustomer(
  deps: Deps,
  tx: Tx | undefined,
  id: string,
  options: { forNewTerms: boolean },
): Promise<string> {
  try {
    const customer = await getCustomer(deps, id, tx);
    if (options.forNewTerms && customer.archived_at !== null) {
      throw new DomainError("customer_archived", `customer ${id} is archived; unarchive it first`);
    }
    return customer.id;
  } catch (error) {
    if (!(error instanceof DomainError) || !error.code.startsWith("customer_")) throw error;
    throw new DomainError(error.code, error.message, { param: "customer", details: error.details });
  }
}
