import type { Clock } from "./clock.js";
import type { Db } from "./db.js";

/** What every service function receives: the database and the clock, nothing global. */
export interface Deps {
  db: Db;
  clock: Clock;
  /**
   * A read-only computation's lookups, kept for its duration (withMemo): a
   * preview that prices ten subscriptions on the same three price versions
   * reads each version once. Absent everywhere else, so writes always read fresh.
   */
  memo?: Map<string, Promise<unknown>> | undefined;
}

/** The same dependencies with a fresh memo: for one read-only computation (a preview), never for writes. */
export function withMemo<D extends Deps>(deps: D): D {
  return { ...deps, memo: new Map() };
}

/**
 * `load()` once per key while a memo is in scope; without one, every call loads.
 * Only for data that cannot change under the computation (immutable rows) or
 * whose one consistent reading is wanted (a preview).
 */
export function memoize<T>(deps: Pick<Deps, "memo">, key: string, load: () => Promise<T>): Promise<T> {
  const memo = deps.memo;
  if (memo === undefined) return load();
  const found = memo.get(key);
  if (found !== undefined) return found as Promise<T>;
  const loading = load();
  memo.set(key, loading);
  // A failed lookup is not remembered: the next caller asks again and sees the error itself.
  loading.catch(() => memo.delete(key));
  return loading;
}

/** Stores a value already loaded (a page of rows), so later lookups of it hit the memo. */
export function remember<T>(deps: Pick<Deps, "memo">, key: string, value: T): void {
  deps.memo?.set(key, Promise.resolve(value));
}
