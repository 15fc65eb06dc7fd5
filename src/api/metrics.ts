import type { FastifyInstance } from "fastify";
import client from "prom-client";

/**
 * Prometheus metrics on prom-client's default registry. Modules register their
 * own (ledger postings, job queue depth) on the same registry; `/metrics`
 * serves them all. Left unauthenticated like most scrape targets: it exposes
 * counts and timings, never customer data.
 */
const requestDuration = new client.Histogram({
  name: "accrue_http_request_duration_seconds",
  help: "HTTP request duration by route and status",
  labelNames: ["method", "route", "status_code"],
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

let defaultsCollected = false;

export function registerMetrics(app: FastifyInstance): void {
  if (!defaultsCollected) {
    client.collectDefaultMetrics({ prefix: "accrue_" });
    defaultsCollected = true;
  }
  app.addHook("onResponse", async (request, reply) => {
    requestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? "unmatched", status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.get(
    "/metrics",
    { schema: { hide: true }, config: { permission: "public", public: true } },
    async (_request, reply) => {
      reply.type(client.register.contentType);
      return client.register.metrics();
    },
  );
}
