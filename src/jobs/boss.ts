import { CompiledQuery } from "kysely";
import PgBoss from "pg-boss";
import type { Executor } from "../kernel/db.js";

/**
 * pg-boss keeps its queue in its own schema of our database. Besides the
 * runner's own pool, the API and the CLI reach it through our database handle
 * (or an open transaction), so a retry and the bookkeeping around it commit
 * together.
 */
export const BOSS_SCHEMA = "pgboss";

/** pg-boss's pluggable `db`: its SQL run on our pool or transaction. */
export function bossDb(db: Executor): PgBoss.Db {
  return {
    executeSql: async (text, values) => {
      // biome-ignore lint/suspicious/noExplicitAny: pg-boss rows are untyped
      const result = await db.executeQuery<any>(CompiledQuery.raw(text, values ?? []));
      return { rows: result.rows };
    },
  };
}

/**
 * A pg-boss instance that only issues commands (retry, send, delete) on the
 * given executor: no workers, no maintenance, no cron, nothing to start.
 */
export function bossCommands(db: Executor): PgBoss {
  return new PgBoss({ db: bossDb(db), schema: BOSS_SCHEMA, supervise: false, schedule: false, migrate: false });
}
