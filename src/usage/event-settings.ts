import { recordAudit } from "../access/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { readUsageSettings, type UsageSettingsRow, writeUsageSettings } from "./event-store.js";

/**
 * The usage settings: `usage.max_event_age_days` (older events are rejected
 * `event_too_old`; default 90) and `usage.retention_months` (null: events are
 * kept forever). One row; each change is audited with before and after.
 */
export interface UsageSettings {
  object: "usage_settings";
  max_event_age_days: number;
  retention_months: number | null;
  updated_at: string | null;
}

export interface UsageSettingsPatch {
  max_event_age_days?: number | undefined;
  retention_months?: number | null | undefined;
}

function toSettings(row: UsageSettingsRow): UsageSettings {
  return {
    object: "usage_settings",
    max_event_age_days: row.max_event_age_days,
    retention_months: row.retention_months,
    updated_at: row.updated_at === null ? null : fromDate(row.updated_at).toString(),
  };
}

export async function getUsageSettings(deps: Deps): Promise<UsageSettings> {
  return toSettings(await readUsageSettings(deps.db));
}

function checkPatch(patch: UsageSettingsPatch, current: UsageSettingsRow): void {
  const age = patch.max_event_age_days ?? current.max_event_age_days;
  if (!Number.isInteger(age) || age < 1 || age > 3660) {
    throw new DomainError("usage_settings_invalid", "max_event_age_days must be a whole number from 1 to 3660", {
      param: "max_event_age_days",
    });
  }
  const months = patch.retention_months === undefined ? current.retention_months : patch.retention_months;
  if (months !== null && (!Number.isInteger(months) || months < 1 || months > 1200)) {
    throw new DomainError("usage_settings_invalid", "retention_months must be null or a whole number from 1 to 1200", {
      param: "retention_months",
    });
  }
}

export async function updateUsageSettings(
  deps: Deps,
  ctx: RequestContext,
  patch: UsageSettingsPatch,
): Promise<UsageSettings> {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const before = await readUsageSettings(tx, true);
    checkPatch(patch, before);
    const after: UsageSettingsRow = {
      max_event_age_days: patch.max_event_age_days ?? before.max_event_age_days,
      retention_months: patch.retention_months === undefined ? before.retention_months : patch.retention_months,
      updated_at: toDate(at),
    };
    await writeUsageSettings(tx, after);
    const result = toSettings(after);
    await recordAudit(
      tx,
      ctx,
      {
        action: "usage_settings.updated",
        object_type: "usage_settings",
        object_id: "usage_settings",
        before: toSettings(before),
        after: result,
      },
      at,
    );
    return result;
  });
}
