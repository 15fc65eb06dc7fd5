import type { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import type { RequestContext } from "../kernel/actor.js";
import type { Tx } from "../kernel/db.js";
import { emitEvent } from "../kernel/outbox.js";

/**
 * Every change to the catalog leaves two traces in its own transaction: an
 * audit row (who, when, why, before and after) and an outbox event for
 * webhooks (`price.created`, `price.updated`, …) whose data is the object as
 * the API shows it.
 */
export async function recordCatalogChange(
  tx: Tx,
  ctx: RequestContext,
  change: {
    action: string;
    object_type: string;
    object_id: string;
    before?: object | undefined;
    after: object;
  },
  at: Temporal.Instant,
): Promise<void> {
  await emitEvent(tx, { type: change.action, data: { ...change.after } }, at, ctx.request_id);
  // Last: the audit chain's head lock is held from here to commit.
  await recordAudit(
    tx,
    ctx,
    {
      action: change.action,
      object_type: change.object_type,
      object_id: change.object_id,
      before: change.before,
      after: change.after,
    },
    at,
  );
}
