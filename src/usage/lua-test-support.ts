import { ChargeScript } from "./lua-engine.js";
import { DEFAULT_LIMITS, type SandboxLimits } from "./lua-sandbox.js";
import type { RatingContext, RatingEvent } from "./lua-types.js";

/** What the Lua engine's tests share: one customer's November, plain events, and rating a script over them. */

export const november: RatingContext = {
  customer: "c1",
  currency: "USD",
  time_zone: "UTC",
  period_start: "2026-11-01T00:00:00Z",
  period_end: "2026-12-01T00:00:00Z",
};

export const plainEvent = (id: string, properties: RatingEvent["properties"] = {}): RatingEvent => ({
  transaction_id: id,
  type: "x",
  timestamp: "2026-11-10T15:00:00Z",
  customer: "c1",
  properties,
});

/** Compiles `source`, rates `events` with `rates` in November, and closes the engine. */
export async function rateScript(
  source: string,
  events: RatingEvent[],
  options: { limits?: SandboxLimits; rates?: Record<string, string> } = {},
) {
  const script = await ChargeScript.compile(source, options.limits ?? DEFAULT_LIMITS);
  try {
    return script.rate(events, script.loadRates(options.rates ?? {}), november);
  } finally {
    script.close();
  }
}
