import { createWriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { wmsCustomers, wmsCustomersCsv } from "./wms-customers.js";
import { WMS_DEFAULTS, type WmsOptions, wmsNdjsonChunks } from "./wms-generator.js";

/**
 * `accrue demo wms`: streams the generated log to a file (gzip when the name
 * ends in .gz) or to another stream, one day at a time, honouring
 * backpressure, so a log of millions of events never sits in memory.
 */

export interface WmsWriteOptions extends WmsOptions {
  /** A path, or a stream such as stdout. */
  out: string | Writable;
  customers_csv?: string | undefined;
  on_progress?: ((progress: { day: number; days: number; events: number }) => void) | undefined;
}

export interface WmsWriteSummary {
  customers: number;
  days: number;
  events: number;
  by_type: Record<string, number>;
}

export async function writeWmsLog(options: WmsWriteOptions): Promise<WmsWriteSummary> {
  const seed = options.seed ?? WMS_DEFAULTS.seed;
  if (options.customers_csv !== undefined) {
    await writeFile(options.customers_csv, wmsCustomersCsv(wmsCustomers(options.customers, seed)));
  }
  let events = 0;
  const by_type: Record<string, number> = {};
  const chunks = wmsNdjsonChunks(options, (batch) => {
    events += batch.lines.length;
    for (const [type, count] of Object.entries(batch.generated)) by_type[type] = (by_type[type] ?? 0) + count;
    options.on_progress?.({ day: batch.day, days: batch.days, events });
  });
  const source = Readable.from(chunks, { objectMode: false });
  if (typeof options.out === "string") {
    const file = createWriteStream(options.out);
    if (options.out.endsWith(".gz")) await pipeline(source, createGzip(), file);
    else await pipeline(source, file);
  } else {
    await pipeline(source, options.out, { end: false });
  }
  return { customers: options.customers, days: options.days, events, by_type };
}
