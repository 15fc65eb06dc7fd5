import { readFileSync } from "node:fs";
import { sql } from "kysely";
import type { Db } from "../src/kernel/db.js";

/**
 * CPU time of the PostgreSQL backends serving one benchmark's database, read
 * from /proc/<pid>/stat (the server must run on this machine). On a machine
 * shared with other work, wall-clock rates follow the load while CPU time
 * per event does not: this is the database's share of the work. The
 * server's own background processes (WAL writer, checkpointer) are shared
 * with every other database and are left out; a backend that exits between
 * two samples loses its ticks since the first (the pool keeps them open).
 */

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux x86-64

function backendTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

export interface BackendCpuSample {
  ticks: Map<number, number>;
}

export async function sampleBackendCpu(db: Db): Promise<BackendCpuSample> {
  const result = await sql<{
    pid: number;
  }>`select pid from pg_stat_activity where datname = current_database() and backend_type = 'client backend'`.execute(
    db,
  );
  const ticks = new Map<number, number>();
  for (const { pid } of result.rows) {
    const value = backendTicks(pid);
    if (value !== null) ticks.set(pid, value);
  }
  return { ticks };
}

/** CPU seconds the database's backends spent between two samples. */
export function backendCpuSeconds(before: BackendCpuSample, after: BackendCpuSample): number {
  let ticks = 0;
  for (const [pid, value] of after.ticks) ticks += value - (before.ticks.get(pid) ?? 0);
  return ticks / TICKS_PER_SECOND;
}
