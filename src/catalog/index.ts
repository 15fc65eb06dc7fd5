/**
 * What other modules and the adapters (api, cli, jobs) may use from the
 * catalog. Everything else in this folder is private to it.
 */
export {
  type ChargeModel,
  type ChargeModelKind,
  chargeBeforeRounding,
  type PercentageModel,
  priceQuantity,
  priceTransactions,
  type RatedCharge,
  validateChargeModel,
} from "./charge-models.js";
export {
  archiveCommitment,
  commitmentsFor,
  createCommitment,
  getCommitment,
  listCommitments,
  type NewCommitment,
} from "./commitment-service.js";
export { type CommitmentScope, type TrueUpLine, trueUpLine } from "./commitments.js";
export { catalogErrors } from "./errors.js";
export { type ChargeModelJson, type ChargeModelsByCurrency, chargeModelIn } from "./model.js";
export {
  type ChargeModelQuery,
  createPriceOverride,
  endPriceOverride,
  getPriceOverride,
  listPriceOverrides,
  type NewPriceOverride,
  type PricePreview,
  prefetchPriceOverrides,
  previewPrice,
  type ResolvedChargeModel,
  resolvedChargeModel,
} from "./override-service.js";
export { applyOverride, type ChargeModelOverride, type TierOverride } from "./overrides.js";
export {
  archivePrice,
  createPrice,
  getPrice,
  listPrices,
  listPriceVersions,
  type NewPrice,
  type PriceChanges,
  priceFacts,
  priceVersionFor,
  updatePrice,
} from "./price-service.js";
export { priceVersionAt } from "./price-versions.js";
export { approveRateCardVersion, RATE_CARD_APPROVAL_ACTION, requestRateCardApproval } from "./rate-card-approval.js";
export { DEFAULT_3PL_RATES, type Default3plOptions, ensureDefault3plRateCard } from "./rate-card-default-3pl.js";
export { type RateCardVersionSummary, rateCardVersionSummaries } from "./rate-card-lookup.js";
export { diffRates, overlayRates, type Rate, type RateDiff, type RateSet } from "./rate-card-model.js";
export {
  type AffectedPeriods,
  type CoverageQuery,
  type CoveredPeriod,
  type FinalizedPeriod,
  registerRatedPeriods,
} from "./rate-card-periods.js";
export { type RateCardVersionUsed, type ResolvedRates, resolvedRatesAt } from "./rate-card-resolve.js";
export {
  createRateCard,
  createRateCardVersion,
  getRateCard,
  getRateCardVersion,
  listRateCards,
  listRateCardVersions,
  type NewRateCard,
  type RateCardDiff,
  type RateCardVersionInput,
  rateCardDiff,
  updateRateCardDraft,
} from "./rate-card-service.js";
export type { RateCard, RateCardVersion } from "./rate-card-views.js";
export { catalogRoutes } from "./routes.js";
export {
  archivePlan,
  archiveProduct,
  createPlan,
  createProduct,
  getPlan,
  getProduct,
  listPlans,
  listProducts,
  type NewPlan,
  type NewProduct,
  type PlanChanges,
  type ProductChanges,
  updatePlan,
  updateProduct,
} from "./service.js";
export type { Tier, TierApplied } from "./tiers.js";
export type {
  Commitment,
  CommitmentTerms,
  Plan,
  Price,
  PriceOverride,
  PriceVersion,
  PriceVersionJson,
  Product,
} from "./views.js";
