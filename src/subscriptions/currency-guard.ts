import { registerCurrencyGuard } from "../customers/index.js";
import { countCustomerSubscriptions } from "./store.js";

/** A customer with subscriptions keeps its currency: their plans bill in it. */
export const subscriptionsHoldCurrency = registerCurrencyGuard(async (tx, customerId) => {
  const count = await countCustomerSubscriptions(tx, customerId);
  return count === 0 ? null : `${count} subscription${count === 1 ? "" : "s"}`;
});
