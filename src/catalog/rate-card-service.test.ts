import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { approve, listAuditEvents, reject } from "../access/index.js";
import { createCustomer } from "../customers/index.js";
import { type RequestContext, systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { DomainError } from "../kernel/errors.js";
import { requestRateCardApproval } from "./rate-card-approval.js";
import { DEFAULT_3PL_RATES, ensureDefault3plRateCard } from "./rate-card-default-3pl.js";
import { resolvedRatesAt } from "./rate-card-resolve.js";
import {
  createRateCard,
  createRateCardVersion,
  getRateCard,
  listRateCardVersions,
  rateCardDiff,
  updateRateCardDraft,
} from "./rate-card-service.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-06-01T09:00:00Z");
const deps = { db, clock };
const analyst: RequestContext = {
  actor: { type: "user", id: "usr_analyst", role: "billing_analyst", display_name: "Bea Analyst" },
  request_id: "req_rate_cards",
};
const second: RequestContext = {
  actor: { type: "user", id: "usr_second", role: "admin", display_name: "Sam Second" },
  request_id: "req_rate_cards",
};
const controller: RequestContext = {
  actor: { type: "user", id: "usr_controller", role: "approver", display_name: "Chidi Okafor" },
  request_id: "req_rate_cards",
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

const at = (text: string) => Temporal.Instant.from(text);
let customers = 0;
async function newCustomer(currency = "USD") {
  customers++;
  return createCustomer(deps, systemContext("test", "req_test"), {
    legal_name: `Warehouse client ${customers}`,
    external_id: `wms-test-${customers}`,
    currency,
  });
}

/** Sends a draft for approval and has the controller approve it. */
async function approved(cardId: string, version: number) {
  const { approval } = await requestRateCardApproval(deps, analyst, cardId, String(version));
  await approve(deps, controller, approval.id);
}

describe("rate cards", () => {
  it("a default card's first version is a draft until someone else approves it", async () => {
    const { card, version } = await createRateCard(deps, analyst, {
      kind: "default",
      currency: "EUR",
      rates: { pick_first_unit: "2.75", pick_per_line: { value: "0.30", unit: "line" } },
    });
    expect(card).toMatchObject({ kind: "default", currency: "EUR", name: "Default EUR", version_in_force: null });
    expect(version).toMatchObject({ number: 1, status: "draft", effective_from: null });
    await expect(resolvedRatesAt(deps, (await newCustomer("EUR")).id, clock.now())).rejects.toMatchObject({
      code: "rate_card_not_in_force",
    });

    const { approval } = await requestRateCardApproval(deps, analyst, card.id, version.id);
    expect(approval.summary).toContain("version 1 (2 added, 0 changed, 0 removed)");
    // The editor cannot approve their own edit, not even as another actor with approvals:decide.
    expect(await failure(approve(deps, analyst, approval.id))).toMatchObject({ code: "permission_denied" });
    clock.advance({ hours: 1 });
    await approve(deps, controller, approval.id);
    const after = await getRateCard(deps, card.id);
    expect(after.version_in_force).toMatchObject({
      number: 1,
      status: "approved",
      effective_from: "2026-06-01T10:00:00Z", // no effective_from: in force from the approval
      approved_by: "usr_controller",
    });
  });

  it("refuses a second default card in a currency, and bad rates naming the field", async () => {
    expect(
      await failure(createRateCard(deps, analyst, { kind: "default", currency: "EUR", rates: { a_rate: "1" } })),
    ).toEqual({ code: "rate_card_exists", param: "currency" });
    expect(
      await failure(createRateCard(deps, analyst, { kind: "default", currency: "GBP", rates: { "Bad-Code": "1" } })),
    ).toEqual({ code: "invalid_rate_code", param: "rates.Bad-Code" });
    expect(
      await failure(createRateCard(deps, analyst, { kind: "default", currency: "GBP", rates: { a_rate: "1.5.0" } })),
    ).toEqual({ code: "invalid_rate_value", param: "rates.a_rate" });
    expect(await failure(createRateCard(deps, analyst, { kind: "customer", rates: {} }))).toEqual({
      code: "parameter_missing",
      param: "customer",
    });
  });

  it("installs the default 3PL card approved, once", async () => {
    const system = systemContext("demo", "req_demo");
    const card = await ensureDefault3plRateCard(deps, system);
    expect(card.version_in_force?.rates.shipping_markup_pct?.value).toBe("8");
    expect(Object.keys(card.version_in_force?.rates ?? {})).toEqual(Object.keys(DEFAULT_3PL_RATES).sort());
    expect(card.version_in_force?.effective_from).toBe("2000-01-01T00:00:00Z");
    const again = await ensureDefault3plRateCard(deps, system);
    expect(again.id).toBe(card.id);
    expect(again.version_in_force?.id).toBe(card.version_in_force?.id);
  });

  it("a customer card holds only its overrides and is laid over the default", async () => {
    const customer = await newCustomer();
    const before = await resolvedRatesAt(deps, customer.id, clock.now());
    expect(before.rates.pick_first_unit).toBe("2.75");
    expect(before.version_ids).toHaveLength(1);

    const { card, version } = await createRateCard(deps, analyst, {
      kind: "customer",
      customer: customer.external_id ?? "",
      rates: { pick_first_unit: "2.50", monthly_minimum: "1000.00" },
      effective_from: at("2026-05-01T00:00:00Z"), // a first version may carry its history
    });
    expect(card).toMatchObject({ kind: "customer", customer: customer.id, currency: "USD" });
    expect(Object.keys(version.rates)).toEqual(["monthly_minimum", "pick_first_unit"]); // no copy of the default
    await approved(card.id, 1);

    const rates = await resolvedRatesAt(deps, customer.external_id ?? "", at("2026-05-15T00:00:00Z"));
    expect(rates.rates).toMatchObject({ pick_first_unit: "2.50", monthly_minimum: "1000.00", pick_per_line: "0.30" });
    expect(rates.source).toMatchObject({ pick_first_unit: "customer", pick_per_line: "default" });
    expect(rates.versions.map((used) => used.kind)).toEqual(["default", "customer"]);
    expect(rates.version_ids).toEqual([rates.versions[0]?.version, version.id]);
    expect(Object.keys(rates.rates)).toHaveLength(Object.keys(DEFAULT_3PL_RATES).length);
    // Before the customer's card starts, only the default applies.
    expect((await resolvedRatesAt(deps, customer.id, at("2026-04-30T23:59:59Z"))).rates.pick_first_unit).toBe("2.75");

    expect(
      await failure(createRateCard(deps, analyst, { kind: "customer", customer: customer.id, rates: {} })),
    ).toEqual({ code: "rate_card_exists", param: "customer" });
  });

  it("versions: edit a draft, approve, diff, and history never changes", async () => {
    const customer = await newCustomer();
    const { card } = await createRateCard(deps, analyst, {
      kind: "customer",
      customer: customer.id,
      rates: { pick_first_unit: "2.50", returns_per_unit: "1.50" },
      effective_from: at("2026-06-01T00:00:00Z"),
    });
    await approved(card.id, 1);

    expect(
      await failure(
        createRateCardVersion(deps, analyst, card.id, {
          set: { pick_first_unit: "2.40" },
          effective_from: at("2026-05-01T00:00:00Z"),
        }),
      ),
    ).toEqual({ code: "rate_card_version_out_of_order", param: "effective_from" }); // before version 1's June 1
    expect(
      await failure(
        createRateCardVersion(deps, analyst, card.id, {
          set: { pick_first_unit: "2.40" },
          effective_from: at("2026-06-01T00:00:00Z"),
        }),
      ),
    ).toEqual({ code: "rate_card_version_out_of_order", param: "effective_from" }); // on it: two versions, one instant
    const draft = await createRateCardVersion(deps, analyst, card.id, {
      set: { pick_first_unit: "2.40" },
      remove: ["returns_per_unit"],
      effective_from: at("2026-07-01T00:00:00Z"),
      note: "Volume discount agreed in May QBR",
    });
    expect(draft).toMatchObject({ number: 2, status: "draft", effective_from: "2026-07-01T00:00:00Z" });
    expect(draft.rates).toEqual({ pick_first_unit: { value: "2.40", unit: null, description: null } });
    expect(
      await failure(createRateCardVersion(deps, analyst, card.id, { set: { pick_per_line: "0.25" } })),
    ).toMatchObject({ code: "rate_card_draft_open" });

    // A second analyst edits the draft: now neither of them may approve it.
    const edited = await updateRateCardDraft(deps, second, card.id, "2", { set: { pick_per_line: "0.25" } });
    expect(edited.edited_by).toEqual(["usr_analyst", "usr_second"]);
    const { approval } = await requestRateCardApproval(deps, analyst, card.id, "2");
    expect(await failure(updateRateCardDraft(deps, analyst, card.id, "2", { set: { a_rate: "1" } }))).toMatchObject({
      code: "rate_card_version_not_editable",
    });
    expect(await failure(approve(deps, second, approval.id))).toMatchObject({ code: "rate_card_self_approval" });
    await approve(deps, controller, approval.id);

    const diff = await rateCardDiff(deps, card.id, { from: "1", to: "2" });
    expect(diff).toMatchObject({
      added: [{ code: "pick_per_line", rate: { value: "0.25" } }],
      removed: [{ code: "returns_per_unit", rate: { value: "1.50" } }],
      changed: [{ code: "pick_first_unit", from: { value: "2.50" }, to: { value: "2.40" }, fields: ["value"] }],
      unchanged: 0,
    });
    expect((await rateCardDiff(deps, card.id, {})).to.number).toBe(2); // default: latest against the one before

    expect((await resolvedRatesAt(deps, customer.id, at("2026-06-30T23:59:59Z"))).rates.pick_first_unit).toBe("2.50");
    const july = await resolvedRatesAt(deps, customer.id, at("2026-07-01T00:00:00Z"));
    expect(july.rates).toMatchObject({ pick_first_unit: "2.40", returns_per_unit: "1.75", pick_per_line: "0.25" });

    const history = await listRateCardVersions(deps, card.id);
    expect(history.map((version) => [version.number, version.status])).toEqual([
      [1, "approved"],
      [2, "approved"],
    ]);
    // The database itself refuses to change an approved version.
    await expect(
      sql`update rate_card_versions set rates = '{}' where id = ${history[0]?.id ?? ""}`.execute(db),
    ).rejects.toThrow(/cannot change/);
  });

  it("a rejected version stays in the history and never applies; a start passed while waiting is approved as backdated", async () => {
    const customer = await newCustomer();
    const { card } = await createRateCard(deps, analyst, {
      kind: "customer",
      customer: customer.id,
      rates: { pick_first_unit: "2.60" },
    });
    await approved(card.id, 1);
    await createRateCardVersion(deps, analyst, card.id, { set: { pick_first_unit: "1.00" } });
    const { approval } = await requestRateCardApproval(deps, analyst, card.id, "2");
    await reject(deps, controller, approval.id, { comment: "too low" });
    expect((await listRateCardVersions(deps, card.id)).map((version) => version.status)).toEqual([
      "approved",
      "rejected",
    ]);
    expect((await resolvedRatesAt(deps, customer.id, clock.now())).rates.pick_first_unit).toBe("2.60");

    await createRateCardVersion(deps, analyst, card.id, {
      set: { pick_first_unit: "2.55" },
      effective_from: clock.now().add({ hours: 1 }),
    });
    const pending = await requestRateCardApproval(deps, analyst, card.id, "3");
    const start = clock.now().add({ hours: 1 }).toString();
    clock.advance({ hours: 2 });
    await approve(deps, controller, pending.approval.id);
    const third = (await listRateCardVersions(deps, card.id))[2];
    // The start stays as asked; no usage was rated for this customer, so no period is reached.
    expect(third).toMatchObject({
      status: "approved",
      effective_from: start,
      affected_periods: { effective_from: start, assessed_at: clock.now().toString(), finalized: [], draft: [] },
    });
  });

  it("audits every change", async () => {
    const events = await listAuditEvents(deps, { limit: 100, object_type: "rate_card" });
    const actions = new Set(events.data.map((event: { action: string }) => event.action));
    for (const action of [
      "rate_card.created",
      "rate_card.installed",
      "rate_card.version_created",
      "rate_card.version_updated",
      "rate_card.version_approval_requested",
      "rate_card.version_approved",
      "rate_card.version_rejected",
      "rate_card.backdated_version_approved",
    ]) {
      expect(actions).toContain(action);
    }
  });
});
