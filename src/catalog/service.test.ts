import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { createCustomer } from "../customers/index.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { Decimal } from "../kernel/money.js";
import { commitmentsFor, createCommitment } from "./commitment-service.js";
import { trueUpLine } from "./commitments.js";
import { createPriceOverride, endPriceOverride, previewPrice, resolvedChargeModel } from "./override-service.js";
import { createPrice, getPrice, listPriceVersions, priceVersionFor, updatePrice } from "./price-service.js";
import { archiveProduct, createPlan, createProduct, updatePlan, updateProduct } from "./service.js";
import { graduated, TIERS } from "./test-support.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-01-01T00:00:00Z");
const deps = { db, clock };
const ctx = { ...systemContext("catalog-test", "req_catalog_test"), reason: "setting up the 2026 price list" };
const at = (text: string) => Temporal.Instant.from(text);
const alice = (await createCustomer(deps, ctx, { legal_name: "Alice Analytics Ltd", currency: "USD" })).id;
const bob = (await createCustomer(deps, ctx, { legal_name: "Bob's Bakery LLC", currency: "USD" })).id;

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}

async function count(table: string): Promise<number> {
  const result = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(result.rows[0]?.n);
}

async function auditActions(objectId: string): Promise<{ action: string; before: unknown; after: unknown }[]> {
  const result = await sql<{ action: string; before: unknown; after: unknown }>`
    select action, before, after from audit_events where object_id = ${objectId} order by seq`.execute(db);
  return result.rows;
}

async function eventTypes(): Promise<string[]> {
  const result = await sql<{ type: string }>`select type from outbox_events order by seq`.execute(db);
  return result.rows.map((row) => row.type);
}

const product = await createProduct(deps, ctx, {
  name: "API requests",
  unit_label: "request",
  tax_code: "txcd_10103001",
});
const plan = await createPlan(deps, ctx, {
  name: "Growth monthly",
  interval: { unit: "month", count: 1 },
  currency: "USD",
  billing_timing: "in_arrears",
  trial_days: 14,
});

describe("products and plans", () => {
  it("audits every change with before and after, and emits events", async () => {
    const updated = await updateProduct(deps, ctx, product.id, { description: "Metered API calls", tax_code: null });
    expect(updated).toMatchObject({ description: "Metered API calls", tax_code: null, unit_label: "request" });
    const actions = await auditActions(product.id);
    expect(actions.map((row) => row.action)).toEqual(["product.created", "product.updated"]);
    expect(actions[1]?.before).toMatchObject({ tax_code: "txcd_10103001", description: null });
    expect(actions[1]?.after).toMatchObject({ tax_code: null, description: "Metered API calls" });
    expect(await eventTypes()).toEqual(expect.arrayContaining(["product.created", "plan.created", "product.updated"]));
  });

  it("keeps a plan's terms and changes its trial for new subscriptions", async () => {
    const updated = await updatePlan(deps, ctx, plan.id, { trial_days: 30 });
    expect(updated).toMatchObject({
      trial_days: 30,
      interval: { unit: "month", count: 1 },
      billing_timing: "in_arrears",
    });
  });

  it("refuses an interval beyond three years, naming the field", async () => {
    const error = await rejection(
      createPlan(deps, ctx, {
        name: "Too long",
        interval: { unit: "month", count: 37 },
        currency: "USD",
        billing_timing: "in_advance",
      }),
    );
    expect(error).toMatchObject({ code: "invalid_interval", param: "interval.count" });
  });

  it("gives an archived product no new prices", async () => {
    const old = await createProduct(deps, ctx, { name: "Legacy support" });
    await archiveProduct(deps, ctx, old.id);
    const error = await rejection(
      createPrice(deps, ctx, { product: old.id, currency: "USD", charge_model: { kind: "flat", amount: "10.00" } }),
    );
    expect(error).toMatchObject({ code: "product_archived", param: "product" });
  });
});

