import client from "prom-client";
import type { Db } from "../kernel/db.js";
import { BOSS_STATES, businessQueueOf, jobStateOf } from "./model.js";
import { countJobsByQueueAndState, listQueueNames } from "./store.js";

let source: Db | undefined;

const LIVE_STATES = BOSS_STATES;

/**
 * Jobs per queue and state, counted when Prometheus scrapes (not on a timer),
 * so the number is as fresh as the scrape and costs nothing between scrapes.
 * Every declared queue reports every state, zeros included, so an alert on
 * `failed > 0` also sees the value fall back to 0.
 */
new client.Gauge({
  name: "accrue_job_queue_depth",
  help: "Jobs in pg-boss's live table by queue and state (dead = waiting in a dead-letter queue)",
  labelNames: ["queue", "state"] as const,
  async collect() {
    if (source === undefined) return;
    const [queues, counts] = await Promise.all([listQueueNames(source), countJobsByQueueAndState(source)]);
    this.reset();
    for (const name of queues) {
      const states: readonly string[] = name === businessQueueOf(name) ? LIVE_STATES : ["dead"];
      for (const state of states) this.set({ queue: businessQueueOf(name), state }, 0);
    }
    for (const row of counts) {
      const labels = { queue: businessQueueOf(row.name), state: jobStateOf(row.name, row.state) };
      this.inc(labels, Number(row.count));
    }
  },
});

/** The database the gauge counts in; the job runner sets it at start. */
export function measureQueueDepthFrom(db: Db): void {
  source = db;
}
