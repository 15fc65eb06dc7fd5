import { recordAudit } from "../access/index.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { registerUsageInvoicing, type UsageInvoicing } from "../usage/index.js";
import { invoiceLineRow } from "./billing-run-lines.js";
import { createInvoiceItem, loadInvoice, recompute } from "./service.js";
import { insertLines } from "./store.js";

/**
 * Usage reaches invoices through this port (usage sits below invoicing and
 * cannot import it): re-rating rebuilds a draft's usage lines, a finalized
 * period's difference becomes a pending item, explain reads a line.
 */
const usageInvoicingPort: UsageInvoicing = {
  async lines(db, ids) {
    if (ids.length === 0) return [];
    return db
      .selectFrom("invoice_lines as l")
      .innerJoin("invoices as i", "i.id", "l.invoice_id")
      .select([
        "l.id",
        "l.invoice_id",
        "i.customer_id",
        "i.status as invoice_status",
        "i.number as invoice_number",
        "l.description",
        "l.quantity",
        "l.unit_amount",
        "l.amount",
        "i.currency",
        "l.period_start",
        "l.period_end",
        "l.source_type",
        "l.source_id",
      ])
      .where("l.id", "in", ids)
      .execute();
  },
  async invoiceForPeriod(db, period) {
    return db
      .selectFrom("invoices")
      .select(["id", "status"])
      .where("customer_id", "=", period.customer_id)
      .where("subscription_id", "is not", null)
      .where("period_start", "=", period.period_start)
      .where("period_end", "=", period.period_end)
      .orderBy("created_at", "desc")
      .limit(1)
      .executeTakeFirst();
  },
  async replaceDraftUsageLines(deps, tx, ctx, invoiceId, lines) {
    const before = await loadInvoice(tx, invoiceId);
    if (before.invoice.status !== "draft") {
      throw new DomainError("invoice_not_draft", `invoice ${invoiceId} is ${before.invoice.status}`, {
        param: "invoice",
      });
    }
    await tx
      .deleteFrom("invoice_lines")
      .where("invoice_id", "=", invoiceId)
      .where("source_id", "like", "usage:%")
      .execute();
    const last = Math.max(0, ...before.lines.map((line) => line.position));
    const rows = lines.map((line, index) =>
      invoiceLineRow(line, invoiceId, last + index + 1, () => newId("invoice_line")),
    );
    if (rows.length > 0) await insertLines(tx, rows);
    const after = await recompute(deps, tx, invoiceId);
    await recordAudit(
      tx,
      ctx,
      {
        action: "invoice.usage_rerated",
        object_type: "invoice",
        object_id: invoiceId,
        before: { total: before.invoice.total },
        after,
      },
      deps.clock.now(),
    );
    return { total: after.total };
  },
  async addPendingItem(deps, ctx, item) {
    const created = await createInvoiceItem(deps, ctx, {
      customer_id: item.customer_id,
      currency: item.currency,
      description: item.description,
      quantity: "1",
      unit_amount: item.amount,
      period: { start: item.period_start, end: item.period_end },
    });
    return created.id;
  },
};

registerUsageInvoicing(usageInvoicingPort);
