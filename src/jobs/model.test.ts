import { describe, expect, it } from "vitest";
import {
  type BossState,
  bossFilterFor,
  businessQueueOf,
  deadLetterQueueOf,
  isInternalQueue,
  jobStateOf,
  QUEUE_NAME,
  retryPlanFor,
} from "./model.js";

describe("job states", () => {
  it.each([
    // queue name, pg-boss state, what people see
    ["dunning-step", "created", "created"],
    ["dunning-step", "failed", "failed"],
    ["dunning-step__dead_letter", "created", "dead"],
    ["dunning-step__dead_letter", "retry", "dead"],
    ["dunning-step__dead_letter", "completed", "completed"],
  ] satisfies [string, BossState, string][])("%s in state %s shows as %s", (queue, state, shown) => {
    expect(jobStateOf(queue, state)).toBe(shown);
  });

  it("names a dead-letter queue after its queue and back", () => {
    expect(deadLetterQueueOf("billing-run")).toBe("billing-run__dead_letter");
    expect(businessQueueOf("billing-run__dead_letter")).toBe("billing-run");
    expect(businessQueueOf("billing-run")).toBe("billing-run");
    expect(isInternalQueue("__pgboss__send-it")).toBe(true);
  });

  it("accepts queue names pg-boss takes everywhere", () => {
    expect(QUEUE_NAME.test("webhooks-pump")).toBe(true);
    expect(QUEUE_NAME.test("webhooks.pump")).toBe(false);
    expect(QUEUE_NAME.test("Webhooks")).toBe(false);
  });

  it.each([
    ["dead", { states: ["created", "retry"], deadLetter: true }],
    ["created", { states: ["created"], deadLetter: false }],
    ["failed", { states: ["failed"], deadLetter: undefined }],
  ] as const)("filters %s jobs", (state, filter) => {
    expect(bossFilterFor(state)).toEqual(filter);
  });
});

describe("which jobs can be retried", () => {
  it.each([
    ["payout-batch", "failed", false, "retry_failed"],
    ["payout-batch__dead_letter", "created", false, "retry_dead_letter"],
    ["payout-batch", "completed", false, "refuse"],
    ["payout-batch", "active", false, "refuse"],
    ["payout-batch", "failed", true, "refuse"], // archived: no longer in the live table
  ] satisfies [string, BossState, boolean, string][])("%s %s (archived %s): %s", (queue, state, archived, kind) => {
    expect(retryPlanFor(queue, state, archived).kind).toBe(kind);
  });
});
