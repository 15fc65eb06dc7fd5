import type { Temporal } from "temporal-polyfill";
import type { Actor, RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { recordAudit } from "./audit.js";
import {
  isTouchDue,
  SESSION_ABSOLUTE,
  SESSION_IDLE,
  SIGN_IN_FAILURES_PER_ADDRESS,
  SIGN_IN_FAILURES_PER_EMAIL,
  SIGN_IN_WINDOW,
  sessionState,
  signInRetryAfter,
  TOUCH_INTERVAL,
} from "./model.js";
import { randomToken, sha256Hex, tokensEqual, unknownUserHash, verifyPassword } from "./secrets.js";
import {
  clearSignInFailures,
  deleteSession,
  deleteSessionsIdleSince,
  findSessionWithUser,
  findUserByEmail,
  insertSession,
  recentSignInFailures,
  recordSignInFailure,
  type SessionRow,
  touchSession,
  type UserRow,
  updateUser,
} from "./store.js";

/**
 * Web app sessions. The browser holds a random token in an httpOnly cookie;
 * the database holds only its SHA-256 hash. A session ends after 12 hours
 * without a request or 7 days after sign-in, whichever comes first.
 */

export const SESSION_COOKIE = "accrue_session";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: string;
}

export interface SignedIn {
  user: SessionUser;
  /** Goes into the cookie; never stored. */
  session_token: string;
  csrf_token: string;
  expires_at: Temporal.Instant;
}

function sessionUser(row: UserRow): SessionUser {
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}

function userActor(row: UserRow): Actor {
  return { type: "user", id: row.id, role: row.role, user_id: row.id, display_name: row.name };
}

const BAD_CREDENTIALS = "the email or password is incorrect";

/**
 * Signs a person in. An unknown email, a wrong password and a disabled user
 * get the same answer after the same work (a password hash is always checked),
 * so the answer does not tell which emails exist.
 */
export async function login(
  deps: Deps,
  input: { email: string; password: string; request_id: string; address: string },
): Promise<SignedIn> {
  const now = deps.clock.now();
  const email = input.email.trim().toLowerCase();
  await refuseWhileThrottled(deps, email, input.address, now);
  const user = await findUserByEmail(deps.db, email);
  const passwordHash = user?.password_hash ?? (await unknownUserHash());
  const passwordMatches = await verifyPassword(passwordHash, input.password);
  if (user === undefined || !passwordMatches || user.disabled) {
    await recordSignInFailure(
      deps.db,
      { email, address: input.address, failed_at: toDate(now) },
      toDate(now.subtract({ hours: 24 })),
    );
    throw new DomainError("invalid_credentials", BAD_CREDENTIALS);
  }
  const token = randomToken();
  const session: SessionRow = {
    id: newId("session"),
    token_hash: sha256Hex(token),
    user_id: user.id,
    csrf_token: randomToken(),
    created_at: toDate(now),
    last_seen_at: toDate(now),
    expires_at: toDate(now.add(SESSION_ABSOLUTE)),
  };
  const ctx: RequestContext = { actor: userActor(user), request_id: input.request_id };
  await inTransaction(deps.db, async (tx) => {
    await clearSignInFailures(tx, email);
    await insertSession(tx, session);
    await updateUser(tx, user.id, { last_login_at: toDate(now) });
    await recordAudit(
      tx,
      ctx,
      {
        action: "session.created",
        object_type: "session",
        object_id: session.id,
        after: { user_id: user.id, expires_at: now.add(SESSION_ABSOLUTE).toString() },
      },
      now,
    );
  });
  return {
    user: sessionUser(user),
    session_token: token,
    csrf_token: session.csrf_token,
    expires_at: now.add(SESSION_ABSOLUTE),
  };
}

/**
 * Too many failed sign-ins for the email, or from the address, in the last
 * window: refused before the password is checked, with when to try again.
 */
