import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import type { RequestContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { inTransaction } from "../kernel/db.js";
import { DomainError } from "../kernel/errors.js";
import { addCustomerNote, listCustomerNotes, setCustomerNotePinned } from "./notes.js";
import {
  consumePurchaseOrder,
  createPurchaseOrder,
  releasePurchaseOrder,
  updatePurchaseOrder,
} from "./purchase-orders.js";
import {
  archiveCustomer,
  createCustomer,
  customerHistory,
  getCustomer,
  listCustomers,
  placeBillingHold,
  placeCreditHold,
  releaseBillingHold,
  unarchiveCustomer,
  updateCustomer,
} from "./service.js";

const { db } = await freshDatabase({ poolSize: 12 });
const clock = new TestClock("2026-03-02T09:00:00Z");
const deps = { db, clock };
const ana: RequestContext = {
  actor: { type: "user", id: "usr_ana", role: "billing_analyst", display_name: "Ana Ruiz" },
  request_id: "req_test",
  reason: "onboarding",
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

async function outbox(type: string): Promise<number> {
  const result = await sql<{ n: string }>`select count(*) as n from outbox_events where type = ${type}`.execute(db);
  return Number(result.rows[0]?.n);
}

describe("customers on PostgreSQL", () => {
  it("creates a customer, announces it and audits it", async () => {
    const customer = await createCustomer(deps, ana, {
      external_id: "ACME-1",
      legal_name: "Acme GmbH",
      currency: "EUR",
      time_zone: "Europe/Berlin",
      locale: "de-de",
      emails: ["ap@acme.test"],
      billing_address: { line1: "Unter den Linden 1", city: "Berlin", postal_code: "10117", country: "DE" },
      tax_ids: [{ type: "eu_vat", value: "DE 123456789" }],
      contacts: [{ name: "Jens", email: "jens@acme.test", role: "accounts_payable" }],
      payment_terms: { type: "day_of_month", day: 15 },
      tags: ["Enterprise"],
      metadata: { crm: "sf-1" },
    });
    expect(customer).toMatchObject({
      object: "customer",
      id: expect.stringMatching(/^cus_/),
      locale: "de-DE",
      tax_ids: [{ type: "eu_vat", value: "DE123456789", country: "DE" }],
      contacts: [{ id: expect.stringMatching(/^ccon_/), name: "Jens" }],
      tags: ["enterprise"],
      billing_hold: null,
      archived: false,
      created_at: "2026-03-02T09:00:00Z",
    });
    expect(await getCustomer(deps, "ACME-1")).toEqual(customer);
    expect(await getCustomer(deps, customer.id)).toEqual(customer);
    expect(await outbox("customer.created")).toBe(1);
    const history = await customerHistory(deps, "ACME-1", { limit: 10 });
    expect(history.data).toMatchObject([
      {
        action: "customer.created",
        actor_id: "usr_ana",
        reason: "onboarding",
        before: null,
        after: { id: customer.id },
      },
    ]);
  });

  it("refuses a second customer with the same external id", async () => {
    expect(
      await failure(createCustomer(deps, ana, { external_id: "ACME-1", legal_name: "Other", currency: "EUR" })),
    ).toEqual({
      code: "customer_external_id_taken",
      param: "external_id",
    });
  });

  it("updates only what is sent and audits before and after", async () => {
    clock.advance({ hours: 1 });
    const before = await getCustomer(deps, "ACME-1");
    const after = await updateCustomer(deps, ana, "ACME-1", {
      display_name: "Acme",
      contacts: [{ id: before.contacts[0]?.id, name: "Jens Meyer", email: "jens@acme.test", role: "accounts_payable" }],
    });
    expect(after.display_name).toBe("Acme");
    expect(after.contacts[0]?.id).toBe(before.contacts[0]?.id);
    expect(after.legal_name).toBe("Acme GmbH");
    expect(after.updated_at).toBe("2026-03-02T10:00:00Z");
    const [latest] = (await customerHistory(deps, before.id, { limit: 1 })).data;
    expect(latest).toMatchObject({
      action: "customer.updated",
      before: { display_name: null, contacts: [{ name: "Jens" }] },
      after: { display_name: "Acme", contacts: [{ name: "Jens Meyer" }] },
    });
    expect(await outbox("customer.updated")).toBe(1);
  });

  it("records nothing for an update that changes nothing", async () => {
    const events = (await customerHistory(deps, "ACME-1", { limit: 100 })).data.length;
    await updateCustomer(deps, ana, "ACME-1", { display_name: "Acme", tags: ["ENTERPRISE"] });
    expect((await customerHistory(deps, "ACME-1", { limit: 100 })).data.length).toBe(events);
  });

  it("writes nothing when a field is wrong", async () => {
    const before = await getCustomer(deps, "ACME-1");
    expect(
      await failure(
        updateCustomer(deps, ana, "ACME-1", {
          display_name: "X",
          billing_address: { country: "DE", postal_code: "1011" },
        }),
      ),
    ).toEqual({ code: "invalid_postal_code", param: "billing_address.postal_code" });
    expect(await getCustomer(deps, "ACME-1")).toEqual(before);
  });

  it("searches by name, email, external id, tax id and tag, and filters by currency", async () => {
    await createCustomer(deps, ana, {
      external_id: "globex",
      legal_name: "Globex Corporation",
      currency: "USD",
      emails: ["billing@globex.test"],
      tax_ids: [{ type: "us_ein", value: "12-3456789" }],
      tags: ["smb"],
    });
    await createCustomer(deps, ana, { legal_name: "Initech 50% Ltd", currency: "GBP" });
    const names = async (query: Parameters<typeof listCustomers>[1]) =>
      (await listCustomers(deps, query)).data.map((customer) => customer.legal_name);
    expect(await names({ limit: 10, q: "acme" })).toEqual(["Acme GmbH"]);
    expect(await names({ limit: 10, q: "BILLING@GLOBEX" })).toEqual(["Globex Corporation"]);
    expect(await names({ limit: 10, q: "globex" })).toEqual(["Globex Corporation"]);
    expect(await names({ limit: 10, q: "DE 123 456 789" })).toEqual(["Acme GmbH"]);
    expect(await names({ limit: 10, q: "123456789" })).toEqual(["Globex Corporation", "Acme GmbH"]);
    expect(await names({ limit: 10, q: "50%" })).toEqual(["Initech 50% Ltd"]);
    expect(await names({ limit: 10, q: "5_%" })).toEqual([]); // wildcards are characters
    expect(await names({ limit: 10, tag: "enterprise" })).toEqual(["Acme GmbH"]);
    expect(await names({ limit: 10, currency: "USD" })).toEqual(["Globex Corporation"]);
    expect(await names({ limit: 10 })).toEqual(["Initech 50% Ltd", "Globex Corporation", "Acme GmbH"]);
    const firstPage = await listCustomers(deps, { limit: 2 });
    expect(firstPage.has_more).toBe(true);
    const next = await listCustomers(deps, { limit: 2, starting_after: firstPage.data[1]?.id });
    expect(next.data.map((customer) => customer.legal_name)).toEqual(["Acme GmbH"]);
  });

  it("archives instead of deleting, and refuses changes until unarchived", async () => {
    const archived = await archiveCustomer(deps, ana, "globex");
    expect(archived).toMatchObject({ archived: true, archived_at: "2026-03-02T10:00:00Z" });
    expect(await outbox("customer.archived")).toBe(1);
    expect((await listCustomers(deps, { limit: 10 })).data.map((customer) => customer.external_id)).not.toContain(
      "globex",
    );
    expect(
      (await listCustomers(deps, { limit: 10, archived: true })).data.map((customer) => customer.external_id),
    ).toEqual(["globex"]);
    expect(await failure(updateCustomer(deps, ana, "globex", { display_name: "G" }))).toMatchObject({
      code: "customer_archived",
    });
    expect(await failure(archiveCustomer(deps, ana, "globex"))).toMatchObject({ code: "customer_archived" });
    expect(await unarchiveCustomer(deps, ana, "globex")).toMatchObject({ archived: false, archived_at: null });
    expect(await failure(unarchiveCustomer(deps, ana, "globex"))).toMatchObject({ code: "customer_not_archived" });
  });

  it("places and releases holds with who, when and why", async () => {
    const held = await placeBillingHold(deps, ana, "ACME-1", "disputed March usage");
    expect(held.billing_hold).toEqual({
      reason: "disputed March usage",
      set_by: "usr_ana",
      set_by_name: "Ana Ruiz",
      set_at: "2026-03-02T10:00:00Z",
    });
    expect(await failure(placeBillingHold(deps, ana, "ACME-1", "again"))).toMatchObject({
      code: "billing_hold_already_set",
    });
    const collections: RequestContext = {
      actor: { type: "system", id: "dunning", role: "system" },
      request_id: "req_d",
    };
    expect((await placeCreditHold(deps, collections, "ACME-1", "60 days overdue")).credit_hold).toMatchObject({
      set_by: "dunning",
      reason: "60 days overdue",
    });
    expect((await releaseBillingHold(deps, ana, "ACME-1")).billing_hold).toBeNull();
    expect(await failure(releaseBillingHold(deps, ana, "ACME-1"))).toMatchObject({ code: "billing_hold_not_set" });
    const actions = (await customerHistory(deps, "ACME-1", { limit: 3 })).data.map((event) => event.action);
    expect(actions).toEqual([
      "customer.billing_hold_released",
      "customer.credit_hold_placed",
      "customer.billing_hold_placed",
    ]);
  });

  it("says which customer it cannot find", async () => {
    expect(await failure(getCustomer(deps, "nobody"))).toEqual({ code: "customer_not_found", param: "id" });
    expect(await failure(getCustomer(deps, "cus_01jd0000000000000000000000"))).toEqual({
      code: "customer_not_found",
      param: "id",
    });
    expect(await failure(getCustomer(deps, "cus_nonsense"))).toEqual({ code: "invalid_id", param: "id" });
  });
});

describe("notes", () => {
  it("lists pinned notes first, then newest first, with the author and the clock's time", async () => {
    const first = await addCustomerNote(deps, ana, "ACME-1", { body: "Invoices go to the Dublin AP team from May." });
    clock.advance({ minutes: 1 });
    const second = await addCustomerNote(deps, ana, "ACME-1", { body: "Called about March usage." });
    clock.advance({ minutes: 1 });
    const third = await addCustomerNote(deps, ana, "ACME-1", { body: "Renewal in June." });
    expect(first).toMatchObject({
      author: { type: "user", id: "usr_ana", name: "Ana Ruiz" },
      pinned: false,
      created_at: "2026-03-02T10:00:00Z",
    });
    await setCustomerNotePinned(deps, ana, "ACME-1", first.id, true);
    const page = await listCustomerNotes(deps, "ACME-1", { limit: 2 });
    expect(page.data.map((note) => note.id)).toEqual([first.id, third.id]);
    expect(page.has_more).toBe(true);
    const rest = await listCustomerNotes(deps, "ACME-1", { limit: 2, starting_after: third.id });
    expect(rest.data.map((note) => note.id)).toEqual([second.id]);
    const actions = (await customerHistory(deps, "ACME-1", { limit: 1 })).data.map((event) => event.action);
    expect(actions).toEqual(["customer.note_pinned"]);
    expect(await failure(addCustomerNote(deps, ana, "ACME-1", { body: "   " }))).toEqual({
      code: "parameter_invalid",
      param: "body",
    });
  });
});

describe("purchase orders", () => {
  it("creates, updates and refuses a duplicate number", async () => {
    const order = await createPurchaseOrder(deps, ana, "ACME-1", {
      number: "PO-100",
      valid_from: "2026-01-01",
      valid_to: "2026-12-31",
      amount_cap: "1000",
    });
    expect(order).toMatchObject({
      id: expect.stringMatching(/^po_/),
      currency: "EUR",
      amount_cap: "1000.00",
      amount_consumed: "0.00",
      amount_remaining: "1000.00",
    });
    expect(await failure(createPurchaseOrder(deps, ana, "ACME-1", { number: "PO-100" }))).toEqual({
      code: "purchase_order_number_taken",
      param: "number",
    });
    const updated = await updatePurchaseOrder(deps, ana, "ACME-1", "PO-100", { description: "Annual platform fee" });
    expect(updated).toMatchObject({ description: "Annual platform fee", valid_to: "2026-12-31" });
  });

  it("lets concurrent invoices consume a PO without ever passing its cap", async () => {
    // Twenty invoices of 70.00 race for a 1000.00 cap: 14 × 70.00 = 980.00 fit, the 15th would make 1050.00.
    const attempts = Array.from({ length: 20 }, () =>
      inTransaction(db, (tx) => consumePurchaseOrder(deps, tx, "ACME-1", "PO-100", "70.00")).then(
        () => "ok",
        (error: DomainError) => error.code,
      ),
    );
    const outcomes = await Promise.all(attempts);
    expect(outcomes.filter((outcome) => outcome === "ok")).toHaveLength(14);
    expect(outcomes.filter((outcome) => outcome === "purchase_order_cap_exceeded")).toHaveLength(6);
    const row = await sql<{
      amount_consumed: string;
    }>`select amount_consumed from purchase_orders where number = 'PO-100'`.execute(db);
    expect(row.rows[0]?.amount_consumed).toBe("980.00");
  });

  it("releases, refuses out-of-window dates and caps below what was consumed, all in the history", async () => {
    const released = await inTransaction(db, (tx) => releasePurchaseOrder(deps, tx, "ACME-1", "PO-100", "80.00"));
    // 980.00 − 80.00 = 900.00 consumed; 1000.00 − 900.00 = 100.00 left
    expect(released).toMatchObject({ amount_consumed: "900.00", amount_remaining: "100.00" });
    expect(
      await failure(
        inTransaction(db, (tx) =>
          consumePurchaseOrder(deps, tx, "ACME-1", "PO-100", "1.00", { on: Temporal.PlainDate.from("2027-01-01") }),
        ),
      ),
    ).toMatchObject({ code: "purchase_order_expired" });
    expect(await failure(updatePurchaseOrder(deps, ana, "ACME-1", "PO-100", { amount_cap: "899.99" }))).toEqual({
      code: "purchase_order_cap_below_consumed",
      param: "amount_cap",
    });
    const actions = (await customerHistory(deps, "ACME-1", { limit: 100 })).data.map((event) => event.action);
    expect(actions.filter((action) => action === "customer.purchase_order_consumed")).toHaveLength(14);
    expect(actions[0]).toBe("customer.purchase_order_released");
  });
});
