import type { Clock } from "./clock.js";
import type { Db } from "./db.js";

/** What every service function receives: the database and the clock, nothing global. */
export interface Deps {
  db: Db;
  clock: Clock;
}