async function refuseWhileThrottled(deps: Deps, email: string, address: string, now: Temporal.Instant) {
  const failures = await recentSignInFailures(deps.db, email, address, toDate(now.subtract(SIGN_IN_WINDOW)));
  const retryAfter = Math.max(
    signInRetryAfter(failures.email.map(fromDate), SIGN_IN_FAILURES_PER_EMAIL, now),
    signInRetryAfter(failures.address.map(fromDate), SIGN_IN_FAILURES_PER_ADDRESS, now),
  );
  if (retryAfter === 0) return;
  const minutes = Math.ceil(retryAfter / 60);
  throw new DomainError(
    "sign_in_throttled",
    `too many failed sign-ins; try again in ${minutes} minute${minutes === 1 ? "" : "s"}`,
    { details: { retry_after_seconds: retryAfter } },
  );
}

export type SessionCheck =
  | { ok: true; session: SessionRow; user: UserRow; actor: Actor }
  | { ok: false; code: "unauthenticated" | "csrf_token_invalid"; message: string };

const SIGN_IN_AGAIN = "the session has ended; sign in again";

/**
 * Resolves a session cookie. For state-changing requests the CSRF token must
 * equal the session's: a cross-site page can make the browser send the cookie
 * but cannot read the token to send it back.
 */
export async function resolveSession(
  deps: Deps,
  input: { session_token: string; csrf_token?: string | undefined; state_changing: boolean },
): Promise<SessionCheck> {
  const found = await findSessionWithUser(deps.db, sha256Hex(input.session_token));
  if (found === undefined) return { ok: false, code: "unauthenticated", message: SIGN_IN_AGAIN };
  const { session, user } = found;
  const now = deps.clock.now();
  const lastSeen = fromDate(session.last_seen_at);
  if (sessionState({ created_at: fromDate(session.created_at), last_seen_at: lastSeen }, now) !== "active") {
    await deleteSession(deps.db, session.id);
    return { ok: false, code: "unauthenticated", message: SIGN_IN_AGAIN };
  }
  if (user.disabled) return { ok: false, code: "unauthenticated", message: SIGN_IN_AGAIN };
  if (input.state_changing && (input.csrf_token === undefined || !tokensEqual(input.csrf_token, session.csrf_token))) {
    return {
      ok: false,
      code: "csrf_token_invalid",
      message: "send the X-CSRF-Token header with the token from sign-in or GET /v1/auth/me",
    };
  }
  if (isTouchDue(lastSeen, now)) {
    await touchSession(deps.db, session.id, toDate(now), toDate(now.subtract(TOUCH_INTERVAL)));
  }
  return { ok: true, session, user, actor: userActor(user) };
}

/** `GET /v1/auth/me`: the signed-in user and the CSRF token the web app needs for writes. */
export async function currentSession(
  deps: Deps,
  sessionToken: string | undefined,
): Promise<{ user: SessionUser; csrf_token: string }> {
  if (sessionToken === undefined || sessionToken === "") {
    throw new DomainError("unauthenticated", "not signed in");
  }
  const check = await resolveSession(deps, { session_token: sessionToken, state_changing: false });
  if (!check.ok) throw new DomainError(check.code, check.message);
  return { user: sessionUser(check.user), csrf_token: check.session.csrf_token };
}

/** Ends the session behind the cookie, if any. Needs the CSRF token, like every cookie write. */
export async function logout(
  deps: Deps,
  input: { session_token?: string | undefined; csrf_token?: string | undefined; request_id: string },
): Promise<void> {
  if (input.session_token === undefined || input.session_token === "") return;
  const check = await resolveSession(deps, {
    session_token: input.session_token,
    csrf_token: input.csrf_token,
    state_changing: true,
  });
  if (!check.ok) {
    if (check.code === "csrf_token_invalid") throw new DomainError(check.code, check.message);
    return; // already ended
  }
  const now = deps.clock.now();
  const ctx: RequestContext = { actor: check.actor, request_id: input.request_id };
  await inTransaction(deps.db, async (tx) => {
    await deleteSession(tx, check.session.id);
    await recordAudit(tx, ctx, { action: "session.ended", object_type: "session", object_id: check.session.id }, now);
  });
}

/** Deletes ended sessions; run daily by the jobs module. */
export async function purgeEndedSessions(deps: Deps): Promise<number> {
  const now = deps.clock.now();
  return deleteSessionsIdleSince(deps.db, toDate(now.subtract(SESSION_IDLE)), toDate(now));
}
