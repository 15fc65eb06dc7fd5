import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import { errorResponses, listOf, pageQuery, type RouteConfig } from "../kernel/http.js";
import { JOB_STATES } from "./model.js";
import { getJob, listJobs, retryJob } from "./service.js";

const jobSchema = z
  .object({
    object: z.literal("job"),
    id: z.string().describe("pg-boss's job id, a UUID"),
    queue: z.string(),
    state: z.enum(JOB_STATES).describe("dead: retries used up, waiting in the queue's dead-letter queue"),
    data: z.unknown(),
    output: z.unknown().describe("the handler's result, or the error of the last failed run"),
    retry_count: z.number().int(),
    retry_limit: z.number().int(),
    retry_delay_seconds: z.number().int(),
    retry_backoff: z.boolean(),
    singleton_key: z.string().nullable(),
    created_at: z.string(),
    start_after: z.string(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    archived: z.boolean(),
  })
  .describe("Job");

const jobParams = z.strictObject({ id: z.uuid("a job id is a UUID") });

export function jobRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/jobs",
      {
        config: { permission: "jobs:read" } satisfies RouteConfig,
        schema: {
          tags: ["jobs"],
          summary: "List jobs, newest first",
          description:
            "Filter by queue and by state; `failed` lists jobs that used up their retries, `dead` their copies waiting in the dead-letter queue.",
          querystring: pageQuery.extend({
            queue: z.string().max(100).optional(),
            state: z.enum(JOB_STATES).optional(),
          }),
          response: { 200: listOf(jobSchema), ...errorResponses },
        },
      },
      async (request) => ({ object: "list" as const, ...(await listJobs(deps, request.query)) }),
    );

    app.get(
      "/v1/jobs/:id",
      {
        config: { permission: "jobs:read" } satisfies RouteConfig,
        schema: {
          tags: ["jobs"],
          summary: "Retrieve a job",
          params: jobParams,
          response: { 200: jobSchema, ...errorResponses },
        },
      },
      async (request) => getJob(deps, request.params.id),
    );

    app.post(
      "/v1/jobs/:id/retry",
      {
        config: { permission: "jobs:manage" } satisfies RouteConfig,
        schema: {
          tags: ["jobs"],
          summary: "Retry a failed or dead job",
          description:
            "Gives the job one more run. Retrying a dead job re-runs its failed original (or a fresh copy if the original was archived) and removes it from the dead-letter queue.",
          params: jobParams,
          response: { 200: jobSchema, ...errorResponses },
        },
      },
      async (request) => retryJob(deps, request.params.id),
    );
  };
}
