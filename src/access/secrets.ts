import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

/**
 * How secrets are made and kept.
 *
 * Passwords are chosen by people, so they are guessable: they are stored as
 * argon2id hashes (memory-hard, salted, deliberately slow), so a stolen table
 * costs an attacker real work per guess. API keys and session tokens are 256
 * random bits made here: no guess list helps, so a fast SHA-256 is enough and
 * keeps authenticating a request cheap.
 */

/** @node-rs/argon2's default algorithm is argon2id (m=19 MiB, t=2, p=1: the OWASP baseline). */
export async function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a malformed stored hash never signs anyone in
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * A hash to verify against when the email is unknown, so an unknown email and
 * a wrong password take the same time and nobody can probe which emails exist.
 */
export function unknownUserHash(): Promise<string> {
  dummyHash ??= hashPassword(randomToken());
  return dummyHash;
}

/** 32 random bytes, base64url: 43 characters, 256 bits. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

export function newApiKeySecret(): string {
  return `sk_live_${randomToken(32)}`;
}

const PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** A generated password: 20 characters without look-alikes (0/O, 1/l/I), about 116 bits. */
export function generatePassword(length = 20): string {
  const bytes = randomBytes(length * 2);
  let password = "";
  // Rejection sampling keeps every character equally likely.
  const limit = 256 - (256 % PASSWORD_ALPHABET.length);
  for (const byte of bytes) {
    if (password.length === length) break;
    if (byte < limit) password += PASSWORD_ALPHABET[byte % PASSWORD_ALPHABET.length];
  }
  return password.length === length ? password : generatePassword(length);
}

/** Compares two tokens in time that does not depend on where they differ. */
export function tokensEqual(a: string, b: string): boolean {
  const left = createHash("sha256").update(a).digest();
  const right = createHash("sha256").update(b).digest();
  return timingSafeEqual(left, right);
}