describe("prices in several currencies", () => {
  it("rates each currency on its own model, rounded to its own digits", async () => {
    const price = await createPrice(deps, ctx, {
      product: product.id,
      plan: plan.id,
      charge_model: { kind: "per_unit", unit_amount: "0.00042" },
      currency_options: {
        JPY: { kind: "per_unit", unit_amount: "0.065" },
        BHD: { kind: "per_unit", unit_amount: "0.00016" },
      },
      billable_metric: "api_requests",
    });
    expect(price).toMatchObject({ currency: "USD", type: "recurring", plan: plan.id, billable_metric: "api_requests" });
    expect(Object.keys(price.currency_options)).toEqual(["JPY", "BHD"]);
    const preview = (currency: string) =>
      previewPrice(deps, price.id, { quantity: new Decimal("1234567"), currency }).then((rated) => rated.amount);
    expect(await preview("USD")).toBe("518.52"); // 1,234,567 × 0.00042 = 518.51814
    expect(await preview("JPY")).toBe("80247"); // 1,234,567 × 0.065 = 80,246.855
    expect(await preview("BHD")).toBe("197.531"); // 1,234,567 × 0.00016 = 197.53072
    expect(await rejection(preview("EUR"))).toMatchObject({ code: "price_currency_unavailable", param: "currency" });
  });

  it("puts a price on a plan in the plan's currency", async () => {
    const error = await rejection(
      createPrice(deps, ctx, {
        product: product.id,
        plan: plan.id,
        currency: "EUR",
        charge_model: { kind: "flat", amount: "10.00" },
      }),
    );
    expect(error).toMatchObject({ code: "price_currency_mismatch", param: "currency" });
  });

  it("sells a price alone when it has no plan", async () => {
    const setup = await createPrice(deps, ctx, {
      product: product.id,
      currency: "EUR",
      charge_model: { kind: "flat", amount: "1500.00" },
      nickname: "Onboarding package",
    });
    expect(setup).toMatchObject({ type: "one_off", plan: null, charge_model: { kind: "flat", amount: "1500.00" } });
  });
});

describe("price versions", () => {
  it("picks the version in effect at each instant, and a subscription's own version by id", async () => {
    clock.set("2026-01-10T00:00:00Z");
    const price = await createPrice(deps, ctx, {
      product: product.id,
      plan: plan.id,
      charge_model: { kind: "per_unit", unit_amount: "10.00" },
      effective_from: at("2026-01-01T00:00:00Z"),
    });
    const january = price.version.id;
    clock.set("2026-02-10T00:00:00Z");
    const repriced = await updatePrice(deps, ctx, price.id, {
      charge_model: { kind: "per_unit", unit_amount: "12.00" },
      effective_from: at("2026-03-01T00:00:00Z"),
    });
    expect(repriced.version.id).toBe(january); // March has not come yet
    expect(repriced.charge_model).toEqual({ kind: "per_unit", unit_amount: "10.00" });

    const version = (when: string | Temporal.Instant) => priceVersionFor(deps, price.id, when);
    expect((await version(at("2026-02-28T23:59:59Z"))).id).toBe(january);
    const march = await version(at("2026-03-01T00:00:00Z")); // a boundary belongs to the new version
    expect(march.id).not.toBe(january);
    expect(march.charge_models.USD).toMatchObject({ kind: "per_unit", unit_amount: new Decimal("12") });
    expect((await version(january)).id).toBe(january); // pinned, whatever came after
    expect(await rejection(version(at("2025-12-31T23:59:59Z")))).toMatchObject({ code: "price_version_not_found" });
    expect(await rejection(version(newId("price_version")))).toMatchObject({ code: "price_version_not_found" });

    clock.set("2026-03-01T00:00:00Z");
    expect((await getPrice(deps, price.id)).charge_model).toEqual({ kind: "per_unit", unit_amount: "12.00" });
    const listed = await listPriceVersions(deps, price.id, { limit: 10 });
    expect(listed.data.map((row) => row.effective_from)).toEqual(["2026-03-01T00:00:00Z", "2026-01-01T00:00:00Z"]);
  });

  it("appends versions only, never in the past and never before the latest", async () => {
    const price = await createPrice(deps, ctx, {
      product: product.id,
      plan: plan.id,
      charge_model: { kind: "per_unit", unit_amount: "5.00" },
    });
    const past = updatePrice(deps, ctx, price.id, {
      charge_model: { kind: "per_unit", unit_amount: "4.00" },
      effective_from: clock.now().subtract({ hours: 1 }),
    });
    expect(await rejection(past)).toMatchObject({ code: "effective_from_in_past", param: "effective_from" });
    await updatePrice(deps, ctx, price.id, {
      charge_model: { kind: "per_unit", unit_amount: "6.00" },
      effective_from: clock.now().add({ hours: 48 }),
    });
    const beforeLatest = updatePrice(deps, ctx, price.id, {
      charge_model: { kind: "per_unit", unit_amount: "7.00" },
      effective_from: clock.now().add({ hours: 24 }),
    });
    expect(await rejection(beforeLatest)).toMatchObject({ code: "price_version_out_of_order" });
  });

  it("keeps versions immutable in the database itself", async () => {
    await expect(sql`update price_versions set charge_models = '{}'`.execute(db)).rejects.toThrow(/immutable/);
    await expect(sql`delete from price_versions`.execute(db)).rejects.toThrow(/immutable/);
  });

  it("audits the new version and the price's change", async () => {
    const price = await createPrice(deps, ctx, {
      product: product.id,
      plan: plan.id,
      charge_model: { kind: "flat", amount: "99.00" },
    });
    clock.advance({ minutes: 5 }); // a version starts after the latest, so the frozen clock moves
    const updated = await updatePrice(deps, ctx, price.id, { charge_model: { kind: "flat", amount: "109.00" } });
    const actions = await auditActions(price.id);
    expect(actions.map((row) => row.action)).toEqual(["price.created", "price.updated"]);
    expect(actions[1]?.before).toMatchObject({ charge_model: { amount: "99.00" } });
    expect(actions[1]?.after).toMatchObject({ charge_model: { amount: "109.00" } });
    expect(await auditActions(updated.version.id)).toEqual([
      expect.objectContaining({ action: "price_version.created" }),
    ]);
    expect(await eventTypes()).toEqual(
      expect.arrayContaining(["price.created", "price_version.created", "price.updated"]),
    );
  });
});

