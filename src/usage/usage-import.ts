import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import path from "node:path";
import { createGunzip } from "node:zlib";
import { sql } from "kysely";
import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import type { Executor, Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { newId } from "../kernel/ids.js";
import type { EventCounts, EventResult } from "./event-model.js";
import { lineBatches, ndjsonLines } from "./event-ndjson.js";
import { ingestItems } from "./ingest-service.js";

/**
 * `accrue events import FILE.ndjson[.gz]`: the file streamed in batches, each
 * batch's events, rejections and the import's progress (byte offset, line,
 * counts) committed in one transaction. A killed import run again continues
 * after the last committed batch, so counts come out exact and dedup only
 * guards against what a person might do (importing the file twice).
 */

export interface UsageImportRow {
  id: string;
  file_name: string;
  file_size: string;
  head_sha256: string;
  byte_offset: string;
  line_number: string;
  accepted: string;
  duplicates: string;
  rejected: string;
  status: "running" | "completed" | "abandoned";
}

export interface ImportProgress {
  import_id: string;
  /** Bytes of the file read (compressed bytes for .gz) and its size: for a progress bar. */
  file_bytes_read: number;
  file_size: number;
  lines: number;
  counts: Omit<EventCounts, "received">;
  /** Whether this run continued an earlier, interrupted one. */
  resumed: boolean;
}

export interface ImportOptions {
  batch_size?: number;
  /** Forget an interrupted import of this file and start from its first line. */
  restart?: boolean;
  /** Called after each committed batch with that batch's rejected lines. */
  on_batch?: (
    progress: ImportProgress,
    rejected: Extract<EventResult, { status: "rejected" }>[],
    raws: Map<number, string>,
  ) => void | Promise<void>;
}

export interface ImportSummary extends ImportProgress {
  status: "completed" | "already_imported";
}

const HEAD_BYTES = 1024 * 1024;

async function headHash(file: string): Promise<string> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, "r");
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return createHash("sha256").update(buffer.subarray(0, bytesRead)).digest("hex");
  } finally {
    await handle?.close();
  }
}

async function findImport(db: Executor, file: { name: string; size: number; sha: string }, status: string) {
  const result = await sql<UsageImportRow>`
    select * from usage_imports where file_name = ${file.name} and file_size = ${file.size}
      and head_sha256 = ${file.sha} and status = ${status} order by started_at desc limit 1`.execute(db);
  return result.rows[0] ?? null;
}

async function startImport(deps: Deps, file: { name: string; size: number; sha: string }, restart: boolean) {
  const now = toDate(deps.clock.now());
  if (restart) {
    await sql`update usage_imports set status = 'abandoned', updated_at = ${now}
      where file_name = ${file.name} and file_size = ${file.size} and head_sha256 = ${file.sha} and status <> 'abandoned'`.execute(
      deps.db,
    );
  } else {
    const running = await findImport(deps.db, file, "running");
    if (running !== null) return { row: running, resumed: true, done: false };
    const completed = await findImport(deps.db, file, "completed");
    if (completed !== null) return { row: completed, resumed: false, done: true };
  }
  const id = newId("usage_import");
  const result = await sql<UsageImportRow>`
    insert into usage_imports (id, file_name, file_size, head_sha256, started_at, updated_at)
    values (${id}, ${file.name}, ${file.size}, ${file.sha}, ${now}, ${now}) returning *`.execute(deps.db);
  return { row: result.rows[0] as UsageImportRow, resumed: false, done: false };
}

async function commitProgress(
  tx: Tx,
  id: string,
  batch: { end_offset: number; last_line: number },
  counts: EventCounts,
  at: Date,
) {
  await sql`update usage_imports set byte_offset = ${batch.end_offset}, line_number = ${batch.last_line},
      accepted = accepted + ${counts.accepted}, duplicates = duplicates + ${counts.duplicates},
      rejected = rejected + ${counts.rejected}, updated_at = ${at}
    where id = ${id}`.execute(tx);
}

function progressOf(row: UsageImportRow, fileSize: number, resumed: boolean): ImportProgress {
  return {
    import_id: row.id,
    file_bytes_read: 0,
    file_size: fileSize,
    lines: Number(row.line_number),
    counts: { accepted: Number(row.accepted), duplicates: Number(row.duplicates), rejected: Number(row.rejected) },
    resumed,
  };
}

/** Where a resumed import's rejected lines were: to rewrite its rejects file exactly. */
export async function importRejections(deps: Deps, importId: string) {
  const result = await sql<{ line: string; raw: string; code: string; message: string; field: string | null }>`
    select line, raw, code, message, field from usage_event_rejections where import_id = ${importId} order by line`.execute(
    deps.db,
  );
  return result.rows.map((row) => ({ ...row, line: Number(row.line) }));
}

export async function importEventsFile(
  deps: Deps,
  ctx: RequestContext,
  file: string,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const absolute = path.resolve(file);
  const size = (await stat(absolute)).size;
  const identity = { name: absolute, size, sha: await headHash(absolute) };
  const started = await startImport(deps, identity, options.restart === true);
  const progress = progressOf(started.row, size, started.resumed);
  if (started.done) return { ...progress, file_bytes_read: size, status: "already_imported" };
  const offset = Number(started.row.byte_offset);
  const gzip = absolute.endsWith(".gz");
  // A plain file is read from the committed offset; a gzip stream cannot seek, so it is read and skipped up to it.
  const raw = createReadStream(absolute, { start: gzip ? 0 : offset, highWaterMark: 256 * 1024 });
  const text = gzip ? raw.pipe(createGunzip()) : raw;
  raw.on("error", (error) => text.destroy(error));
  const lines = ndjsonLines(
    text,
    gzip
      ? { skip_to_offset: offset, start_line: 0 }
      : { start_line: Number(started.row.line_number), start_offset: offset },
  );
  for await (const batch of lineBatches(lines, options.batch_size ?? 5000)) {
    const outcome = await ingestItems(deps, ctx, batch.items, {
      source: "import",
      import_id: started.row.id,
      within: (tx, result) => commitProgress(tx, started.row.id, batch, result.counts, toDate(deps.clock.now())),
    });
    progress.lines = batch.last_line;
    progress.counts.accepted += outcome.counts.accepted;
    progress.counts.duplicates += outcome.counts.duplicates;
    progress.counts.rejected += outcome.counts.rejected;
    progress.file_bytes_read = raw.bytesRead;
    const rejected = outcome.results.filter(
      (r): r is Extract<EventResult, { status: "rejected" }> => r.status === "rejected",
    );
    const raws = new Map(rejected.map((r) => [r.index, batch.items[r.index]?.raw ?? ""]));
    await options.on_batch?.(progress, rejected, raws);
  }
  await sql`update usage_imports set status = 'completed', completed_at = ${toDate(deps.clock.now())},
    updated_at = ${toDate(deps.clock.now())} where id = ${started.row.id}`.execute(deps.db);
  progress.file_bytes_read = size;
  return { ...progress, status: "completed" };
}
