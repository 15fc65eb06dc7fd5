/**
 * What other modules and the adapters (api, cli) may use from customers.
 * Everything else in this folder is private to it.
 */
export { type CurrencyGuard, registerCurrencyGuard } from "./currency-guards.js";
export { customerErrors } from "./errors.js";
export {
  CONTACT_ROLES,
  type Contact,
  type ContactRole,
  CUSTOMER_ID_PREFIX,
  checkEmail,
  type InvoiceDelivery,
} from "./fields.js";
export { type CustomerImportResult, type ImportRowResult, importCustomers } from "./import.js";
export { type LegalEntityCheck, registerLegalEntityCheck } from "./legal-entity-checks.js";
export {
  type Address,
  type AddressInput,
  type CustomerChanges,
  type CustomerInput,
  checkAddress,
  checkCountry,
  dueDate,
  type Hold,
  missingAddressFields,
  type PaymentTerms,
  type TaxExemptionCertificate,
} from "./model.js";
export { addCustomerNote, type CustomerNote, listCustomerNotes, setCustomerNotePinned } from "./notes.js";
export { type PurchaseOrderStanding, purchaseOrderStanding } from "./purchase-order-model.js";
export {
  type ConsumptionOptions,
  consumePurchaseOrder,
  createPurchaseOrder,
  getPurchaseOrder,
  listPurchaseOrders,
  type PurchaseOrder,
  releasePurchaseOrder,
  updatePurchaseOrder,
} from "./purchase-orders.js";
export { customerRoutes } from "./routes.js";
export { addressInput, taxIdInput } from "./schemas.js";
export {
  archiveCustomer,
  type BillingAccount,
  type Customer,
  createCustomer,
  customerHistory,
  getCustomer,
  getCustomersByIds,
  listCustomers,
  placeBillingHold,
  placeCreditHold,
  releaseBillingHold,
  releaseCreditHold,
  resolveCustomerReferences,
  unarchiveCustomer,
  updateCustomer,
} from "./service.js";
export { checkTaxId, TAX_ID_TYPES, type TaxId, type TaxIdInput, type TaxIdType } from "./tax-ids.js";
export {
  customerDeps,
  deleteTestClockAndObjects,
  findTestClock,
  insertTestClock,
  listTestClockRows,
  type TestClockRow,
  type TestClockStatus,
  testClockCustomerCounts,
  testClockCustomerIds,
  testClockDeps,
  testClockInvoicePrefix,
  updateTestClockState,
} from "./test-clocks.js";
