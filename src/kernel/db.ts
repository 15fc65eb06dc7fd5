import { Kysely, PostgresDialect, sql, type Transaction } from "kysely";
import pg from "pg";
import { DomainError } from "./errors.js";

/**
 * The database handle every service receives. Its table type is opaque on
 * purpose: each module's store.ts narrows it to that module's own tables
 * (`tables(db)`), so reaching into another module's tables does not type-check.
 */
// biome-ignore lint/suspicious/noExplicitAny: the handle is narrowed per module in store.ts
export type Db = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: see Db
export type Tx = Transaction<any>;
/** Either the pool or an open transaction: store functions accept both. */
export type Executor = Db | Tx;

// numeric and bigint come back as strings, never as floats: money stays exact.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => value);
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);

export interface OpenDatabaseOptions {
  connectionString: string;
  poolSize?: number;
  applicationName?: string;
}

export function openDatabase(options: OpenDatabaseOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? "accrue",
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  return new Kysely({ dialect: new PostgresDialect({ pool }) });
}

export type Isolation = "read committed" | "repeatable read" | "serializable";

export interface TransactionOptions {
  isolation?: Isolation;
  /** Serialization failures and deadlocks are retried this many times. */
  retries?: number;
}

const RETRYABLE = new Set(["40001", "40P01"]);

/**
 * Runs `work` in one transaction. Serializable and repeatable-read
 * transactions can fail with a serialization error that means "try again";
 * those are retried here so no service has to.
 */
export async function inTransaction<T>(
  db: Executor,
  work: (tx: Tx) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  if (db.isTransaction) return work(db as Tx);
  const isolation = options.isolation ?? "read committed";
  const retries = options.retries ?? (isolation === "read committed" ? 0 : 8);
  for (let attempt = 0; ; attempt++) {
    try {
      return await (db as Db).transaction().setIsolationLevel(isolation).execute(work);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === undefined || !RETRYABLE.has(code)) throw error;
      if (attempt >= retries) {
        throw new DomainError("serialization_retry_exhausted", "the database was too busy; retry");
      }
      await new Promise((resolve) => setTimeout(resolve, 2 ** attempt + Math.random() * 5));
    }
  }
}

/** A transaction-scoped advisory lock: serialises work on one key until commit. */
export async function lockKey(tx: Tx, namespace: string, key: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`${namespace}:${key}`}, 0))`.execute(tx);
}

export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
