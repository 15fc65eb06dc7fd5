import { assert, DomainError } from "../kernel/errors.js";
import { Decimal, formatAmountForApi, isInMinorUnits } from "../kernel/money.js";
import "./errors.js";

export type CommitmentScope = "period" | "term";

export interface TrueUpLine {
  /** The shortfall, billed so the period or term reaches the commitment. */
  amount: Decimal;
  description: string;
}

const ZERO = new Decimal(0);

/**
 * The line that lifts spend to a committed minimum, or undefined when spend
 * reached it. `billed_amount` is the sum of the rounded lines the commitment
 * counts, over one period or the whole term; spend below zero (credits) counts
 * as zero, so the true-up never exceeds the commitment.
 */
export function trueUpLine(commitment: {
  commitment_amount: Decimal;
  billed_amount: Decimal;
  currency: string;
  scope: CommitmentScope;
}): TrueUpLine | undefined {
  const { commitment_amount, billed_amount, currency, scope } = commitment;
  if (!isInMinorUnits(commitment_amount, currency) || commitment_amount.isNegative()) {
    throw new DomainError("invalid_commitment", `the commitment must be a ${currency} amount of zero or more`, {
      param: "commitment_amount",
    });
  }
  assert(isInMinorUnits(billed_amount, currency), "the billed amount is a sum of rounded lines");
  const counted = Decimal.max(billed_amount, ZERO);
  if (counted.gte(commitment_amount)) return undefined;
  const amount = commitment_amount.minus(counted);
  const shown = (value: Decimal) => `${formatAmountForApi(value, currency)} ${currency}`;
  const description = `Minimum commitment true-up for the ${scope}: committed ${shown(commitment_amount)}, billed ${shown(counted)}, shortfall ${shown(amount)}`;
  return { amount, description };
}
