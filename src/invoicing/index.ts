/**
 * What other modules and the adapters (api, cli, jobs) may use from
 * invoicing. Everything else in this folder is private to it.
 *
 * Due dates come from customers' `dueDate(terms, invoiceDate)`; invoicing
 * does not keep its own copy.
 */

// Registers how usage rating reaches invoices (re-rating drafts, adjustments, explain).
import "./usage-port.js";

export {
  type AssembledInvoice,
  assembleInvoice,
  type InvoiceAssemblyInput,
  type InvoiceLine,
  type InvoiceLineInput,
  type InvoicePeriod,
  type LineSource,
  type TaxBreakdownRow,
} from "./assembly.js";
export { AUTO_FINALIZE_QUEUE, autoFinalizeQueues, finalizeDueDrafts, scheduleAutoFinalize } from "./auto-finalize.js";
export { runBilling } from "./billing-run.js";
export { billingRunErrors } from "./billing-run-errors.js";
export { billingRunQueues, scheduleBillingRuns } from "./billing-run-jobs.js";
export { billingRunRoutes } from "./billing-run-routes.js";
export {
  CHECKLIST_RULES,
  type ChecklistConfig,
  type ChecklistRule,
  canFinalize,
  DEFAULT_CHECKLIST,
  type DraftFacts,
  type Finding,
  type FindingOverride,
  type FindingSeverity,
  invoicePeriod,
  type RuleSetting,
  reviewDraft,
} from "./checklist.js";
export { couponRoutes } from "./coupon-routes.js";
export { applyCoupon, createCoupon } from "./coupon-service.js";
export { adjustCreditBalance } from "./credit-balance.js";
export { creditNoteErrors } from "./credit-note-errors.js";
export { creditNoteRoutes } from "./credit-note-routes.js";
export { createCreditNote } from "./credit-note-service.js";
export { voidCreditNote } from "./credit-note-void.js";
export {
  buildCreditNote,
  CREDIT_NOTE_OUTCOMES,
  CREDIT_NOTE_REASONS,
  type CreditableInvoice,
  type CreditableLine,
  type CreditLineRequest,
  type CreditNoteFigures,
  type CreditNoteLine,
  type CreditNoteOutcome,
  type CreditNoteReason,
  type CreditNoteRequest,
  type CreditNoteScope,
} from "./credit-notes.js";
// Loaded with the module, so a customer with invoices keeps its currency.
export { invoicesHoldCurrency } from "./currency-guard.js";
export {
  type AppliedDiscount,
  applyDiscounts,
  type Coupon,
  type CouponDuration,
  type CouponValue,
  checkRedemption,
  type Discount,
  type DiscountScope,
  discountActive,
} from "./discounts.js";
export { renderCreditNotePdf, renderInvoicePdf } from "./document.js";
export {
  type CreditNoteDocument,
  type CreditNoteDocumentOptions,
  creditNoteDocumentFrom,
  type DocumentLine,
  type DocumentParty,
  type DocumentTaxRow,
  type InvoiceDocument,
  type InvoiceDocumentOptions,
  invoiceDocumentFrom,
} from "./document-model.js";
export { invoicingErrors } from "./errors.js";
export { finalizeInvoice, voidInvoice } from "./finalization.js";
export { invoicePdf } from "./invoice-pdf.js";
export {
  creditNoteEntry,
  type FinalizedInvoiceFigures,
  type InvoicingAccounts,
  type IssuedCreditNoteFigures,
  invoiceFinalizationEntry,
  reversalEntry,
} from "./ledger-entries.js";
export {
  DEFAULT_LEGAL_ENTITY,
  type LegalEntity,
  type LegalEntityChanges,
  type NewLegalEntity,
  type SellerSnapshot,
} from "./legal-entities.js";
export { legalEntityRoutes } from "./legal-entity-routes.js";
export {
  createLegalEntity,
  getLegalEntity,
  type LegalEntityJson,
  listLegalEntities,
  updateLegalEntity,
} from "./legal-entity-service.js";
export {
  allowedInvoiceEvents,
  CREDIT_NOTE_STATUSES,
  type CreditNoteEvent,
  type CreditNoteStatus,
  INVOICE_STATUSES,
  type InvoiceEvent,
  type InvoiceStatus,
  isInvoiceCreditable,
  isInvoiceEditable,
  transition,
  transitionCreditNote,
} from "./lifecycle.js";
export {
  checkNumberSeries,
  DEFAULT_CREDIT_NOTE_SERIES,
  DEFAULT_INVOICE_SERIES,
  formatDocumentNumber,
  type NumberSeries,
  nextDocumentNumber,
  nextSeriesPosition,
  type SeriesPosition,
} from "./numbering.js";
export { pricingErrors } from "./pricing-errors.js";
export { reviewErrors } from "./review-errors.js";
export { reviewRoutes } from "./review-routes.js";
export { FINALIZE_APPROVAL_ACTION, finalizeWithReview, getInvoiceReview } from "./review-service.js";
export { updateReviewSettings } from "./review-settings-service.js";
export { invoiceRoutes } from "./routes.js";
export { createDraft, createInvoiceItem, getInvoice, listInvoices } from "./service.js";
export {
  findTaxRate,
  isReverseCharge,
  type LineTax,
  REVERSE_CHARGE_NOTE,
  type TaxCustomer,
  type TaxExemption,
  type TaxRate,
  type TaxTreatment,
  taxOnLine,
  taxTreatment,
  treatmentPercentage,
} from "./tax.js";
export { taxRateRoutes } from "./tax-rate-routes.js";
export { createTaxRate } from "./tax-rate-service.js";
export { upcomingInvoice } from "./upcoming.js";
