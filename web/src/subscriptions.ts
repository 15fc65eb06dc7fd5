/** Shapes of subscriptions and change previews as the API sends them. */

export const PRORATION_BEHAVIORS = ["create_prorations", "always_invoice", "none"] as const;
export type ProrationBehavior = (typeof PRORATION_BEHAVIORS)[number];

export interface SubscriptionItem {
  id: string;
  price: string;
  price_version: string;
  quantity: string;
  metered: boolean;
  description: string;
}

export interface Subscription {
  id: string;
  customer: string;
  plan: string;
  status: "scheduled" | "trialing" | "active" | "paused" | "canceled";
  currency: string;
  interval: { unit: string; count: number };
  billing_timing: "in_advance" | "in_arrears";
  time_zone: string;
  billing_anchor: { kind: "anniversary" | "day_of_month"; day: number | null };
  start_at: string;
  trial_end: string | null;
  billing_start: string;
  current_period: { index: number; start: string; end: string } | null;
  term_periods: number | null;
  current_term_end: string | null;
  auto_renew: boolean;
  proration_behavior: ProrationBehavior | null;
  ended_at: string | null;
  canceled_at: string | null;
  paused: boolean;
  items: SubscriptionItem[];
  phases: { id: string; starts_at: string; items: SubscriptionItem[] }[];
  created_at: string;
}

export interface ChangeLine {
  description: string;
  period_start: string;
  period_end: string;
  quantity: string;
  unit_amount: string | null;
  amount: string;
  currency: string;
  price: string;
  proration: boolean;
  invoice_now: boolean;
  explanation: string;
}

/** An interval change (monthly → annual): the cycle that starts with it, and its first period's charge. */
export interface BillingCycle {
  starts_at: string;
  interval: { unit: string; count: number };
  billing_anchor: { kind: "anniversary" | "day_of_month"; day: number | null };
  first_period: { index: number; start: string; end: string };
  lines: ChangeLine[];
}

export interface ChangePreview {
  effective_at: string;
  proration_behavior: ProrationBehavior;
  items: SubscriptionItem[];
  lines: ChangeLine[];
  billing_cycle: BillingCycle | null;
}

export interface SubscriptionChange {
  id: string;
  kind: string;
  effective_at: string;
  proration_behavior: string;
  lines: unknown;
  created_at: string;
}

export function subscriptionPath(id: string): string {
  return `/v1/subscriptions/${encodeURIComponent(id)}`;
}
