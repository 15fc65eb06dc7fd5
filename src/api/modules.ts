import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { accessRoutes } from "../access/index.js";
import { catalogRoutes } from "../catalog/index.js";
import { customerRoutes } from "../customers/index.js";
import {
  billingRunRoutes,
  couponRoutes,
  creditNoteRoutes,
  invoiceRoutes,
  legalEntityRoutes,
  reviewRoutes,
  taxRateRoutes,
} from "../invoicing/index.js";
import { jobRoutes } from "../jobs/index.js";
import type { Deps } from "../kernel/deps.js";
import { ledgerRoutes } from "../ledger/index.js";
import { subscriptionRoutes } from "../subscriptions/index.js";
import { testClockRoutes } from "../testclocks/index.js";
import { backtestRoutes, eventRoutes, meterRoutes, ratingRoutes, scriptRoutes } from "../usage/index.js";
import { webhookRoutes } from "../webhooks/index.js";

/** Every module's routes, in the order they appear in the OpenAPI document. */
export function moduleRoutes(deps: Deps): FastifyPluginAsyncZod[] {
  return [
    accessRoutes(deps),
    ledgerRoutes(deps),
    customerRoutes(deps),
    catalogRoutes(deps),
    subscriptionRoutes(deps),
    meterRoutes(deps),
    eventRoutes(deps),
    scriptRoutes(deps),
    ratingRoutes(deps),
    backtestRoutes(deps),
    billingRunRoutes(deps),
    invoiceRoutes(deps),
    taxRateRoutes(deps),
    couponRoutes(deps),
    reviewRoutes(deps),
    creditNoteRoutes(deps),
    legalEntityRoutes(deps),
    testClockRoutes(deps),
    webhookRoutes(deps),
    jobRoutes(deps),
  ];
}
