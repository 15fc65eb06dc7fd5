/** Shapes of products, plans and prices as the API sends them; amounts are decimal strings. */

export interface Product {
  id: string;
  name: string;
  description: string | null;
  unit_label: string | null;
  tax_code: string | null;
  status: "active" | "archived";
  created_at: string;
}

export type IntervalUnit = "day" | "week" | "month" | "year";

export interface Plan {
  id: string;
  name: string;
  description: string | null;
  interval: { unit: IntervalUnit; count: number };
  currency: string;
  billing_timing: "in_advance" | "in_arrears";
  trial_days: number;
  status: "active" | "archived";
  created_at: string;
}

export interface Tier {
  up_to: string | null;
  unit_amount?: string;
  flat_amount?: string;
}

export type ChargeModel = { minimum_amount?: string } & (
  | { kind: "flat"; amount: string }
  | { kind: "per_unit"; unit_amount: string }
  | { kind: "graduated"; tiers: Tier[] }
  | { kind: "volume"; tiers: Tier[] }
  | { kind: "package"; package_amount: string; package_size: number; rounding?: "up" | "down" }
  | {
      kind: "percentage";
      percent: string;
      transaction_minimum_amount?: string;
      transaction_maximum_amount?: string;
    }
);

export const CHARGE_MODEL_KINDS = ["flat", "per_unit", "graduated", "volume", "package", "percentage"] as const;
export type ChargeModelKind = (typeof CHARGE_MODEL_KINDS)[number];

export interface Price {
  id: string;
  product: string;
  plan: string | null;
  type: "recurring" | "one_off";
  nickname: string | null;
  currency: string;
  billable_metric: string | null;
  status: "active" | "archived";
  version: { id: string; effective_from: string };
  charge_model: ChargeModel;
  currency_options: Record<string, ChargeModel>;
  created_at: string;
}

export interface PriceVersion {
  id: string;
  price: string;
  effective_from: string;
  currency: string;
  charge_model: ChargeModel;
  currency_options: Record<string, ChargeModel>;
  created_at: string;
}

export interface PricePreview {
  price: string;
  version: string;
  currency: string;
  quantity: string;
  amount: string;
  unit_amount_effective: string | null;
  tiers: {
    tier_index: number;
    from: string;
    to: string | null;
    quantity: string;
    unit_amount: string;
    flat_amount: string;
    amount: string;
  }[];
  minimum_applied: { minimum_amount: string; amount_before_minimum: string } | null;
  explanation: string;
}

export function describeInterval(interval: Plan["interval"]): string {
  return interval.count === 1 ? `Every ${interval.unit}` : `Every ${interval.count} ${interval.unit}s`;
}

/** One line on what a charge model bills, e.g. "10.00 per unit" or "3 graduated tiers". */
export function describeChargeModel(model: ChargeModel, currency: string): string {
  const minimum = model.minimum_amount === undefined ? "" : `, minimum ${model.minimum_amount} ${currency}`;
  switch (model.kind) {
    case "flat":
      return `${model.amount} ${currency} flat${minimum}`;
    case "per_unit":
      return `${model.unit_amount} ${currency} per unit${minimum}`;
    case "graduated":
    case "volume":
      return `${model.tiers.length} ${model.kind} tier${model.tiers.length === 1 ? "" : "s"}${minimum}`;
    case "package":
      return `${model.package_amount} ${currency} per ${model.package_size} units${minimum}`;
    case "percentage":
      return `${model.percent}% of each transaction${minimum}`;
  }
}
