import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Temporal } from "temporal-polyfill";

/**
 * `Accrue-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, each v1 an
 * HMAC-SHA256 over `${t}.${body}` keyed by one active secret (the whole
 * `whsec_…` string). The timestamp is signed too, so a captured request
 * cannot be replayed later than the receiver's tolerance.
 */
export const SIGNATURE_HEADER = "Accrue-Signature";

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

export function signatureHeader(body: string, secrets: readonly string[], at: Temporal.Instant): string {
  const timestamp = Math.floor(at.epochMilliseconds / 1000);
  return [`t=${timestamp}`, ...secrets.map((secret) => `v1=${hmacHex(secret, timestamp, body)}`)].join(",");
}

/**
 * For receivers: true when `header` carries a v1 signature of `body` made
 * with `secret`, timestamped within `toleranceSeconds` of `now`. Pass the raw
 * request body exactly as received (before any JSON parsing).
 */
export function verifyWebhookSignature(
  header: string,
  body: string,
  secret: string,
  toleranceSeconds: number,
  now: Date | Temporal.Instant,
): boolean {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const [key, value] = part.trim().split("=", 2);
    if (key === "t" && value !== undefined && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === "v1" && value !== undefined && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  const nowSeconds = Math.floor(("epochMilliseconds" in now ? now.epochMilliseconds : now.getTime()) / 1000);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), "hex");
  return signatures.some((signature) => timingSafeEqual(Buffer.from(signature, "hex"), expected));
}
