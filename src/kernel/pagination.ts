import type { SelectQueryBuilder } from "kysely";

/**
 * Cursor pagination over TypeIDs, newest first (ids are UUIDv7, so they sort
 * by creation time). `starting_after` pages forward, `ending_before` back.
 */
export interface PageRequest {
  limit: number;
  starting_after?: string | undefined;
  ending_before?: string | undefined;
}

export interface Page<T> {
  data: T[];
  has_more: boolean;
}

export async function paginate<DB, TB extends keyof DB, O extends { id: string }>(
  query: SelectQueryBuilder<DB, TB, O>,
  idColumn: string,
  page: PageRequest,
): Promise<Page<O>> {
  // biome-ignore lint/suspicious/noExplicitAny: the id column name is checked by the caller's table type
  const column = idColumn as any;
  let q = query;
  if (page.ending_before !== undefined) {
    q = q.where(column, ">", page.ending_before).orderBy(column, "asc");
  } else {
    if (page.starting_after !== undefined) q = q.where(column, "<", page.starting_after);
    q = q.orderBy(column, "desc");
  }
  const rows = await q.limit(page.limit + 1).execute();
  const has_more = rows.length > page.limit;
  const data = rows.slice(0, page.limit);
  if (page.ending_before !== undefined) data.reverse();
  return { data, has_more };
}
