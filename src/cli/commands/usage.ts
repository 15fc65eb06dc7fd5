import type { Command } from "commander";
import { Temporal } from "temporal-polyfill";
import { getCustomer } from "../../customers/index.js";
import { systemContext } from "../../kernel/actor.js";
import { DomainError } from "../../kernel/errors.js";
import { newId } from "../../kernel/ids.js";
import { rateCustomerPeriod, rateEveryCustomer } from "../../usage/index.js";
import { withRuntime } from "../runtime.js";

interface RateOptions {
  customer?: string;
  all?: boolean;
  period: string;
}

/**
 * `--period 2026-10` names the usage periods starting in that month. Periods
 * start at local midnight, so the window is the UTC month moved 14 hours
 * earlier: a UTC+14 customer's October starts 14 hours before October in
 * UTC, a UTC−12 one's 12 hours after, and neither's November falls inside.
 */
function monthRange(text: string) {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(text)) {
    throw new DomainError("usage_period_invalid", `--period ${text} is not a month such as 2026-10`, {
      param: "period",
    });
  }
  const month = Temporal.PlainYearMonth.from(text);
  const start = Temporal.Instant.from(`${month.toString()}-01T00:00:00Z`);
  const end = Temporal.Instant.from(`${month.add({ months: 1 }).toString()}-01T00:00:00Z`);
  return { start: start.subtract({ hours: 14 }), end: end.subtract({ hours: 14 }), month };
}

type Result = Awaited<ReturnType<typeof rateEveryCustomer>>[number];

function line(result: Result): string {
  if (result.object === "usage_rating_skipped") return `skipped ${result.customer}: ${result.code}: ${result.message}`;
  const draft = result.draft_invoice === null ? "" : `, draft ${result.draft_invoice} rebuilt`;
  return `rated ${result.customer} ${result.period_start} to ${result.period_end}: ${result.events_rated} events, ${result.events_unrated} unrated, ${result.amount} ${result.currency}${draft}`;
}

export function register(program: Command): void {
  const usage = program.command("usage").description("script-rated usage: rate and re-rate periods");
  usage
    .command("rate")
    .description("rate a customer's usage period again (after a rate card or script change) and rebuild its draft")
    .requiredOption("--period <month>", "the month the usage period starts in, such as 2026-10")
    .option("--customer <id>", "the customer (cus_ id or external id)")
    .option("--all", "every customer rated for that month")
    .addHelpText(
      "after",
      "\nA period on a draft invoice is rebuilt and repriced; one on a finalized invoice is refused (late events there become adjustments on the next invoice).\n\nExamples:\n  accrue usage rate --customer wms-acme --period 2026-10\n  accrue usage rate --all --period 2026-10",
    )
    .action(async (options: RateOptions) => {
      if ((options.customer === undefined) === (options.all !== true)) {
        throw new DomainError("invalid_request", "give --customer or --all", { param: "customer" });
      }
      const ctx = { ...systemContext("usage_rate_cli", newId("request")), reason: "usage re-rating from the CLI" };
      await withRuntime(async ({ db, clock }) => {
        const deps = { db, clock };
        const range = monthRange(options.period);
        const customer = options.customer === undefined ? undefined : (await getCustomer(deps, options.customer)).id;
        const results = await rateEveryCustomer(deps, ctx, range, customer);
        if (results.length === 0 && customer !== undefined) {
          // Never rated yet: the calendar month in the customer's time zone.
          const zone = (await getCustomer(deps, customer)).time_zone;
          const start = range.month.toPlainDate({ day: 1 }).toZonedDateTime(zone).toInstant();
          const end = range.month.add({ months: 1 }).toPlainDate({ day: 1 }).toZonedDateTime(zone).toInstant();
          results.push(await rateCustomerPeriod(deps, ctx, customer, { start, end }));
        }
        for (const result of results) process.stdout.write(`${line(result)}\n`);
        if (results.length === 0) process.stdout.write("no rated usage periods start in that month\n");
        if (results.some((result) => result.object === "usage_rating_skipped")) process.exitCode = 1;
      });
    });
}
