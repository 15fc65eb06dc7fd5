import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { approve, reject } from "../access/index.js";
import { type CustomerInput, createCustomer, createPurchaseOrder } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { seatPlan } from "../subscriptions/test-support.js";
import { AUTO_FINALIZE_QUEUE, autoFinalizeQueues, finalizeDueDrafts } from "./auto-finalize.js";
import { finalizeInvoice } from "./finalization.js";
import { finalizeWithReview, getInvoiceReview, overrideFinding, reviewQueue } from "./review-service.js";
import { updateCustomerReviewSettings, updateReviewSettings } from "./review-settings-service.js";
import { addDraftLine, createDraft, type DraftLineInput, getInvoice } from "./service.js";
import { insertLines } from "./store.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-04-01T09:00:00Z");
const deps = { db, clock };
const ar: RequestContext = {
  actor: { type: "user", id: "usr_ar", role: "ar_specialist", display_name: "Aiko Reyes" },
  request_id: "req_review_test",
};
const controller: RequestContext = {
  actor: { type: "user", id: "usr_controller", role: "approver", display_name: "Chidi Okafor" },
  request_id: "req_review_test",
};
const admin: RequestContext = {
  actor: { type: "user", id: "usr_admin", role: "admin", display_name: "Ada Admin" },
  request_id: "req_review_test",
};

async function failure(work: Promise<unknown>): Promise<{ code: string; param: string | undefined }> {
  try {
    await work;
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, param: error.param };
    throw error;
  }
  throw new Error("expected a DomainError");
}

const MARCH = { start: "2026-03-01T00:00:00Z", end: "2026-04-01T00:00:00Z" };
const seats = (amount: string): DraftLineInput => ({ description: "Seats, March", unit_amount: amount, period: MARCH });
const BERLIN = { line1: "Hauptstr. 1", city: "Berlin", postal_code: "10115", country: "DE" };

let customers = 0;
/** A German business billed in EUR that requires PO-77 (cap 10,000.00, valid all 2026): everything the checklist wants. */
async function customer(changes: Partial<CustomerInput> = {}, po: { valid_to?: string; amount_cap?: string } = {}) {
  customers += 1;
  const created = await createCustomer(deps, ar, {
    legal_name: `Kunde ${customers} GmbH`,
    currency: "EUR",
    time_zone: "Europe/Berlin",
    billing_address: BERLIN,
    tax_ids: [{ type: "eu_vat", value: "DE123456789" }],
    po_required: true,
    ...changes,
  });
  await createPurchaseOrder(deps, ar, created.id, {
    number: "PO-77",
    valid_from: "2026-01-01",
    valid_to: po.valid_to ?? "2026-12-31",
    amount_cap: po.amount_cap ?? "10000",
  });
  return created.id;
}

async function draft(
  customerId: string,
  lines = [seats("1200")],
  extra: { po_number?: string | null; currency?: string } = {},
) {
  return createDraft(deps, ar, { customer_id: customerId, lines, po_number: "PO-77", ...extra });
}

const rules = (review: { findings: { rule: string; severity: string }[] }) =>
  review.findings.map((finding) => `${finding.rule}:${finding.severity}`);

