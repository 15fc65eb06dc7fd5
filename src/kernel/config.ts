import path from "node:path";

/** Everything Accrue reads from the environment, read in one place. */
export interface Config {
  port: number;
  host: string;
  /** An external PostgreSQL 15+; when absent, the embedded server in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** On first start the admin API key gets exactly this secret. */
  bootstrapApiKey: string | undefined;
  logLevel: string;
  /** Where the built web app lives; served at / when present. */
  webDistDir: string;
  /** Which webhook URLs may use plain http: any outside production; in production none, or loopback when allowed. */
  webhookHttp: "any" | "loopback" | "none";
  /**
   * ACCRUE_DEMO: "1" builds the demo company on an empty database wherever it is,
   * "0" never; unset, only on the embedded database (a fresh `npm start`).
   */
  demo: "always" | "never" | "embedded";
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number.parseInt(env.PORT ?? "4000", 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number, got ${env.PORT}`);
  }
  return {
    port,
    host: env.HOST ?? "0.0.0.0",
    databaseUrl: nonEmpty(env.DATABASE_URL),
    dataDir: path.resolve(env.ACCRUE_DATA_DIR ?? "./data"),
    bootstrapApiKey: nonEmpty(env.ACCRUE_BOOTSTRAP_API_KEY),
    logLevel: env.LOG_LEVEL ?? "info",
    webDistDir: path.resolve(env.ACCRUE_WEB_DIST ?? path.join(import.meta.dirname, "../../web/dist")),
    demo: env.ACCRUE_DEMO === "1" ? "always" : env.ACCRUE_DEMO === "0" ? "never" : "embedded",
    webhookHttp:
      env.NODE_ENV !== "production" ? "any" : env.ACCRUE_WEBHOOKS_ALLOW_HTTP_LOOPBACK === "true" ? "loopback" : "none",
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
