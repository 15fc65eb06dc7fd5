import type { Temporal } from "temporal-polyfill";
import { type RequestContext, systemContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { isId, newId } from "../kernel/ids.js";
import { Decimal, formatAmountForApi, parseAmount } from "../kernel/money.js";
import { type Page, type PageRequest, paginate } from "../kernel/pagination.js";
import {
  applyPurchaseOrderChanges,
  checkNewPurchaseOrder,
  consume,
  type PurchaseOrderChanges,
  type PurchaseOrderInput,
  type PurchaseOrderTerms,
  release,
  remainingBalance,
} from "./purchase-order-model.js";
import { loadActiveCustomerRow, loadCustomerRow, recordCustomerAudit } from "./service.js";
import {
  findPurchaseOrder,
  insertPurchaseOrder,
  type PurchaseOrderKey,
  type PurchaseOrderRow,
  purchaseOrdersQuery,
  updatePurchaseOrderRow,
} from "./store.js";

/** Purchase order use cases, and the consumption invoicing calls inside its own transaction. */
export interface PurchaseOrder extends PurchaseOrderTerms {
  object: "purchase_order";
  id: string;
  customer_id: string;
  currency: string;
  amount_consumed: string;
  /** amount_cap − amount_consumed; null when there is no cap. */
  amount_remaining: string | null;
  created_at: string;
  updated_at: string;
}

function termsOf(row: PurchaseOrderRow): PurchaseOrderTerms {
  return {
    number: row.number,
    description: row.description,
    valid_from: row.valid_from,
    valid_to: row.valid_to,
    amount_cap: row.amount_cap === null ? null : formatAmountForApi(new Decimal(row.amount_cap), row.currency),
    active: row.active,
  };
}

function toPurchaseOrder(row: PurchaseOrderRow): PurchaseOrder {
  const consumed = new Decimal(row.amount_consumed);
  const terms = termsOf(row);
  const remaining = remainingBalance(terms, consumed);
  return {
    object: "purchase_order",
    id: row.id,
    customer_id: row.customer_id,
    ...terms,
    currency: row.currency,
    amount_consumed: formatAmountForApi(consumed, row.currency),
    amount_remaining: remaining === null ? null : formatAmountForApi(remaining, row.currency),
    created_at: fromDate(row.created_at).toString(),
    updated_at: fromDate(row.updated_at).toString(),
  };
}

/** `po_…` names our id; anything else is the customer's PO number. */
function purchaseOrderKey(reference: string): PurchaseOrderKey {
  return isId("purchase_order", reference) ? { id: reference } : { number: reference };
}

async function loadPurchaseOrderRow(tx: Deps["db"] | Tx, customerId: string, reference: string, lock = false) {
  const row = await findPurchaseOrder(tx, customerId, purchaseOrderKey(reference), { lock });
  if (row === null) {
    throw new DomainError("purchase_order_not_found", `customer ${customerId} has no purchase order ${reference}`, {
      param: "purchase_order",
    });
  }
  return row;
}

async function numberUnique<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const pg = error as { code?: string; constraint?: string };
    if (pg.code === "23505" && pg.constraint === "purchase_orders_customer_id_number_key") {
      throw new DomainError("purchase_order_number_taken", "this customer already has a PO with this number", {
        param: "number",
      });
    }
    throw error;
  }
}

export async function createPurchaseOrder(
  deps: Deps,
  ctx: RequestContext,
  idOrExternalId: string,
  input: PurchaseOrderInput,
): Promise<PurchaseOrder> {
  return numberUnique(() =>
    inTransaction(deps.db, async (tx) => {
      const now = deps.clock.now();
      const customer = await loadActiveCustomerRow(tx, idOrExternalId);
      const terms = checkNewPurchaseOrder(input, customer.currency);
      const row: PurchaseOrderRow = {
        id: newId("purchase_order"),
        customer_id: customer.id,
        ...terms,
        currency: customer.currency,
        amount_consumed: "0",
        created_at: toDate(now),
        updated_at: toDate(now),
      };
      await insertPurchaseOrder(tx, row);
      const order = toPurchaseOrder(row);
      await recordCustomerAudit(
        tx,
        ctx,
        { action: "customer.purchase_order_created", customer_id: customer.id, before: null, after: order },
        now,
      );
      return order;
    }),
  );
}

