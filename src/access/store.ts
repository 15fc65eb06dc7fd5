import { type Generated, type Kysely, type Selectable, sql } from "kysely";
import type { Executor } from "../kernel/db.js";

/** SQL for the access module's tables (the audit log has its own, audit-store.ts). */

interface UsersTable {
  id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string;
  disabled: boolean;
  disabled_at: Date | null;
  last_login_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
}

interface ApiKeysTable {
  id: string;
  name: string;
  role: string;
  secret_hash: string;
  last_four: string;
  hint: string;
  created_by: string;
  created_by_user_id: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

interface ApprovalsTable {
  id: string;
  action: string;
  object_type: string;
  object_id: string;
  payload: unknown;
  summary: string;
  status: "pending" | "approved" | "rejected";
  requested_by: string;
  requested_by_user_id: string | null;
  requested_by_name: string | null;
  decided_by: string | null;
  decided_by_name: string | null;
  comment: string | null;
  request_id: string | null;
  created_at: Date;
  decided_at: Date | null;
}

interface SignInFailuresTable {
  id: Generated<string>;
  email: string;
  address: string;
  failed_at: Date;
}

interface AccessTables {
  sign_in_failures: SignInFailuresTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  approvals: ApprovalsTable;
}

export type UserRow = Selectable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type ApprovalRow = Selectable<ApprovalsTable>;

const tables = (db: Executor) => db as unknown as Kysely<AccessTables>;

// ---- users ----

export async function insertUser(db: Executor, user: UserRow): Promise<void> {
  await tables(db).insertInto("users").values(user).execute();
}

export async function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  return tables(db).selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  return tables(db)
    .selectFrom("users")
    .selectAll()
    .where(sql`lower(email)`, "=", email.toLowerCase())
    .executeTakeFirst();
}

/** Failure times since `since` for the email and for the address (lower-cased email). */
export async function recentSignInFailures(
  db: Executor,
  email: string,
  address: string,
  since: Date,
): Promise<{ email: Date[]; address: Date[] }> {
  const rows = await tables(db)
    .selectFrom("sign_in_failures")
    .select(["email", "address", "failed_at"])
    .where("failed_at", ">", since)
    .where((eb) => eb.or([eb("email", "=", email), eb("address", "=", address)]))
    .execute();
  return {
    email: rows.filter((row) => row.email === email).map((row) => row.failed_at),
    address: rows.filter((row) => row.address === address).map((row) => row.failed_at),
  };
}

/** Records a failure and drops failures older than `forgetBefore` (they no longer count). */
export async function recordSignInFailure(
  db: Executor,
  failure: { email: string; address: string; failed_at: Date },
  forgetBefore: Date,
): Promise<void> {
  await tables(db).insertInto("sign_in_failures").values(failure).execute();
  await tables(db).deleteFrom("sign_in_failures").where("failed_at", "<", forgetBefore).execute();
}

export async function clearSignInFailures(db: Executor, email: string): Promise<void> {
  await tables(db).deleteFrom("sign_in_failures").where("email", "=", email).execute();
}

export async function anyUserExists(db: Executor): Promise<boolean> {
  const row = await tables(db).selectFrom("users").select("id").limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function listUserRows(db: Executor): Promise<UserRow[]> {
  return tables(db).selectFrom("users").selectAll().orderBy("id", "desc").execute();
}

export async function updateUser(
  db: Executor,
  id: string,
  changes: Partial<Pick<UserRow, "disabled" | "disabled_at" | "last_login_at" | "updated_at">>,
): Promise<void> {
  await tables(db).updateTable("users").set(changes).where("id", "=", id).execute();
}

// ---- sessions ----

export async function insertSession(db: Executor, session: SessionRow): Promise<void> {
  await tables(db).insertInto("sessions").values(session).execute();
}

export async function findSessionWithUser(
  db: Executor,
  tokenHash: string,
): Promise<{ session: SessionRow; user: UserRow } | undefined> {
  const session = await tables(db)
    .selectFrom("sessions")
    .selectAll()
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
  if (session === undefined) return undefined;
  const user = await findUserById(db, session.user_id);
  return user === undefined ? undefined : { session, user };
}

/** Moves last_seen_at only if nobody else moved it within the interval: one write a minute at most. */
export async function touchSession(db: Executor, id: string, now: Date, notAfter: Date): Promise<void> {
  await tables(db)
    .updateTable("sessions")
    .set({ last_seen_at: now })
    .where("id", "=", id)
    .where("last_seen_at", "<=", notAfter)
    .execute();
}

export async function deleteSession(db: Executor, id: string): Promise<void> {
  await tables(db).deleteFrom("sessions").where("id", "=", id).execute();
}

export async function deleteSessionsOfUser(db: Executor, userId: string): Promise<void> {
  await tables(db).deleteFrom("sessions").where("user_id", "=", userId).execute();
}

export async function deleteSessionsIdleSince(db: Executor, idleBefore: Date, now: Date): Promise<number> {
  const result = await tables(db)
    .deleteFrom("sessions")
    .where((eb) => eb.or([eb("last_seen_at", "<=", idleBefore), eb("expires_at", "<=", now)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

// ---- API keys ----

export async function insertApiKey(db: Executor, key: ApiKeyRow): Promise<void> {
  await tables(db).insertInto("api_keys").values(key).execute();
}

export async function findApiKeyBySecretHash(db: Executor, secretHash: string): Promise<ApiKeyRow | undefined> {
  return tables(db).selectFrom("api_keys").selectAll().where("secret_hash", "=", secretHash).executeTakeFirst();
}

export async function findApiKeyById(db: Executor, id: string, forUpdate = false): Promise<ApiKeyRow | undefined> {
  let query = tables(db).selectFrom("api_keys").selectAll().where("id", "=", id);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

export function apiKeysQuery(db: Executor, filter: { include_revoked: boolean }) {
  let query = tables(db).selectFrom("api_keys").selectAll();
  if (!filter.include_revoked) query = query.where("revoked_at", "is", null);
  return query;
}

export async function touchApiKey(db: Executor, id: string, now: Date, notAfter: Date): Promise<void> {
  await tables(db)
    .updateTable("api_keys")
    .set({ last_used_at: now })
    .where("id", "=", id)
    .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<=", notAfter)]))
    .execute();
}

export async function markApiKeyRevoked(db: Executor, id: string, at: Date, by: string): Promise<void> {
  await tables(db).updateTable("api_keys").set({ revoked_at: at, revoked_by: by }).where("id", "=", id).execute();
}

// ---- approvals ----

export async function insertApproval(db: Executor, approval: ApprovalRow): Promise<void> {
  await tables(db)
    .insertInto("approvals")
    .values({ ...approval, payload: JSON.stringify(approval.payload) })
    .execute();
}

export async function findApproval(db: Executor, id: string, forUpdate = false): Promise<ApprovalRow | undefined> {
  let query = tables(db).selectFrom("approvals").selectAll().where("id", "=", id);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function saveApprovalDecision(
  db: Executor,
  id: string,
  decision: Pick<ApprovalRow, "status" | "decided_by" | "decided_by_name" | "comment" | "decided_at">,
): Promise<void> {
  await tables(db).updateTable("approvals").set(decision).where("id", "=", id).execute();
}

export function approvalsQuery(db: Executor, filter: { status?: string | undefined; action?: string | undefined }) {
  let query = tables(db).selectFrom("approvals").selectAll();
  if (filter.status !== undefined) query = query.where("status", "=", filter.status as ApprovalRow["status"]);
  if (filter.action !== undefined) query = query.where("action", "=", filter.action);
  return query;
}
