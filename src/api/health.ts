import type { FastifyInstance } from "fastify";
import { pingDatabase } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { API_VERSION } from "./version.js";

/** `/health`: the process answers and the database answers; 503 when it does not. */
export function registerHealth(app: FastifyInstance, deps: Deps): void {
  app.get(
    "/health",
    { schema: { hide: true }, config: { permission: "public", public: true } },
    async (_request, reply) => {
      const started = performance.now();
      try {
        await pingDatabase(deps.db);
        return {
          status: "ok",
          version: API_VERSION,
          database: { status: "ok", latency_ms: Math.round(performance.now() - started) },
        };
      } catch (error) {
        return reply.code(503).send({
          status: "unavailable",
          version: API_VERSION,
          database: { status: "unavailable", error: (error as Error).message },
        });
      }
    },
  );
}