describe("per-customer overrides", () => {
  it("applies a customer's tier price without copying the plan, and lets later versions through", async () => {
    clock.set("2026-04-01T00:00:00Z");
    const price = await createPrice(deps, ctx, {
      product: product.id,
      plan: plan.id,
      charge_model: graduated, // up to 100 at 1.00; 101–1,000 at 0.80 + 5.00; then 0.50
    });
    const [prices, plans] = [await count("prices"), await count("plans")];
    const override = await createPriceOverride(deps, ctx, price.id, {
      customer: alice,
      patch: { tiers: { "1": { unit_amount: "0.70" } } },
    });
    expect(override).toMatchObject({
      customer: alice,
      currency: "USD",
      patch: { tiers: { "1": { unit_amount: "0.70" } } },
    });
    expect([await count("prices"), await count("plans")]).toEqual([prices, plans]); // nothing copied

    const quote = (customer?: string) =>
      previewPrice(deps, price.id, { quantity: new Decimal("250"), customer }).then((rated) => rated.amount);
    expect(await quote(alice)).toBe("210.00"); // 100 × 1.00 + 150 × 0.70 + 5.00
    expect(await quote(bob)).toBe("225.00"); // 100 × 1.00 + 150 × 0.80 + 5.00: the plan's
    expect(await quote()).toBe("225.00");

    // The plan lowers tier 1 from next month; Alice keeps her tier 2 and gets the new tier 1.
    await updatePrice(deps, ctx, price.id, {
      charge_model: { kind: "graduated", tiers: [{ ...TIERS[0], unit_amount: "0.90" }, ...TIERS.slice(1)] },
      effective_from: at("2026-05-01T00:00:00Z"),
    });
    clock.set("2026-05-01T00:00:00Z");
    expect(await quote(alice)).toBe("200.00"); // 100 × 0.90 (plan) + 150 × 0.70 (Alice) + 5.00
    expect(await quote(bob)).toBe("215.00"); // 100 × 0.90 + 150 × 0.80 + 5.00
    const resolved = await resolvedChargeModel(deps, {
      price: price.id,
      customer: alice,
      at: at("2026-04-15T00:00:00Z"),
    });
    expect(resolved.override_id).toBe(override.id);
    expect(resolved.version_id).toBe(price.version.id); // April still rates on April's version

    await endPriceOverride(deps, ctx, override.id);
    expect(await quote(alice)).toBe("215.00"); // back to the plan's amounts
    expect(await rejection(endPriceOverride(deps, ctx, override.id))).toMatchObject({ code: "price_override_ended" });
  });

  it("replaces a customer's override from the newer one's start", async () => {
    const price = await createPrice(deps, ctx, {
      product: product.id,
      plan: plan.id,
      charge_model: { kind: "per_unit", unit_amount: "10.00", minimum_amount: "100.00" },
    });
    const first = await createPriceOverride(deps, ctx, price.id, { customer: alice, patch: { unit_amount: "8.00" } });
    const second = await createPriceOverride(deps, ctx, price.id, {
      customer: alice,
      patch: { unit_amount: "7.00", minimum_amount: null },
      effective_from: clock.now().add({ hours: 240 }), // 10 days
    });
    const unitAt = async (days: number) => {
      const when = clock.now().add({ hours: 24 * days });
      const resolved = await resolvedChargeModel(deps, { price: price.id, customer: alice, at: when });
      return [resolved.override_id, resolved.charge_model];
    };
    expect(await unitAt(9)).toEqual([first.id, expect.objectContaining({ unit_amount: new Decimal("8") })]);
    expect(await unitAt(10)).toEqual([
      second.id,
      expect.objectContaining({ unit_amount: new Decimal("7"), minimum_amount: undefined }),
    ]);
    const ended = await sql<{ ended_at: Date }>`select ended_at from price_overrides where id = ${first.id}`.execute(
      db,
    );
    expect(ended.rows[0]?.ended_at.toISOString()).toBe("2026-05-11T00:00:00.000Z");
    expect(await auditActions(first.id)).toEqual([
      expect.objectContaining({ action: "price_override.created" }),
      expect.objectContaining({ action: "price_override.ended" }),
    ]);
  });

  it("refuses a patch that does not fit the price, naming the field", async () => {
    const price = await createPrice(deps, ctx, { product: product.id, plan: plan.id, charge_model: graduated });
    const wrongField = createPriceOverride(deps, ctx, price.id, { customer: alice, patch: { unit_amount: "1.00" } });
    expect(await rejection(wrongField)).toMatchObject({ code: "invalid_override", param: "patch.unit_amount" });
    const noTier = createPriceOverride(deps, ctx, price.id, {
      customer: alice,
      patch: { tiers: { "3": { unit_amount: "1" } } },
    });
    expect(await rejection(noTier)).toMatchObject({ code: "invalid_override", param: "patch.tiers[3]" });
    const stranger = createPriceOverride(deps, ctx, price.id, { customer: newId("customer"), patch: { tiers: {} } });
    expect(await rejection(stranger)).toMatchObject({ code: "customer_not_found", param: "customer" });
    const euro = createPriceOverride(deps, ctx, price.id, {
      customer: alice,
      currency: "EUR",
      patch: { minimum_amount: "5" },
    });
    expect(await rejection(euro)).toMatchObject({ code: "price_currency_unavailable", param: "currency" });
  });

  it("refuses a new version that would leave an override pointing at a tier that is gone", async () => {
    const price = await createPrice(deps, ctx, { product: product.id, plan: plan.id, charge_model: graduated });
    const override = await createPriceOverride(deps, ctx, price.id, {
      customer: bob,
      patch: { tiers: { "2": { unit_amount: "0.40" } } },
    });
    clock.advance({ minutes: 5 });
    const twoTiers = updatePrice(deps, ctx, price.id, {
      charge_model: { kind: "graduated", tiers: [TIERS[0], { up_to: null, unit_amount: "0.60" }] },
    });
    const error = await rejection(twoTiers);
    expect(error).toMatchObject({ code: "price_override_incompatible", details: { price_overrides: [override.id] } });
  });
});

