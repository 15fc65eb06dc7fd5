/**
 * What other modules and the adapters (api, cli, jobs) may use from the
 * ledger. Everything else in this folder is private to it.
 */
export {
  type CustomerAccounts,
  chartAccountFor,
  clearingAccountFor,
  createAccount,
  customerAccountsFor,
  customerCreditAccountFor,
  ensureDefaultChart,
  getAccount,
  getAccountBalance,
  listAccounts,
  type NewAccount,
  receivableAccountFor,
  revenueAccountFor,
  trialBalance,
} from "./accounts.js";
export { CHART_ROLES, type ChartRole, DEFAULT_CHART } from "./chart.js";
export {
  getEntry,
  listEntries,
  type ManualEntryInput,
  postManualEntry,
  type ReverseOptions,
  reverseEntry,
} from "./entries.js";
export { ledgerErrors } from "./errors.js";
export { type AccountBalance, accountJson, balanceJson, journalEntryJson, trialBalanceJson } from "./json.js";
export {
  ACCOUNT_TYPES,
  type Account,
  type AccountType,
  type EntryInput,
  type LineInput,
  normalSideOf,
  type PartyType,
  type TrialBalance,
} from "./model.js";
export { closePeriod, getPeriodState, listPeriodLocks, reopenPeriod } from "./periods.js";
export { ledgerRoutes } from "./routes.js";
export { type BatchPostResult, type JournalEntry, postEntriesBatch, postEntry } from "./service.js";
