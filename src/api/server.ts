import pino from "pino";
import { ensureBootstrapAdmin } from "../access/index.js";
import { databaseIsEmpty, seedDemo } from "../demo/index.js";
import { autoFinalizeQueues, billingRunQueues, scheduleAutoFinalize, scheduleBillingRuns } from "../invoicing/index.js";
import { prepareDatabase, startJobs } from "../jobs/index.js";
import { type OpenRuntime, openRuntime } from "../kernel/runtime.js";
import { scheduleUsageRetention, usageLateRatingQueues, usageRetentionQueues } from "../usage/index.js";
import { webhookQueues } from "../webhooks/index.js";
import { buildApp } from "./app.js";
import { maintenanceQueues, scheduleMaintenance } from "./maintenance.js";

export interface StartedServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * `accrue serve`: database (embedded or DATABASE_URL), migrations, the first
 * admin, the job workers, HTTP. On SIGINT/SIGTERM it stops taking requests,
 * lets in-flight requests and jobs finish, then stops the embedded database.
 */
export async function startServer(): Promise<StartedServer> {
  const runtime = await openRuntime({ ownsDatabaseServer: true, poolSize: 20 });
  try {
    return await startOn(runtime);
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

/** A fresh embedded database gets the demo company, so the first screens a newcomer sees have a year of billing in them. */
async function seedDemoIfWanted(runtime: OpenRuntime): Promise<void> {
  const { demo, databaseUrl } = runtime.config;
  if (demo === "never" || (demo === "embedded" && databaseUrl !== undefined)) return;
  const deps = { db: runtime.db, clock: runtime.clock };
  if (!(await databaseIsEmpty(deps))) return;
  process.stdout.write(
    "Building the demo company: a year of billing for about 200 customers (first start only; ACCRUE_DEMO=0 skips it)…\n",
  );
  let shown = 0;
  const summary = await seedDemo(deps, {
    on_progress: ({ done, total }) => {
      const percent = Math.floor((done / total) * 10) * 10;
      if (percent > shown) process.stdout.write(`  ${percent} %\n`);
      shown = Math.max(shown, percent);
    },
  });
  process.stdout.write(
    `Demo company ready: ${summary.customers} customers, ${summary.invoices_finalized} invoices, ${summary.drafts_open} drafts waiting for review.\n`,
  );
}

async function startOn(runtime: OpenRuntime): Promise<StartedServer> {
  const logger = pino({ level: runtime.config.logLevel, base: { service: "accrue" } });
  await prepareDatabase(runtime.db, runtime.connectionString);
  const deps = { db: runtime.db, clock: runtime.clock };
  const bootstrap = await ensureBootstrapAdmin(deps, { apiKeySecret: runtime.config.bootstrapApiKey });
  await seedDemoIfWanted(runtime);
  const jobs = await startJobs({
    ...deps,
    connectionString: runtime.connectionString,
    handlers: {
      ...webhookQueues(deps),
      ...maintenanceQueues(deps),
      ...billingRunQueues(deps),
      ...autoFinalizeQueues(deps),
      ...usageRetentionQueues(deps),
      ...usageLateRatingQueues(deps),
    },
    onError: (error) => logger.error({ err: error }, "job runner error"),
  });
  await scheduleMaintenance(jobs);
  await scheduleBillingRuns(jobs);
  await scheduleAutoFinalize(jobs);
  await scheduleUsageRetention(jobs);
  const app = await buildApp({ ...deps, config: runtime.config, logger });
  const address = await app.listen({ port: runtime.config.port, host: runtime.config.host });
  const url = `http://localhost:${new URL(address).port}`;
  if (bootstrap.created) {
    // Printed once, on first start only: the secrets are stored hashed.
    process.stdout.write(
      [
        "",
        "First start: an administrator was created. Save these now; they are not shown again.",
        `  web login  ${url}   email ${bootstrap.email}   password ${bootstrap.password}`,
        `  API key    ${bootstrap.api_key}`,
        "",
      ].join("\n"),
    );
  }
  process.stdout.write(`Accrue is running at ${url} (API under ${url}/v1, reference at ${url}/docs)\n`);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info("shutting down: finishing in-flight requests");
      await app.close();
      logger.info("stopping jobs: letting in-flight jobs finish");
      await jobs.stop();
      await runtime.close();
      logger.info("stopped");
    })();
    return stopping;
  };
  return { url, stop };
}