describe("the draft review on real rows", () => {
  it("finds nothing on a clean draft", async () => {
    const invoice = await draft(await customer());
    expect(await getInvoiceReview(deps, invoice.id)).toEqual({
      invoice_id: invoice.id,
      findings: [],
      blocking: 0,
      warnings: 0,
      can_finalize: true,
      approval_required: false,
      auto_finalize_at: null, // no grace period until the team sets one
    });
  });

  it.each([
    ["no PO number on a PO customer", {}, {}, { po_number: null }, "purchase_order:blocking"],
    ["a PO that is not on file", {}, {}, { po_number: "PO-99" }, "purchase_order:blocking"],
    ["an expired PO", {}, { valid_to: "2026-03-31" }, {}, "purchase_order:blocking"], // invoice date 1 April
    ["a total over the PO's cap", {}, { amount_cap: "1000" }, {}, "purchase_order:blocking"], // 1,200.00 > 1,000.00
    [
      "an address without a street",
      { billing_address: { ...BERLIN, line1: null } },
      {},
      {},
      "billing_address:blocking",
    ],
    ["a b2b customer without a tax id", { tax_ids: [], tags: ["b2b"] }, {}, {}, "tax_id:blocking"],
    [
      "a French VAT id on a German address",
      { tax_ids: [{ type: "eu_vat", value: "FR40303265045" }] },
      {},
      {},
      "tax_id:blocking",
    ],
    ["an invoice in USD for a EUR customer", {}, {}, { currency: "USD" }, "currency:blocking"],
  ] as const)("flags %s", async (_case, changes, po, extra, expected) => {
    const invoice = await draft(await customer(changes as Partial<CustomerInput>, po), [seats("1200")], extra);
    const review = await getInvoiceReview(deps, invoice.id);
    expect(rules(review)).toEqual([expected]);
    expect(review.blocking).toBe(1);
    expect(review.findings[0]?.override).toBeNull();
  });

  it("flags a total far from the previous invoice's", async () => {
    const id = await customer();
    await finalizeInvoice(deps, ar, (await draft(id, [seats("1000")])).id);
    const invoice = await draft(id, [seats("1600")]);
    const review = await getInvoiceReview(deps, invoice.id);
    expect(rules(review)).toEqual(["total_deviation:warning"]); // |1,600 − 1,000| / 1,000 = 60 % > 50 %
    expect(review.findings[0]?.message).toContain("60 %");
    expect(review).toMatchObject({ blocking: 0, warnings: 1, can_finalize: true });
  });

  it("flags a zero total and a line without a period", async () => {
    const invoice = await draft(await customer(), [{ description: "Goodwill", unit_amount: "0" }]);
    expect(rules(await getInvoiceReview(deps, invoice.id))).toEqual([
      "total_not_positive:warning",
      "line_without_period:info",
    ]);
  });

  it("flags a possible duplicate: same customer, total and period as another open invoice", async () => {
    const id = await customer();
    const first = await draft(id);
    const second = await draft(id);
    const review = await getInvoiceReview(deps, second.id);
    expect(rules(review)).toEqual(["possible_duplicate:blocking"]);
    expect(review.findings[0]?.message).toContain(`draft ${first.id}`);
    const third = await draft(id, [seats("1300")]); // another total: no duplicate
    expect(rules(await getInvoiceReview(deps, third.id))).toEqual([]);
  });

  it("flags a metered price's line with no usage (quantity 0)", async () => {
    const plan = await seatPlan(deps);
    const invoice = await draft(await customer());
    await insertLines(db, [
      {
        id: newId("invoice_line"),
        invoice_id: invoice.id,
        position: 2,
        description: "API calls, March",
        period_start: new Date(MARCH.start),
        period_end: new Date(MARCH.end),
        quantity: "0",
        unit_amount: "0.001",
        amount: "0",
        proration: false,
        source_type: "subscription",
        source_id: plan.metered,
        product_id: null,
        tax_rate: "0",
        tax_name: "No tax",
        tax_amount: "0",
      },
    ]);
    // 0 × 0.001 = 0.00: the draft's stored total is unchanged, so nothing needs recomputing.
    expect(rules(await getInvoiceReview(deps, invoice.id))).toEqual(["metered_without_usage:warning"]);
  });
});

