import { queryOptions, useQuery } from "@tanstack/react-query";
import { ApiError, api, type Session, setCsrfToken } from "./api.js";

/**
 * The signed-in person, from GET /v1/auth/me: `null` when nobody is signed in.
 * Kept in the query cache so the shell, the guards and the sign-in page agree.
 */
export const sessionQuery = queryOptions({
  queryKey: ["session"],
  queryFn: async (): Promise<Session | null> => {
    try {
      const session = await api.get<Session>("/v1/auth/me");
      setCsrfToken(session.csrf_token);
      return session;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        setCsrfToken(null);
        return null;
      }
      throw error;
    }
  },
  staleTime: Number.POSITIVE_INFINITY,
});

export function useSession(): Session | null {
  return useQuery(sessionQuery).data ?? null;
}
