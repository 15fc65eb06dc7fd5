/** Who is doing something: a person, an API key, or Accrue itself (jobs, billing runs). */
export interface Actor {
  type: "user" | "api_key" | "system";
  /** usr_…, key_…, or a system process name such as "billing_run". */
  id: string;
  role: string;
  /** The user behind a session or the user who created the API key, when known. */
  user_id?: string;
  display_name?: string;
}

/** What a service needs to know about the request that asked for a change. */
export interface RequestContext {
  actor: Actor;
  request_id: string;
  /** From the `Accrue-Reason` header; lands in the audit row. */
  reason?: string;
}

export function systemContext(process: string, requestId: string): RequestContext {
  return {
    actor: { type: "system", id: process, role: "system", display_name: process },
    request_id: requestId,
  };
}
