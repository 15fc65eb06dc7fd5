import { Temporal } from "temporal-polyfill";

/**
 * What ctx.date needs to turn a Unix time into the customer's calendar
 * fields inside Lua without a time-zone database: the UTC offsets in force
 * over a span, as a flat list [from, offset, from, offset, …] in seconds,
 * sorted. The first pair covers everything before the span. Computed once
 * per customer and batch on the host with Temporal; Lua then only adds an
 * offset and does integer calendar arithmetic (lua-prelude.ts), which keeps
 * the helper pure and fast.
 */
const TRANSITIONS_MAX = 64;

export function utcOffsets(timeZone: string, from: Temporal.Instant, until: Temporal.Instant): number[] {
  let zoned = from.toZonedDateTimeISO(timeZone);
  const offsets = [Math.floor(from.epochMilliseconds / 1000), zoned.offsetNanoseconds / 1e9];
  for (let i = 0; i < TRANSITIONS_MAX; i++) {
    const next = zoned.getTimeZoneTransition("next");
    if (next === null || Temporal.Instant.compare(next.toInstant(), until) >= 0) break;
    offsets.push(Math.floor(next.epochMilliseconds / 1000), next.offsetNanoseconds / 1e9);
    zoned = next;
  }
  return offsets;
}

/** The span a batch's events fall in, widened by two days either side so edge events still see their offset. */
export function offsetSpan(timestampsMs: readonly number[]): { from: Temporal.Instant; until: Temporal.Instant } {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const ms of timestampsMs) {
    if (ms < low) low = ms;
    if (ms > high) high = ms;
  }
  if (!Number.isFinite(low)) low = high = 0;
  const margin = 2 * 86_400_000;
  return {
    from: Temporal.Instant.fromEpochMilliseconds(low - margin),
    until: Temporal.Instant.fromEpochMilliseconds(high + margin),
  };
}
