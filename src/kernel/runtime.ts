import { type Clock, systemClock } from "./clock.js";
import { type Config, loadConfig } from "./config.js";
import { type Db, openDatabase } from "./db.js";
import { type EmbeddedServer, startEmbeddedPostgres } from "./embedded-postgres.js";

/**
 * What a command runs against: the database in DATABASE_URL, or the embedded
 * server in ACCRUE_DATA_DIR (started if it is not running; borrowed from a
 * running `accrue serve` if it is).
 */
export interface Runtime {
  config: Config;
  db: Db;
  clock: Clock;
  connectionString: string;
}

export interface OpenRuntimeOptions {
  /** `accrue serve` owns the embedded server and stops it on shutdown. */
  ownsDatabaseServer?: boolean;
  poolSize?: number;
}

export interface OpenRuntime extends Runtime {
  close(): Promise<void>;
}

export async function openRuntime(options: OpenRuntimeOptions = {}): Promise<OpenRuntime> {
  const config = loadConfig();
  let embedded: EmbeddedServer | undefined;
  let connectionString = config.databaseUrl;
  if (connectionString === undefined) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, owner: options.ownsDatabaseServer === true });
    connectionString = await ensureDatabase(embedded, "accrue");
  }
  const db = openDatabase({ connectionString, poolSize: options.poolSize ?? 10 });
  return {
    config,
    db,
    clock: systemClock,
    connectionString,
    close: async () => {
      await db.destroy();
      await embedded?.stop();
    },
  };
}

async function ensureDatabase(server: EmbeddedServer, name: string): Promise<string> {
  const { default: pg } = await import("pg");
  const admin = new pg.Client(server.adminUrl);
  await admin.connect();
  try {
    const found = await admin.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount === 0) await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return server.urlFor(name);
}

/** Runs a command's work with a runtime and always closes it. */
export async function withRuntime<T>(
  work: (runtime: Runtime) => Promise<T>,
  options: OpenRuntimeOptions = {},
): Promise<T> {
  const runtime = await openRuntime(options);
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}
