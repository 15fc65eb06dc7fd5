/**
 * What other modules and the adapters (api, cli, jobs) may use from usage.
 * Everything else in this folder is private to it.
 */
// Registers what a backdated rate card version asks of usage (the periods it reaches, their re-rating).
import "./rate-change-periods.js";

export { backtestErrors } from "./backtest-errors.js";
export { backtestRoutes } from "./backtest-routes.js";
export { type BacktestJson, backtestCsv, backtestScriptVersion, getBacktest } from "./backtest-service.js";
export { meterErrors, ratingErrors, scriptErrors, usageErrors } from "./errors.js";
export type { EventCounts, EventResult, StoredEvent } from "./event-model.js";
export { listRejections, retryRejection } from "./event-rejections.js";
export { applyUsageRetention, scheduleUsageRetention, usageRetentionQueues } from "./event-retention.js";
export { eventRoutes } from "./event-routes.js";
export { getUsageSettings, updateUsageSettings } from "./event-settings.js";
export { explainInvoiceLine } from "./explain-service.js";
export { type IngestOutcome, ingestEvents } from "./ingest-service.js";
export { LATE_RATING_QUEUE, rateOwedLateEvents, usageLateRatingQueues } from "./late-rating-jobs.js";
export { ChargeScript } from "./lua-engine.js";
export type { RatedCharge, RatingContext, RatingEvent, RatingResult, ScriptCharge, UnratedEvent } from "./lua-types.js";
export { meteredLines } from "./meter-billing.js";
export { projectEventsToMeters } from "./meter-projection.js";
export { meterRoutes } from "./meter-routes.js";
export {
  archiveMeter,
  backfillMeter,
  createMeter,
  getMeter,
  listMeters,
  type MeterChanges,
  type MeterJson,
  type NewMeter,
  updateMeter,
} from "./meter-service.js";
export { type CustomerUsageJson, customerUsage, type UsageQuery } from "./meter-usage.js";
export { rateEveryCustomer } from "./rating-all.js";
export { type ScriptedUsage, scriptedUsage } from "./rating-lines.js";
export { registerUsageInvoicing, type UsageInvoiceLine, type UsageInvoicing } from "./rating-port.js";
export { ratingRoutes } from "./rating-routes.js";
export { type RatingRunJson, rateCustomerPeriod } from "./rating-service.js";
export { usageReconciliation } from "./reconciliation-service.js";
export { reference3plScript } from "./reference-scripts.js";
export {
  assignScript,
  PUBLISH_APPROVAL_ACTION,
  requestPublish,
  scriptForCustomer,
  scriptVersionAt,
} from "./script-publishing.js";
export { scriptRoutes } from "./script-routes.js";
export { testCasesInput } from "./script-schemas.js";
export {
  createScript,
  createVersion,
  getScript,
  getVersion,
  listScripts,
  listVersions,
  testVersion,
} from "./script-service.js";
export { runTestCases } from "./script-tests.js";
export { type ImportProgress, importEventsFile, importRejections } from "./usage-import.js";
