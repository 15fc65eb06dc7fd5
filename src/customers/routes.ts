import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import { errorResponses, idOf, listOf, pageQuery, type RouteConfig } from "../kernel/http.js";
import { addCustomerNote, listCustomerNotes, setCustomerNotePinned } from "./notes.js";
import { createPurchaseOrder, getPurchaseOrder, listPurchaseOrders, updatePurchaseOrder } from "./purchase-orders.js";
import {
  createCustomerBody,
  createPurchaseOrderBody,
  customerListQuery,
  customerReference,
  customerSchema,
  emptyBody,
  historyEventSchema,
  holdBody,
  noteBody,
  noteSchema,
  purchaseOrderSchema,
  updateCustomerBody,
  updatePurchaseOrderBody,
} from "./schemas.js";
import {
  archiveCustomer,
  createCustomer,
  customerHistory,
  getCustomer,
  listCustomers,
  placeBillingHold,
  releaseBillingHold,
  unarchiveCustomer,
  updateCustomer,
} from "./service.js";

const read = { permission: "customers:read" } satisfies RouteConfig;
const write = { permission: "customers:write" } satisfies RouteConfig;
const tags = ["customers"];
const ID_NOTE = "`{id}` is the customer's `cus_…` id or your external id.";

const customerParams = z.strictObject({ id: customerReference });
const noteParams = z.strictObject({ id: customerReference, note_id: idOf("cnote") });
const purchaseOrderParams = z.strictObject({
  id: customerReference,
  purchase_order: z.string().min(1).max(64).describe("the PO's id (po_…) or its number"),
});

const list = <T extends z.ZodType>(item: T) => ({ 200: listOf(item), ...errorResponses });
const one = <T extends z.ZodType>(item: T) => ({ 200: item, ...errorResponses });
const asList = <T>(page: { data: T[]; has_more: boolean }) => ({ object: "list" as const, ...page });
const flag = (value: "true" | "false" | undefined) => (value === undefined ? undefined : value === "true");

export function customerRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/customers",
      {
        config: read,
        schema: {
          tags,
          summary: "List and search customers",
          description:
            "Newest first. `q` matches a substring of the legal or display name, an email, the external id or a tax id value (spaces and dashes ignored). Archived customers are left out unless `archived=true`.",
          querystring: customerListQuery,
          response: list(customerSchema),
        },
      },
      async (request) =>
        asList(
          await listCustomers(deps, {
            ...request.query,
            archived: flag(request.query.archived),
            billing_hold: flag(request.query.billing_hold),
          }),
        ),
    );

    app.post(
      "/v1/customers",
      {
        config: write,
        schema: { tags, summary: "Create a customer", body: createCustomerBody, response: one(customerSchema) },
      },
      async (request) => createCustomer(deps, request.context, request.body),
    );

    app.get(
      "/v1/customers/:id",
      {
        config: read,
        schema: {
          tags,
          summary: "Retrieve a customer",
          description: ID_NOTE,
          params: customerParams,
          response: one(customerSchema),
        },
      },
      async (request) => getCustomer(deps, request.params.id),
    );

    app.post(
      "/v1/customers/:id",
      {
        config: write,
        schema: {
          tags,
          summary: "Update a customer",
          description: `${ID_NOTE} Fields left out stay as they are; \`null\` clears a field that may be empty; lists, addresses and \`metadata\` replace the old value whole; \`invoice_delivery\` changes only the keys sent.`,
          params: customerParams,
          body: updateCustomerBody,
          response: one(customerSchema),
        },
      },
      async (request) => updateCustomer(deps, request.context, request.params.id, request.body),
    );

    app.post(
      "/v1/customers/:id/archive",
      {
        config: write,
        schema: {
          tags,
          summary: "Archive a customer",
          description: `${ID_NOTE} Customers are never deleted: archiving hides one from lists and refuses changes and new purchase orders; notes, holds and history stay available.`,
          params: customerParams,
          body: emptyBody,
          response: one(customerSchema),
        },
      },
      async (request) => archiveCustomer(deps, request.context, request.params.id),
    );

    app.post(
      "/v1/customers/:id/unarchive",
      {
        config: write,
        schema: {
          tags,
          summary: "Unarchive a customer",
          description: ID_NOTE,
          params: customerParams,
          body: emptyBody,
          response: one(customerSchema),
        },
      },
      async (request) => unarchiveCustomer(deps, request.context, request.params.id),
    );

    app.post(
      "/v1/customers/:id/billing_hold",
      {
        config: write,
        schema: {
          tags,
          summary: "Put a customer on billing hold",
          description: `${ID_NOTE} Billing runs skip a customer on hold and record why, until the hold is released.`,
          params: customerParams,
          body: holdBody,
          response: one(customerSchema),
        },
      },
      async (request) => placeBillingHold(deps, request.context, request.params.id, request.body.reason),
    );

    app.post(
      "/v1/customers/:id/billing_hold/release",
      {
        config: write,
        schema: {
          tags,
          summary: "Release a billing hold",
          description: `${ID_NOTE} Give the reason in the Accrue-Reason header; it lands in the history.`,
          params: customerParams,
          body: emptyBody,
          response: one(customerSchema),
        },
      },
      async (request) => releaseBillingHold(deps, request.context, request.params.id),
    );

    app.get(
      "/v1/customers/:id/history",
      {
        config: read,
        schema: {
          tags,
          summary: "A customer's change history",
          description: `${ID_NOTE} Every change to the customer, its notes, holds and purchase orders, newest first, with who, when, why, before and after. \`starting_after\` and \`ending_before\` take audit event ids (aud_…).`,
          params: customerParams,
          querystring: pageQuery,
          response: list(historyEventSchema),
        },
      },
      async (request) => asList(await customerHistory(deps, request.params.id, request.query)),
    );

    registerNoteRoutes(app, deps);
    registerPurchaseOrderRoutes(app, deps);
  };
}

