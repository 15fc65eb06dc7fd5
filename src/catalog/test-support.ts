import { DomainError } from "../kernel/errors.js";
import { Decimal } from "../kernel/money.js";

/** Fixtures and helpers shared by the catalog's tests. */

export const d = (text: string) => new Decimal(text);

/** Up to 100 at 1.00; 101–1,000 at 0.80 plus 5.00 once; above 1,000 at 0.50. */
export const TIERS = [
  { up_to: "100", unit_amount: "1.00" },
  { up_to: "1000", unit_amount: "0.80", flat_amount: "5.00" },
  { up_to: null, unit_amount: "0.50" },
];
export const graduated = { kind: "graduated", tiers: TIERS };
export const volume = { kind: "volume", tiers: TIERS };
export const pack = { kind: "package", package_amount: "5.00", package_size: 100 };
export const card = {
  kind: "percentage",
  percent: "2.9",
  transaction_minimum_amount: "0.30",
  transaction_maximum_amount: "5.00",
};

/** The DomainError an action throws; anything else fails the test. */
export function thrown(action: () => unknown): DomainError {
  try {
    action();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}
