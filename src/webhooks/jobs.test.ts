import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { startJobs } from "../jobs/index.js";
import { eventually } from "../jobs/test-support.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { emitEvent } from "../kernel/outbox.js";
import { webhookQueues } from "./jobs.js";
import { createWebhookEndpoint } from "./service.js";
import { verifyWebhookSignature } from "./signing.js";

const { db, url } = await freshDatabase();
const clock = new TestClock("2026-11-02T09:00:00Z");
const deps = { db, clock };

describe("the webhook pumps on the job runner", () => {
  it("carry an event from the outbox to the receiver without anyone calling them", async () => {
    const received: { body: string; signature: string }[] = [];
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on("end", () => {
        received.push({ body, signature: String(request.headers["accrue-signature"]) });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const endpoint = await createWebhookEndpoint(
      deps,
      systemContext("test", "req_test"),
      { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, enabled_events: ["invoice.paid"] },
      { http: "loopback" },
    );

    const jobs = await startJobs({
      ...deps,
      connectionString: url,
      onError: () => {},
      tuning: { pollingIntervalSeconds: 0.5 },
      handlers: webhookQueues(deps, { everySeconds: 1 }),
    });
    afterAll(async () => {
      await jobs.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    await emitEvent(db, { type: "invoice.paid", data: { invoice_id: "inv_5" } }, clock.now());

    const [delivery] = await eventually(async () => received.length > 0 && received, { what: "the webhook" });
    expect(JSON.parse(delivery?.body ?? "")).toMatchObject({ type: "invoice.paid", data: { invoice_id: "inv_5" } });
    expect(
      verifyWebhookSignature(delivery?.signature ?? "", delivery?.body ?? "", endpoint.secret, 300, clock.now()),
    ).toBe(true);
  });
});
