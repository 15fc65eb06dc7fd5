/**
 * What other modules and the adapters (api, cli, jobs) may use from
 * subscriptions. Billing runs and invoicing use billablePeriods,
 * periodCharges, seatTrueUpLines, pendingProrationLines,
 * markProrationLinesInvoiced and markPeriodBilled; the usage module fills
 * usageQuantitiesFor. Everything else in this folder is private to it.
 */

export {
  periodCharges,
  seatTrueUpLines,
  subscriptionTerms,
  type UsageRequest,
  usageQuantitiesFor,
} from "./billing.js";
export {
  markPeriodsBilled,
  markProrationLinesInvoicedMany,
  subscriptionTermsPage,
  type TermsPage,
} from "./billing-batch.js";
export {
  type Cancellation,
  type ChangePreview,
  type ChangeTiming,
  cancelSubscription,
  changeItems,
  type ItemsChange,
  listChanges,
  markProrationLinesInvoiced,
  pendingProrationLines,
  previewChange,
  type SubscriptionChangeJson,
} from "./changes.js";
// Loaded with the module, so a customer with subscriptions keeps its currency.
export { subscriptionsHoldCurrency } from "./currency-guard.js";
export {
  createSubscription,
  customerSubscriptionIds,
  getSubscription,
  listSubscriptions,
  markPeriodBilled,
  type NewItem,
  type NewPhase,
  type NewSubscription,
  pauseSubscription,
  resumeSubscription,
  setCustomerProrationDefault,
} from "./lifecycle.js";
// The usage module bills a period billed in advance with the usage of the period before.
export {
  type BillingTiming,
  billablePeriods,
  billingInstant,
  type Pause,
  type Phase,
  type PhaseItem,
  type SubscriptionStatus,
  type SubscriptionTerms,
  subscriptionPeriod,
} from "./model.js";
export type { ProrationBehavior, SubscriptionLine } from "./proration.js";
export { subscriptionRoutes } from "./routes.js";
export type { SubscriptionJson, SubscriptionLineJson } from "./service.js";
