import { performance } from "node:perf_hooks";
import { RESPONSE_EXCERPT_BYTES, responseExcerpt } from "./model.js";

/** One HTTP attempt, as the delivery log records it. */
export interface PostResult {
  status_code: number | null;
  response_excerpt: string | null;
  duration_ms: number;
  error: string | null;
}

export const SEND_TIMEOUT_MS = 10_000;

/**
 * POSTs one delivery. Redirects are not followed (a 3xx is a failure the
 * owner should fix), only the first KiB of the response is read, and the
 * timeout covers the whole exchange. Never throws: a network error is an
 * attempt that failed.
 */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs = SEND_TIMEOUT_MS,
): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { method: "POST", body, headers, redirect: "manual", signal });
    const excerpt = await readExcerpt(response);
    return { status_code: response.status, response_excerpt: excerpt, duration_ms: elapsed(), error: null };
  } catch (error) {
    const message = signal.aborted ? `timed out after ${timeoutMs / 1000} s` : describeNetworkError(error);
    return { status_code: null, response_excerpt: null, duration_ms: elapsed(), error: message };
  }
}

async function readExcerpt(response: Response): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size <= RESPONSE_EXCERPT_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => {});
  return responseExcerpt(Buffer.concat(chunks));
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code !== undefined) return `${cause.code}${cause.message === undefined ? "" : `: ${cause.message}`}`;
  if (cause?.message !== undefined) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