describe("overrides and the finalize gate", () => {
  it("blocks on blocking findings by default, and lets them through while the checklist is turned off", async () => {
    const invoice = await draft(await customer({}, { amount_cap: "1000" }));
    expect(await getInvoiceReview(deps, invoice.id)).toMatchObject({ blocking: 1, can_finalize: false });
    await updateReviewSettings(deps, admin, { enforce_checklist: false });
    expect(await getInvoiceReview(deps, invoice.id)).toMatchObject({ blocking: 1, can_finalize: true });
    await updateReviewSettings(deps, admin, { enforce_checklist: true });
    expect(await getInvoiceReview(deps, invoice.id)).toMatchObject({ blocking: 1, can_finalize: false });
  });

  it("refuses to finalize while a blocking finding stands, and finalizes once it is overridden", async () => {
    const invoice = await draft(await customer({}, { amount_cap: "1000" }));
    expect(await failure(finalizeWithReview(deps, ar, invoice.id))).toEqual({
      code: "invoice_review_blocked",
      param: "id",
    });
    expect((await getInvoice(deps, invoice.id)).status).toBe("draft");
    expect(await failure(overrideFinding(deps, ar, invoice.id, "purchase_order", "  "))).toMatchObject({
      param: "reason",
    });
    expect(await failure(overrideFinding(deps, ar, invoice.id, "currency", "fine"))).toEqual({
      code: "invoice_finding_not_found",
      param: "rule",
    });
    const review = await overrideFinding(deps, ar, invoice.id, "purchase_order", "Customer raised the cap by email");
    expect(review).toMatchObject({ blocking: 0, can_finalize: true });
    expect(review.findings[0]?.override).toEqual({
      reason: "Customer raised the cap by email",
      overridden_by: "usr_ar",
      overridden_at: "2026-04-01T09:00:00Z",
    });
    const audit = await sql<{ actor_id: string; after: { reason: string } }>`
      select actor_id, after from audit_events where action = 'invoice.finding_overridden' and object_id = ${invoice.id}
    `.execute(db);
    expect(audit.rows).toEqual([
      { actor_id: "usr_ar", after: expect.objectContaining({ reason: "Customer raised the cap by email" }) },
    ]);
    const outcome = await finalizeWithReview(deps, ar, invoice.id);
    expect(outcome).toMatchObject({ invoice: { status: "open", number: expect.stringMatching(/^INV-2026-/) } });
  });

  it("drops an override when an edit changes the finding, and refuses overrides on a finalized invoice", async () => {
    const invoice = await draft(await customer({}, { amount_cap: "1000" }));
    await overrideFinding(deps, ar, invoice.id, "purchase_order", "Cap raise on its way");
    expect((await getInvoiceReview(deps, invoice.id)).blocking).toBe(0);
    // 1,200.00 + 100.00 = 1,300.00: still over the cap, but not the finding that was overridden.
    await addDraftLine(deps, ar, invoice.id, { description: "Support", unit_amount: "100", period: MARCH });
    const review = await getInvoiceReview(deps, invoice.id);
    expect(review).toMatchObject({ blocking: 1, can_finalize: false });
    expect(review.findings[0]).toMatchObject({ rule: "purchase_order", override: null });
    expect((await failure(finalizeWithReview(deps, ar, invoice.id))).code).toBe("invoice_review_blocked");
    await overrideFinding(deps, ar, invoice.id, "purchase_order", "Cap raise covers 1,300.00");
    await finalizeWithReview(deps, ar, invoice.id);
    expect((await failure(overrideFinding(deps, ar, invoice.id, "purchase_order", "again"))).code).toBe(
      "invoice_not_draft",
    );
  });
});

describe("approval above the threshold", () => {
  it("asks a second person, refuses the maker, and finalizes on the checker's approval", async () => {
    await updateReviewSettings(deps, admin, { approval_amount_by_currency: { EUR: "1000.00" } });
    const invoice = await draft(await customer()); // 1,200.00 > 1,000.00
    expect((await getInvoiceReview(deps, invoice.id)).approval_required).toBe(true);
    const asked = await finalizeWithReview(deps, admin, invoice.id);
    if (!("approval" in asked)) throw new Error("expected an approval");
    expect(asked.approval).toMatchObject({ action: "invoice.finalize", object_id: invoice.id, status: "pending" });
    expect((await getInvoice(deps, invoice.id)).status).toBe("draft");
    const again = await finalizeWithReview(deps, admin, invoice.id);
    expect("approval" in again && again.approval.id).toBe(asked.approval.id); // no second request
    expect((await failure(approve(deps, admin, asked.approval.id))).code).toBe("approval_self_decision");
    await approve(deps, controller, asked.approval.id);
    expect(await getInvoice(deps, invoice.id)).toMatchObject({
      status: "open",
      number: expect.stringMatching(/^INV-/),
    });
  });

  it("refuses an approval given for another total than the draft now has", async () => {
    const invoice = await draft(await customer());
    const asked = await finalizeWithReview(deps, ar, invoice.id);
    if (!("approval" in asked)) throw new Error("expected an approval");
    await addDraftLine(deps, ar, invoice.id, { description: "Support", unit_amount: "100", period: MARCH });
    expect((await failure(approve(deps, controller, asked.approval.id))).code).toBe("invoice_approval_stale");
    expect((await getInvoice(deps, invoice.id)).status).toBe("draft");
    await reject(deps, controller, asked.approval.id);
    const fresh = await finalizeWithReview(deps, ar, invoice.id);
    expect("approval" in fresh && fresh.approval.id).not.toBe(asked.approval.id);
    await updateReviewSettings(deps, admin, { approval_amount_by_currency: { EUR: null } });
  });
});

