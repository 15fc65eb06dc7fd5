import { createRootRoute, createRoute, createRouter, Outlet, redirect } from "@tanstack/react-router";
import { NotFound } from "./components/not-found.js";
import { queryClient } from "./query-client.js";
import { ApiKeysPage } from "./routes/api-keys.js";
import { ApprovalsPage } from "./routes/approvals.js";
import { AuditLogPage } from "./routes/audit-log.js";
import { BillingRunDetailPage } from "./routes/billing-runs/billing-run-detail.js";
import { BillingRunsPage } from "./routes/billing-runs/billing-runs.js";
import { CatalogPage } from "./routes/catalog/catalog-page.js";
import { CreditNoteDetailPage } from "./routes/credit-notes/credit-note-detail.js";
import { CreditNotesPage } from "./routes/credit-notes/credit-notes.js";
import { CustomerPage } from "./routes/customers/customer-page.js";
import { CustomersPage } from "./routes/customers/customers-page.js";
import { InvoiceDetailPage } from "./routes/invoices/invoice-detail.js";
import { InvoicesPage } from "./routes/invoices/invoices.js";
import { JournalEntriesPage } from "./routes/journal-entries.js";
import { LegalEntitiesPage } from "./routes/legal-entities/legal-entities.js";
import { LoginPage } from "./routes/login.js";
import { RateCardPage } from "./routes/rate-cards/rate-card-page.js";
import { RateCardsPage } from "./routes/rate-cards/rate-cards-page.js";
import { ReviewQueuePage } from "./routes/review/review-queue.js";
import { ReviewSettingsPage } from "./routes/review/review-settings.js";
import { ScriptPage } from "./routes/scripts/script-page.js";
import { ScriptsPage } from "./routes/scripts/scripts-page.js";
import { VersionPage } from "./routes/scripts/version-page.js";
import { Shell } from "./routes/shell.js";
import { SubscriptionPage } from "./routes/subscriptions/subscription-page.js";
import { SubscriptionsPage } from "./routes/subscriptions/subscriptions-page.js";
import { TestClockDetailPage } from "./routes/test-clocks/test-clock-detail.js";
import { TestClocksPage } from "./routes/test-clocks/test-clocks.js";
import { TrialBalancePage } from "./routes/trial-balance.js";
import { EventsPage } from "./routes/usage/events-page.js";
import { MeterDetailPage } from "./routes/usage/meter-detail.js";
import { MetersPage } from "./routes/usage/meters-page.js";
import { WebhookEndpointsPage } from "./routes/webhook-endpoints.js";
import { sessionQuery } from "./session.js";

/**
 * Code-based routes. Filters and cursors live in the URL's search string, so
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
  component: TrialBalancePage,
});

const journalEntriesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/ledger/entries",
  validateSearch: searchOf("account", "source_type", "source_id", "effective_from", "effective_to", "entry", ...CURSOR),
  component: JournalEntriesPage,
});

const auditLogRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/audit-log",
  validateSearch: searchOf("actor_id", "action", "object_type", "object_id", "event", ...CURSOR),
  component: AuditLogPage,
});

const apiKeysRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/developers/api-keys",
  validateSearch: searchOf("include_revoked", ...CURSOR),
  component: ApiKeysPage,
});

const webhookEndpointsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/developers/webhooks",
  validateSearch: searchOf("endpoint"),
  component: WebhookEndpointsPage,
});

const approvalsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/approvals",
  validateSearch: searchOf("status", ...CURSOR),
  component: ApprovalsPage,
});

// Invoicing: invoices, the draft review queue, credit notes, billing runs, test clocks.

const invoicesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/invoices",
  validateSearch: searchOf("status", "customer", "number", "issue_date_from", "issue_date_to", ...CURSOR),
  component: InvoicesPage,
});

const invoiceRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/invoices/$id",
  component: InvoiceDetailPage,
});

const reviewQueueRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/review-queue",
  validateSearch: searchOf("customer", ...CURSOR),
  component: ReviewQueuePage,
});

const reviewSettingsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/review-settings",
  component: ReviewSettingsPage,
});

const creditNotesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/credit-notes",
  validateSearch: searchOf("invoice", "customer", ...CURSOR),
  component: CreditNotesPage,
});

const creditNoteRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/credit-notes/$id",
  component: CreditNoteDetailPage,
});

const billingRunsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/billing-runs",
  validateSearch: searchOf(...CURSOR),
  component: BillingRunsPage,
});

const billingRunRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/billing-runs/$id",
  component: BillingRunDetailPage,
});

const legalEntitiesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/legal-entities",
  component: LegalEntitiesPage,
});

const testClocksRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/test-clocks",
  validateSearch: searchOf(...CURSOR),
  component: TestClocksPage,
});

const testClockRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/test-clocks/$id",
  component: TestClockDetailPage,
});

// Customers, the catalog and subscriptions.

const customersRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/customers",
  validateSearch: searchOf("q", "tag", "currency", "archived", "billing_hold", ...CURSOR),
  component: CustomersPage,
});

const customerRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/customers/$id",
  validateSearch: searchOf("tab"),
  component: CustomerPage,
});

const catalogRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/catalog",
  validateSearch: searchOf("tab", "status", "product", "plan", "price"),
  component: CatalogPage,
});

const subscriptionsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/subscriptions",
  validateSearch: searchOf("status", ...CURSOR),
  component: SubscriptionsPage,
});

const subscriptionRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/subscriptions/$id",
  component: SubscriptionPage,
});

// Usage: events, meters and rate cards.

const usageEventsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/usage/events",
  validateSearch: searchOf("tab", "customer", "type", "from", "to", "rating_status", "status", "code", ...CURSOR),
  component: EventsPage,
});

const metersRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/usage/meters",
  validateSearch: searchOf("status", ...CURSOR),
  component: MetersPage,
});

const meterRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/usage/meters/$id",
  validateSearch: searchOf("customer"),
  component: MeterDetailPage,
});

const rateCardsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/rate-cards",
  validateSearch: searchOf("kind", ...CURSOR),
  component: RateCardsPage,
});

const rateCardRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/rate-cards/$id",
  validateSearch: searchOf("tab", "from", "to"),
  component: RateCardPage,
});

// Charge scripts: the list, one script's versions, and the editor for a version.

const scriptsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/scripts",
  validateSearch: searchOf(...CURSOR),
  component: ScriptsPage,
});

const scriptRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/scripts/$id",
  component: ScriptPage,
});

const scriptVersionRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/scripts/$id/versions/$version",
  validateSearch: searchOf("tab"),
  component: VersionPage,
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
