import { registerCurrencyGuard } from "../customers/index.js";
import { countCustomerInvoices } from "./store.js";

/** A customer with invoices keeps its currency: they, and its receivable, are in it. */
export const invoicesHoldCurrency = registerCurrencyGuard(async (tx, customerId) => {
  const count = await countCustomerInvoices(tx, customerId);
  return count === 0 ? null : `${count} invoice${count === 1 ? "" : "s"}`;
});