describe("the review queue and auto-finalize on a test clock", () => {
  it("finalizes clean drafts after the grace period and holds the rest in the queue", async () => {
    const { db: queueDb } = await freshDatabase();
    const start = Temporal.Instant.from("2026-05-04T08:00:00Z");
    const local = { db: queueDb, clock: new TestClock(start.toString()) };
    const make = async (name: string, changes: Partial<CustomerInput> = {}) =>
      (
        await createCustomer(local, ar, {
          legal_name: name,
          currency: "EUR",
          billing_address: BERLIN,
          tax_ids: [{ type: "eu_vat", value: "DE123456789" }],
          ...changes,
        })
      ).id;
    const quick = await make("Quick GmbH");
    const patient = await make("Patient GmbH");
    const never = await make("Never GmbH");
    const messy = await make("Messy GmbH", { billing_address: null });
    await updateReviewSettings(local, admin, { auto_finalize_grace_hours: 24, enforce_checklist: true });
    await updateCustomerReviewSettings(local, admin, patient, { auto_finalize_grace_hours: 72 });
    await updateCustomerReviewSettings(local, admin, never, { auto_finalize_grace_hours: "off" });
    const drafts: Record<string, string> = {};
    for (const [name, id] of Object.entries({ quick, patient, never, messy })) {
      drafts[name] = (await createDraft(local, ar, { customer_id: id, lines: [seats("500")] })).id;
    }
    const quickReview = await getInvoiceReview(local, drafts.quick as string);
    expect(quickReview.auto_finalize_at).toBe("2026-05-05T08:00:00Z"); // created 4 May 08:00 + 24 h
    expect((await getInvoiceReview(local, drafts.patient as string)).auto_finalize_at).toBe("2026-05-07T08:00:00Z"); // + 72 h
    expect((await getInvoiceReview(local, drafts.messy as string)).auto_finalize_at).toBeNull(); // not clean

    const queueIds = async (query = {}) =>
      (await reviewQueue(local, { limit: 10, ...query })).data.map((row) => row.invoice.id);
    expect(await queueIds()).toEqual([drafts.quick, drafts.patient, drafts.never, drafts.messy]); // oldest first

    local.clock.advance({ hours: 23 });
    expect(await finalizeDueDrafts(local, ar, { asOf: local.clock.now() })).toEqual({ finalized: [], held: [] });

    local.clock.advance({ hours: 2 }); // 25 h after creation
    const first = await finalizeDueDrafts(local, ar, { asOf: local.clock.now() });
    expect(first).toEqual({ finalized: [drafts.quick], held: [drafts.messy] });
    expect((await getInvoice(local, drafts.quick as string)).status).toBe("open");
    expect(await queueIds()).toEqual([drafts.patient, drafts.never, drafts.messy]);
    expect(await queueIds({ customer: messy })).toEqual([drafts.messy]);
    const page = await reviewQueue(local, { limit: 1, starting_after: drafts.patient });
    expect(page).toMatchObject({ has_more: true, data: [{ invoice: { id: drafts.never }, blocking: 0 }] });

    local.clock.advance({ hours: 48 }); // 73 h
    const later = await finalizeDueDrafts(local, ar, { asOf: local.clock.now(), customerIds: [patient, never] });
    expect(later).toEqual({ finalized: [drafts.patient], held: [] });
    expect((await getInvoice(local, drafts.never as string)).status).toBe("draft");
  });

  it("holds a clean draft that needs an approver instead of finalizing it", async () => {
    const { db: approvalDb } = await freshDatabase();
    const local = { db: approvalDb, clock: new TestClock("2026-05-04T08:00:00Z") };
    const id = (
      await createCustomer(local, ar, {
        legal_name: "Big GmbH",
        currency: "EUR",
        billing_address: BERLIN,
        tax_ids: [{ type: "eu_vat", value: "DE123456789" }],
      })
    ).id;
    await updateReviewSettings(local, admin, {
      auto_finalize_grace_hours: 0,
      approval_amount_by_currency: { EUR: "1000" },
    });
    const invoice = await createDraft(local, ar, { customer_id: id, lines: [seats("5000")] });
    const review = await getInvoiceReview(local, invoice.id);
    expect(review).toMatchObject({ approval_required: true, auto_finalize_at: null });
    expect(await finalizeDueDrafts(local, ar, { asOf: local.clock.now() })).toEqual({
      finalized: [],
      held: [invoice.id],
    });
    // Without the threshold the scheduled job (the durable queue's handler) finalizes it at the next run.
    await updateReviewSettings(local, admin, { approval_amount_by_currency: { EUR: null } });
    await autoFinalizeQueues(local)[AUTO_FINALIZE_QUEUE]?.handler();
    expect(await getInvoice(local, invoice.id)).toMatchObject({ status: "open", number: "INV-2026-000001" });
  });
});