type App = Parameters<FastifyPluginAsyncZod>[0];

function registerNoteRoutes(app: App, deps: Deps): void {
  app.get(
    "/v1/customers/:id/notes",
    {
      config: read,
      schema: {
        tags,
        summary: "List a customer's notes",
        description: `${ID_NOTE} Pinned notes first, then newest first.`,
        params: customerParams,
        querystring: pageQuery.omit({ ending_before: true }),
        response: list(noteSchema),
      },
    },
    async (request) => asList(await listCustomerNotes(deps, request.params.id, request.query)),
  );

  app.post(
    "/v1/customers/:id/notes",
    {
      config: write,
      schema: {
        tags,
        summary: "Add a note",
        description: `${ID_NOTE} The author is the caller and the time is now; notes are not edited or deleted.`,
        params: customerParams,
        body: noteBody,
        response: one(noteSchema),
      },
    },
    async (request) => addCustomerNote(deps, request.context, request.params.id, request.body),
  );

  for (const [action, pinned] of [
    ["pin", true],
    ["unpin", false],
  ] as const) {
    app.post(
      `/v1/customers/:id/notes/:note_id/${action}`,
      {
        config: write,
        schema: {
          tags,
          summary: pinned ? "Pin a note" : "Unpin a note",
          description: ID_NOTE,
          params: noteParams,
          body: emptyBody,
          response: one(noteSchema),
        },
      },
      async (request) =>
        setCustomerNotePinned(deps, request.context, request.params.id, request.params.note_id, pinned),
    );
  }
}

function registerPurchaseOrderRoutes(app: App, deps: Deps): void {
  app.get(
    "/v1/customers/:id/purchase_orders",
    {
      config: read,
      schema: {
        tags,
        summary: "List a customer's purchase orders",
        description: ID_NOTE,
        params: customerParams,
        querystring: pageQuery.extend({ active: z.enum(["true", "false"]).optional() }),
        response: list(purchaseOrderSchema),
      },
    },
    async (request) =>
      asList(
        await listPurchaseOrders(deps, request.params.id, { ...request.query, active: flag(request.query.active) }),
      ),
  );

  app.post(
    "/v1/customers/:id/purchase_orders",
    {
      config: write,
      schema: {
        tags,
        summary: "Add a purchase order",
        description: `${ID_NOTE} The cap is in the customer's currency; invoices citing the PO consume it.`,
        params: customerParams,
        body: createPurchaseOrderBody,
        response: one(purchaseOrderSchema),
      },
    },
    async (request) => createPurchaseOrder(deps, request.context, request.params.id, request.body),
  );

  app.get(
    "/v1/customers/:id/purchase_orders/:purchase_order",
    {
      config: read,
      schema: {
        tags,
        summary: "Retrieve a purchase order",
        description: ID_NOTE,
        params: purchaseOrderParams,
        response: one(purchaseOrderSchema),
      },
    },
    async (request) => getPurchaseOrder(deps, request.params.id, request.params.purchase_order),
  );

  app.post(
    "/v1/customers/:id/purchase_orders/:purchase_order",
    {
      config: write,
      schema: {
        tags,
        summary: "Update a purchase order",
        description: `${ID_NOTE} Fields left out stay. A cap cannot go below what invoices have already consumed.`,
        params: purchaseOrderParams,
        body: updatePurchaseOrderBody,
        response: one(purchaseOrderSchema),
      },
    },
    async (request) =>
      updatePurchaseOrder(deps, request.context, request.params.id, request.params.purchase_order, request.body),
  );
}
