import { type RequestContext, systemContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { inTransaction, lockKey, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId, parseId } from "../kernel/ids.js";
import { insertApiKeyWithSecret } from "./api-keys.js";
import { recordAudit } from "./audit.js";
import {
  checkPasswordPolicy,
  checkRole,
  checkRoleGrant,
  isApiKeySecretShaped,
  normalizeEmail,
  requirePermission,
} from "./model.js";
import type { Role } from "./permissions.js";
import { generatePassword, hashPassword } from "./secrets.js";
import {
  anyUserExists,
  deleteSessionsOfUser,
  findUserByEmail,
  findUserById,
  insertUser,
  listUserRows,
  type UserRow,
  updateUser,
} from "./store.js";

/** Users: the people who sign in to the web app. */

export interface User {
  id: string;
  object: "user";
  email: string;
  name: string;
  role: string;
  disabled: boolean;
  last_login_at: string | null;
  created_at: string;
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    object: "user",
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: row.disabled,
    last_login_at: row.last_login_at === null ? null : fromDate(row.last_login_at).toString(),
    created_at: fromDate(row.created_at).toString(),
  };
}

/** What the audit log keeps of a user: never the password hash. */
function auditedUser(user: User) {
  return { email: user.email, name: user.name, role: user.role, disabled: user.disabled };
}

export interface NewUser {
  email: string;
  name: string;
  role: string;
  password: string;
}

export async function createUser(deps: Deps, ctx: RequestContext, input: NewUser): Promise<User> {
  requirePermission(ctx.actor, "users:manage");
  const role = checkRole(input.role);
  checkRoleGrant(ctx.actor, role);
  const email = normalizeEmail(input.email);
  const name = checkName(input.name);
  checkPasswordPolicy(input.password);
  // Hashing is slow on purpose: done before the transaction so no lock waits on it.
  const passwordHash = await hashPassword(input.password);
  return inTransaction(deps.db, (tx) => insertNewUser(deps, tx, ctx, { email, name, role, passwordHash }));
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === "" || trimmed.length > 200) {
    throw new DomainError("invalid_request", "a name has 1 to 200 characters", { param: "name" });
  }
  return trimmed;
}

async function insertNewUser(
  deps: Deps,
  tx: Tx,
  ctx: RequestContext,
  input: { email: string; name: string; role: Role; passwordHash: string },
): Promise<User> {
  // The lower(email) unique index is the real guard; this check gives the friendly error without a failed insert.
  if ((await findUserByEmail(tx, input.email)) !== undefined) {
    throw new DomainError("email_taken", `a user with email ${input.email} already exists`, { param: "email" });
  }
  const now = deps.clock.now();
  const row: UserRow = {
    id: newId("user"),
    email: input.email,
    name: input.name,
    role: input.role,
    password_hash: input.passwordHash,
    disabled: false,
    disabled_at: null,
    last_login_at: null,
    created_at: toDate(now),
    updated_at: toDate(now),
  };
  try {
    await insertUser(tx, row);
  } catch (error) {
    if ((error as { code?: string }).code === "23505") {
      throw new DomainError("email_taken", `a user with email ${input.email} already exists`, { param: "email" });
    }
    throw error;
  }
  const user = toUser(row);
  await recordAudit(
    tx,
    ctx,
    { action: "user.created", object_type: "user", object_id: user.id, after: auditedUser(user) },
    now,
  );
  return user;
}

/** Disabling signs the user out everywhere at once; API keys they created stay (integrations own them). */
export async function disableUser(deps: Deps, ctx: RequestContext, id: string): Promise<User> {
  requirePermission(ctx.actor, "users:manage");
  const userId = parseId("user", id, "id");
  return inTransaction(deps.db, async (tx) => {
    const row = await findUserById(tx, userId);
    if (row === undefined) throw new DomainError("user_not_found", `no user ${userId}`, { param: "id" });
    const before = toUser(row);
    if (row.disabled) return before;
    const now = deps.clock.now();
    await updateUser(tx, userId, { disabled: true, disabled_at: toDate(now), updated_at: toDate(now) });
    await deleteSessionsOfUser(tx, userId);
    const after: User = { ...before, disabled: true };
    await recordAudit(
      tx,
      ctx,
      {
        action: "user.disabled",
        object_type: "user",
        object_id: userId,
        before: auditedUser(before),
        after: auditedUser(after),
      },
      now,
    );
    return after;
  });
}

/** Every user; a team has tens of people, so the list is not paginated. */
export async function listUsers(deps: Deps): Promise<User[]> {
  return (await listUserRows(deps.db)).map(toUser);
}

const BOOTSTRAP_ADMIN_EMAIL = "admin@accrue.local";

export type BootstrapResult = { created: false } | { created: true; email: string; password: string; api_key: string };

/**
 * On a database without users: one admin user and one admin API key, whose
 * secrets are returned once for `accrue serve` to print. Two processes starting
 * together take the same advisory lock, so exactly one creates them.
 */
export async function ensureBootstrapAdmin(
  deps: Deps,
  options: { apiKeySecret?: string | undefined } = {},
): Promise<BootstrapResult> {
  const secret = options.apiKeySecret;
  if (secret !== undefined && !isApiKeySecretShaped(secret)) {
    throw new DomainError(
      "api_key_secret_invalid",
      "the bootstrap API key must look like sk_… followed by at least 32 letters, digits, - or _",
    );
  }
  if (await anyUserExists(deps.db)) return { created: false };
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  const ctx = systemContext("bootstrap", newId("request"));
  return inTransaction(deps.db, async (tx) => {
    await lockKey(tx, "access", "bootstrap");
    if (await anyUserExists(tx)) return { created: false } as const;
    const user = await insertNewUser(deps, tx, ctx, {
      email: BOOTSTRAP_ADMIN_EMAIL,
      name: "Administrator",
      role: "admin",
      passwordHash,
    });
    const key = await insertApiKeyWithSecret(deps, tx, ctx, { name: "bootstrap admin key", role: "admin", secret });
    return { created: true, email: user.email, password, api_key: key.secret } as const;
  });
}