export async function updatePurchaseOrder(
  deps: Deps,
  ctx: RequestContext,
  idOrExternalId: string,
  reference: string,
  changes: PurchaseOrderChanges,
): Promise<PurchaseOrder> {
  return numberUnique(() =>
    inTransaction(deps.db, async (tx) => {
      const now = deps.clock.now();
      const customer = await loadActiveCustomerRow(tx, idOrExternalId);
      const before = await loadPurchaseOrderRow(tx, customer.id, reference, true);
      const terms = applyPurchaseOrderChanges(
        termsOf(before),
        changes,
        new Decimal(before.amount_consumed),
        before.currency,
      );
      const after: PurchaseOrderRow = { ...before, ...terms, updated_at: toDate(now) };
      await updatePurchaseOrderRow(tx, after);
      const order = toPurchaseOrder(after);
      await recordCustomerAudit(
        tx,
        ctx,
        {
          action: "customer.purchase_order_updated",
          customer_id: customer.id,
          before: toPurchaseOrder(before),
          after: order,
        },
        now,
      );
      return order;
    }),
  );
}

export async function getPurchaseOrder(deps: Deps, idOrExternalId: string, reference: string): Promise<PurchaseOrder> {
  const customer = await loadCustomerRow(deps.db, idOrExternalId);
  return toPurchaseOrder(await loadPurchaseOrderRow(deps.db, customer.id, reference));
}

export async function listPurchaseOrders(
  deps: Deps,
  idOrExternalId: string,
  query: PageRequest & { active?: boolean | undefined },
): Promise<Page<PurchaseOrder>> {
  const customer = await loadCustomerRow(deps.db, idOrExternalId);
  const page = await paginate(purchaseOrdersQuery(deps.db, customer.id, { active: query.active }), "id", query);
  return { data: page.data.map(toPurchaseOrder), has_more: page.has_more };
}

export interface ConsumptionOptions {
  /** The invoice date the PO must be valid on; default: today in the customer's time zone. */
  on?: Temporal.PlainDate | undefined;
  /** Who is consuming, for the audit log; default: the invoicing process. */
  ctx?: RequestContext | undefined;
}

async function changeConsumption(
  deps: Deps,
  tx: Tx,
  target: { customer: string; po: string },
  amountText: Decimal | string,
  options: ConsumptionOptions,
  kind: "consumed" | "released",
): Promise<PurchaseOrder> {
  const customer = await loadCustomerRow(tx, target.customer);
  // The row lock serialises every consumer of this PO until the invoice's transaction ends.
  const before = await loadPurchaseOrderRow(tx, customer.id, target.po, true);
  const amount = typeof amountText === "string" ? parseAmount(amountText, "amount") : amountText;
  const now = deps.clock.now();
  const on = options.on ?? now.toZonedDateTimeISO(customer.time_zone).toPlainDate();
  const consumed = new Decimal(before.amount_consumed);
  const next =
    kind === "consumed"
      ? consume(termsOf(before), consumed, amount, on, before.currency)
      : release(consumed, amount, before.currency);
  const after: PurchaseOrderRow = {
    ...before,
    amount_consumed: formatAmountForApi(next, before.currency),
    updated_at: toDate(now),
  };
  await updatePurchaseOrderRow(tx, after);
  const order = toPurchaseOrder(after);
  const ctx = options.ctx ?? systemContext("invoicing", newId("request"));
  await recordCustomerAudit(
    tx,
    ctx,
    {
      action: `customer.purchase_order_${kind}`,
      customer_id: customer.id,
      before: toPurchaseOrder(before),
      after: order,
    },
    now,
  );
  return order;
}

/**
 * Takes `amount` off the PO's remaining balance inside the caller's
 * transaction (an invoice being finalized), or refuses with
 * `purchase_order_cap_exceeded`, `purchase_order_expired`,
 * `purchase_order_not_yet_valid` or `purchase_order_inactive`. Concurrent
 * invoices against one PO queue on its row lock, so together they never pass the cap.
 */
export async function consumePurchaseOrder(
  deps: Deps,
  tx: Tx,
  customerId: string,
  poNumber: string,
  amount: Decimal | string,
  options: ConsumptionOptions = {},
): Promise<PurchaseOrder> {
  return changeConsumption(deps, tx, { customer: customerId, po: poNumber }, amount, options, "consumed");
}

/** Gives back what a voided or credited invoice consumed. */
export async function releasePurchaseOrder(
  deps: Deps,
  tx: Tx,
  customerId: string,
  poNumber: string,
  amount: Decimal | string,
  options: ConsumptionOptions = {},
): Promise<PurchaseOrder> {
  return changeConsumption(deps, tx, { customer: customerId, po: poNumber }, amount, options, "released");
}