describe("commitments", () => {
  it("finds the commitments binding a customer on a plan, for the true-up", async () => {
    const everyone = await createCommitment(deps, ctx, { plan: plan.id, amount: "500.00", scope: "period" });
    const contract = await createCommitment(deps, ctx, {
      customer: alice,
      amount: "12000.00",
      currency: "USD",
      scope: "term",
      description: "2026 order form: 12,000 over the year",
    });
    await createCommitment(deps, ctx, { customer: bob, amount: "100.00", currency: "USD", scope: "period" });
    const binding = await commitmentsFor(deps, { customer: alice, plan: plan.id });
    expect(binding.map((terms) => terms.id)).toEqual([everyone.id, contract.id]);
    expect(everyone).toMatchObject({ amount: "500.00", currency: "USD", customer: null });
    const monthly = binding[0];
    if (monthly === undefined) throw new Error("expected the plan's commitment");
    const line = trueUpLine({ ...monthly, billed_amount: new Decimal("320.00") });
    expect(line?.amount.toFixed(2)).toBe("180.00"); // 500.00 − 320.00
  });

  it("needs a plan or a customer, and an amount in the currency's digits", async () => {
    const nothing = createCommitment(deps, ctx, { amount: "1.00", currency: "USD", scope: "period" });
    expect(await rejection(nothing)).toMatchObject({ code: "parameter_missing", param: "plan" });
    const stranger = createCommitment(deps, ctx, {
      customer: newId("customer"),
      amount: "1.00",
      scope: "period",
      currency: "USD",
    });
    expect(await rejection(stranger)).toMatchObject({ code: "customer_not_found", param: "customer" });
    const yen = createCommitment(deps, ctx, { customer: alice, amount: "100.5", currency: "JPY", scope: "period" });
    expect(await rejection(yen)).toMatchObject({ code: "invalid_amount", param: "amount" });
  });
});
