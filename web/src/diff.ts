/**
 * What an audited change did, field by field: nested objects are walked to
 * dotted paths ("address.city") so a one-field edit shows as one changed row;
 * arrays and scalars compare as whole values.
 */

export type ChangeKind = "added" | "removed" | "changed" | "unchanged";

export interface FieldChange {
  path: string;
  kind: ChangeKind;
  before: unknown;
  after: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function flatten(value: unknown, prefix: string, into: Map<string, unknown>): Map<string, unknown> {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix === "" ? key : `${prefix}.${key}`, into);
  } else if (prefix !== "") {
    into.set(prefix, value);
  }
  return into;
}

function sameValue(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}

export function diffRecords(before: unknown, after: unknown): FieldChange[] {
  const old = isPlainObject(before) ? flatten(before, "", new Map()) : new Map<string, unknown>();
  const next = isPlainObject(after) ? flatten(after, "", new Map()) : new Map<string, unknown>();
  // A scalar before/after (rare) is shown as one row under "(value)".
  if (!isPlainObject(before) && before !== null && before !== undefined) old.set("(value)", before);
  if (!isPlainObject(after) && after !== null && after !== undefined) next.set("(value)", after);
  const paths = [...new Set([...old.keys(), ...next.keys()])].sort();
  return paths.map((path) => {
    const was = old.get(path);
    const is = next.get(path);
    const kind: ChangeKind = !old.has(path)
      ? "added"
      : !next.has(path)
        ? "removed"
        : sameValue(was, is)
          ? "unchanged"
          : "changed";
    return { path, kind, before: was, after: is };
  });
}

/** A value as one line of text: strings as they are, everything else as JSON. */
export function showValue(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}
