import { existsSync } from "node:fs";
import path from "node:path";
import fastifyCookie from "@fastify/cookie";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import pino, { type Logger } from "pino";
import type { Config } from "../kernel/config.js";
import type { Deps } from "../kernel/deps.js";
import { newId } from "../kernel/ids.js";
import { registerAuthentication } from "./authentication.js";
import { errorPayload, sendError, toErrorPayload } from "./errors.js";
import { registerHealth } from "./health.js";
import { registerIdempotency } from "./idempotency.js";
import { registerMetrics } from "./metrics.js";
import { moduleRoutes } from "./modules.js";
import { API_VERSION } from "./version.js";

export interface AppOptions extends Deps {
  config?: Pick<Config, "webDistDir">;
  logger?: Logger | boolean;
  /** Largest accepted JSON body; routes that stream (event ingestion) set their own. */
  bodyLimitBytes?: number;
}

/**
 * Builds the HTTP application: conventions (errors, auth, idempotency, request
 * ids, metrics) first, then every module's routes, then the web app. Nothing
 * here listens: `server.ts` does, so tests use `app.inject` on the same app.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const deps: Deps = { db: options.db, clock: options.clock };
  const app = Fastify({
    // A pino instance from the server, or none at all in tests.
    loggerInstance: (typeof options.logger === "object"
      ? options.logger
      : pino({ enabled: options.logger === true })) as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    genReqId: () => newId("request"),
    requestIdHeader: false,
    ajv: undefined,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.addHook("onRequest", async (request, reply) => {
    reply.header("request-id", request.id);
  });
  app.setErrorHandler((error, request, reply) => sendError(reply, toErrorPayload(error, request)));
  app.setNotFoundHandler((request, reply) => {
    // A page's path gets the web app, which routes it; a missing asset (a chunk of an older
    // build) gets a 404, so the app can tell, not index.html in its place.
    if (request.method === "GET" && !isApiPath(request.url) && !isAssetPath(request.url) && hasWebApp(options)) {
      return reply.sendFile("index.html");
    }
    return sendError(
      reply,
      errorPayload("route_not_found", "not_found", `no route ${request.method} ${request.url.split("?")[0]}`),
    );
  });

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Accrue API",
        description:
          "Billing operations: customers, subscriptions, usage, invoices, payments, ledger. Authenticate with `Authorization: Bearer sk_…`. Amounts are decimal strings beside their currency.",
        version: API_VERSION,
      },
      components: {
        securitySchemes: {
          api_key: { type: "http", scheme: "bearer", description: "An API key, sk_…" },
          session: { type: "apiKey", in: "cookie", name: "accrue_session" },
        },
      },
      security: [{ api_key: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs" });
  app.get("/openapi.json", { schema: { hide: true }, config: { permission: "public", public: true } }, async () =>
    app.swagger(),
  );

  registerMetrics(app);
  registerAuthentication(app, deps);
  registerIdempotency(app, deps);
  registerHealth(app, deps);
  for (const routes of moduleRoutes(deps)) await app.register(routes);

  if (hasWebApp(options)) {
    await app.register(fastifyStatic, {
      root: options.config?.webDistDir ?? "",
      prefix: "/",
      wildcard: false,
      index: ["index.html"],
      cacheControl: false,
      // Built files are named by their content: a browser may keep them for good. The page that
      // names them is asked for again each time, so an upgrade is seen at the next load.
      setHeaders: (reply, file) => {
        reply.header(
          "Cache-Control",
          file.includes(`${path.sep}assets${path.sep}`) ? "public, max-age=31536000, immutable" : "no-cache",
        );
      },
    });
  }
  return app;
}

function isAssetPath(url: string): boolean {
  return url.startsWith("/assets/");
}

function isApiPath(url: string): boolean {
  return /^\/(v1|health|metrics|openapi\.json|docs)(\/|\?|$)/.test(url);
}

function hasWebApp(options: AppOptions): boolean {
  const dir = options.config?.webDistDir;
  return dir !== undefined && existsSync(`${dir}/index.html`);
}
