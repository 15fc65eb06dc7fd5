import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { accessRoutes } from "../access/index.js";
import { jobRoutes } from "../jobs/index.js";
import type { Deps } from "../kernel/deps.js";
import { webhookRoutes } from "../webhooks/index.js";

/** Every module's routes, in the order they appear in the OpenAPI document. */
export function moduleRoutes(deps: Deps): FastifyPluginAsyncZod[] {
  return [accessRoutes(deps), webhookRoutes(deps), jobRoutes(deps)];
}
