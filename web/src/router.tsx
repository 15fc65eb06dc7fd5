import {
  createRootRoute,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
} from "@tanstack/react-router";
import { NotFound } from "./components/not-found.js";
import { queryClient } from "./query-client.js";
import { LoginPage } from "./routes/login.js";
import { Shell } from "./routes/shell.js";
import { sessionQuery } from "./session.js";

/**
 * Code-based routes. Each page is its own chunk, fetched when first visited:
 * the first screen loads the shell, the sign-in page and the page it shows. Filters and cursors live in the URL's search string, so
 * a filtered page can be bookmarked, shared and reloaded as it was.
 */

type Search<K extends string> = { [key in K]?: string };

/** Keeps the named keys as strings (the router parses "1000" into a number) and drops the rest. */
function searchOf<const K extends string>(...keys: K[]) {
  return (raw: Record<string, unknown>): Search<K> => {
    const search: Search<K> = {};
    for (const key of keys) {
      const value = raw[key];
      if (typeof value === "string" && value !== "") search[key] = value;
      else if (typeof value === "number" || typeof value === "boolean") search[key] = String(value);
    }
    return search;
  };
}

const CURSOR = ["starting_after", "ending_before"] as const;

const rootRoute = createRootRoute({ component: Outlet, notFoundComponent: NotFound });

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/login",
  validateSearch: searchOf("redirect"),
  component: LoginPage,
});

/** Everything behind sign-in; a visitor without a session is sent to /login and back afterwards. */
const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "signed-in",
  beforeLoad: async ({ location }) => {
    const session = await queryClient.ensureQueryData(sessionQuery);
    if (session === null) throw redirect({ to: "/login", search: { redirect: location.href } });
    return { session };
  },
  component: Shell,
});

const homeRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/",
  beforeLoad: () => {
    throw redirect({ to: "/ledger/trial-balance" });
  },
});

const trialBalanceRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/ledger/trial-balance",
  validateSearch: searchOf("as_of", "currency"),
  component: lazyRouteComponent(() => import("./routes/trial-balance.js"), "TrialBalancePage"),
});

const journalEntriesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/ledger/entries",
  validateSearch: searchOf("account", "source_type", "source_id", "effective_from", "effective_to", "entry", ...CURSOR),
  component: lazyRouteComponent(() => import("./routes/journal-entries.js"), "JournalEntriesPage"),
});

const auditLogRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/audit-log",
  validateSearch: searchOf("actor_id", "action", "object_type", "object_id", "event", ...CURSOR),
  component: lazyRouteComponent(() => import("./routes/audit-log.js"), "AuditLogPage"),
});

const apiKeysRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/developers/api-keys",
  validateSearch: searchOf("include_revoked", ...CURSOR),
  component: lazyRouteComponent(() => import("./routes/api-keys.js"), "ApiKeysPage"),
});

const webhookEndpointsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/developers/webhooks",
  validateSearch: searchOf("endpoint"),
  component: lazyRouteComponent(() => import("./routes/webhook-endpoints.js"), "WebhookEndpointsPage"),
});

const approvalsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/approvals",
  validateSearch: searchOf("status", ...CURSOR),
  component: lazyRouteComponent(() => import("./routes/approvals.js"), "ApprovalsPage"),
});

// Invoicing: invoices, the draft review queue, credit notes, billing runs, test clocks.

const invoicesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/invoices",
  validateSearch: searchOf("status", "customer", "number", "issue_date_from", "issue_date_to", ...CURSOR),
  component: lazyRouteComponent(() => import("./routes/invoices/invoices.js"), "InvoicesPage"),
});

const invoiceRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/invoices/$id",
  component: lazyRouteComponent(() => import("./routes/invoices/invoice-detail.js"), "InvoiceDetailPage"),
});

const reviewQueueRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/review-queue",
  validateSearch: searchOf("customer", ...CURSOR),
  component: lazyRouteComponent(() => import("./routes/review/review-queue.js"), "ReviewQueuePage"),
});

const reviewSettingsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/review-settings",
  component: lazyRouteComponent(() => import("./routes/review/review-settings.js"), "ReviewSettingsPage"),
});

const creditNotesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/credit-notes",
  validateSearch: searchOf("invoice", "customer", ...CURSOR),
  component: lazyRouteComponent(() => import("./routes/credit-notes/credit-notes.js"), "CreditNotesPage"),
});

const creditNoteRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/credit-notes/$id",
  component: lazyRouteComponent(() => import("./routes/credit-notes/credit-note-detail.js"), "CreditNoteDetailPage"),
});

const billingRunsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/billing-runs",
  validateSearch: searchOf(...CURSOR),
  component: lazyRouteComponent(() => import("./routes/billing-runs/billing-runs.js"), "BillingRunsPage"),
});

const billingRunRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/billing-runs/$id",
  component: lazyRouteComponent(() => import("./routes/billing-runs/billing-run-detail.js"), "BillingRunDetailPage"),
});

const legalEntitiesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/legal-entities",
  component: lazyRouteComponent(() => import("./routes/legal-entities/legal-entities.js"), "LegalEntitiesPage"),
});

const testClocksRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/test-clocks",
  validateSearch: searchOf(...CURSOR),
  component: lazyRouteComponent(() => import("./routes/test-clocks/test-clocks.js"), "TestClocksPage"),
});

const testClockRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/test-clocks/$id",
  component: lazyRouteComponent(() => import("./routes/test-clocks/test-clock-detail.js"), "TestClockDetailPage"),
});

// Customers, the catalog and subscriptions.

const customersRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/customers",
  validateSearch: searchOf("q", "tag", "currency", "archived", "billing_hold", ...CURSOR),
  component: lazyRouteComponent(() => import("./routes/customers/customers-page.js"), "CustomersPage"),
});

const customerRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/customers/$id",
  validateSearch: searchOf("tab"),
  component: lazyRouteComponent(() => import("./routes/customers/customer-page.js"), "CustomerPage"),
});

const catalogRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/catalog",
  validateSearch: searchOf("tab", "status", "product", "plan", "price"),
  component: lazyRouteComponent(() => import("./routes/catalog/catalog-page.js"), "CatalogPage"),
});

const subscriptionsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/subscriptions",
  validateSearch: searchOf("status", ...CURSOR),
  component: lazyRouteComponent(() => import("./routes/subscriptions/subscriptions-page.js"), "SubscriptionsPage"),
});

const subscriptionRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/subscriptions/$id",
  component: lazyRouteComponent(() => import("./routes/subscriptions/subscription-page.js"), "SubscriptionPage"),
});

// Usage: events, meters and rate cards.

const usageEventsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/usage/events",
  validateSearch: searchOf("tab", "customer", "type", "from", "to", "rating_status", "status", "code", ...CURSOR),
  component: lazyRouteComponent(() => import("./routes/usage/events-page.js"), "EventsPage"),
});

const metersRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/usage/meters",
  validateSearch: searchOf("status", ...CURSOR),
  component: lazyRouteComponent(() => import("./routes/usage/meters-page.js"), "MetersPage"),
});

const meterRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/usage/meters/$id",
  validateSearch: searchOf("customer"),
  component: lazyRouteComponent(() => import("./routes/usage/meter-detail.js"), "MeterDetailPage"),
});

const rateCardsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/rate-cards",
  validateSearch: searchOf("kind", ...CURSOR),
  component: lazyRouteComponent(() => import("./routes/rate-cards/rate-cards-page.js"), "RateCardsPage"),
});

const rateCardRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/rate-cards/$id",
  validateSearch: searchOf("tab", "from", "to"),
  component: lazyRouteComponent(() => import("./routes/rate-cards/rate-card-page.js"), "RateCardPage"),
});

// Charge scripts: the list, one script's versions, and the editor for a version.

const scriptsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/scripts",
  validateSearch: searchOf(...CURSOR),
  component: lazyRouteComponent(() => import("./routes/scripts/scripts-page.js"), "ScriptsPage"),
});

const scriptRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/scripts/$id",
  component: lazyRouteComponent(() => import("./routes/scripts/script-page.js"), "ScriptPage"),
});

const scriptVersionRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/scripts/$id/versions/$version",
  validateSearch: searchOf("tab"),
  component: lazyRouteComponent(() => import("./routes/scripts/version-page.js"), "VersionPage"),
});

const routeTree = rootRoute.addChildren([
  loginRoute,
  appRoute.addChildren([
    homeRoute,
    trialBalanceRoute,
    journalEntriesRoute,
    auditLogRoute,
    apiKeysRoute,
    webhookEndpointsRoute,
    approvalsRoute,
    customersRoute,
    customerRoute,
    catalogRoute,
    subscriptionsRoute,
    subscriptionRoute,
    invoicesRoute,
    invoiceRoute,
    reviewQueueRoute,
    reviewSettingsRoute,
    creditNotesRoute,
    creditNoteRoute,
    billingRunsRoute,
    billingRunRoute,
    legalEntitiesRoute,
    testClocksRoute,
    testClockRoute,
    usageEventsRoute,
    metersRoute,
    meterRoute,
    rateCardsRoute,
    rateCardRoute,
    scriptsRoute,
    scriptRoute,
    scriptVersionRoute,
  ]),
]);

export const router = createRouter({ routeTree, defaultPreload: "intent", scrollRestoration: true });

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
