import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Deps } from "../kernel/deps.js";

/** Every module's routes, in the order they appear in the OpenAPI document. */
export function moduleRoutes(deps: Deps): FastifyPluginAsyncZod[] {
  return [];
}
