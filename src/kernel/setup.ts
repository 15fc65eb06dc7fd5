import type { Db } from "./db.js";
import { type MigrationResult, migrate } from "./migrate.js";

/** Brings an empty or older database to the current schema. */
export async function prepareDatabase(db: Db, _connectionString: string): Promise<MigrationResult> {
  return migrate(db);
}
