import { createRootRoute, createRoute, createRouter, Outlet, redirect } from "@tanstack/react-router";
import { NotFound } from "./components/not-found.js";
import { queryClient } from "./query-client.js";
import { ApiKeysPage } from "./routes/api-keys.js";
import { ApprovalsPage } from "./routes/approvals.js";
import { AuditLogPage } from "./routes/audit-log.js";
import { JournalEntriesPage } from "./routes/journal-entries.js";
import { LoginPage } from "./routes/login.js";
import { Shell } from "./routes/shell.js";
import { TrialBalancePage } from "./routes/trial-balance.js";
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
  ]),
]);

export const router = createRouter({ routeTree, defaultPreload: "intent", scrollRestoration: true });

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
