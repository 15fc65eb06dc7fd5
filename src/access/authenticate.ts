import type { Actor } from "../kernel/actor.js";
import type { Deps } from "../kernel/deps.js";
import { authenticateApiKey } from "./api-keys.js";
import { bearerSecret, isApiKeySecretShaped, isStateChanging } from "./model.js";
import { resolveSession } from "./sessions.js";

export interface AuthenticationInput {
  authorization?: string | undefined;
  session_token?: string | undefined;
  csrf_token?: string | undefined;
  method: string;
}

export type AuthenticationResult =
  | { ok: true; actor: Actor; via: "api_key" | "session" }
  | { ok: false; code: "unauthenticated" | "csrf_token_invalid"; message: string };

const BAD_KEY = "the Authorization header must be `Bearer sk_…` with a valid API key";

/**
 * Who is calling: the API layer runs this for every /v1 request. An
 * Authorization header wins over a cookie, and a bad one is refused rather
 * than falling back to the cookie, so a script never acts as a signed-in
 * person by accident. API keys need no CSRF token: a browser never attaches
 * them on its own.
 */
export async function authenticateRequest(deps: Deps, input: AuthenticationInput): Promise<AuthenticationResult> {
  if (input.authorization !== undefined && input.authorization !== "") {
    const secret = bearerSecret(input.authorization);
    if (secret === undefined || !isApiKeySecretShaped(secret)) {
      return { ok: false, code: "unauthenticated", message: BAD_KEY };
    }
    const check = await authenticateApiKey(deps, secret);
    if (!check.ok) {
      const message = check.reason === "revoked" ? "this API key was revoked" : BAD_KEY;
      return { ok: false, code: "unauthenticated", message };
    }
    return { ok: true, actor: check.actor, via: "api_key" };
  }
  if (input.session_token !== undefined && input.session_token !== "") {
    const check = await resolveSession(deps, {
      session_token: input.session_token,
      csrf_token: input.csrf_token,
      state_changing: isStateChanging(input.method),
    });
    if (!check.ok) return check;
    return { ok: true, actor: check.actor, via: "session" };
  }
  return {
    ok: false,
    code: "unauthenticated",
    message: "no credentials: send `Authorization: Bearer sk_…` or sign in",
  };
}
