import type { LuaStack, Plain } from "./lua-marshal.js";
import type { RatingEvent } from "./lua-types.js";

/**
 * A batch of events as one binary string, decoded inside Lua.
 *
 * Pushing an event field by field costs two calls into WebAssembly per field
 * and a hash of the key each time (~3 µs an event measured here). Instead
 * the host writes every event as a fixed-layout record (its "shape": the
 * event type and its property names and kinds) into one buffer, and Lua
 * reads each record with one string.unpack and builds the event table with
 * one table constructor, in a small decoder function generated per shape.
 * The generated code holds only numbers and local names: property names
 * reach it as values, never as code. Events with nested objects or lists go
 * the slow way (pushed through the C API), marked by shape 0.
 *
 * Record: shape id (i4), timestamp (u4 low, i4 high), the 1-based position
 * of the next record (i4), then the fields:
 * strings as i4 ids into the batch's string list, integers as i4, other
 * numbers as doubles, booleans as one byte.
 */

type Kind = "s" | "i" | "d" | "b";

const FORMAT: Readonly<Record<Kind, string>> = { s: "i4", i: "i4", d: "d", b: "B" };
const SIZE: Readonly<Record<Kind, number>> = { s: 4, i: 4, d: 8, b: 1 };
const SHAPES_MAX = 512;
const FIELDS_MAX = 64;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const RECORD_HEADER_BYTES = 16;
/** The header as string.unpack reads it. */
export const RECORD_HEADER_FORMAT = "<i4I4i4i4";

export interface Shape {
  id: number;
  /** The properties the records carry, in order. */
  keys: string[];
  kinds: Kind[];
  type: string;
  /** Every property name the events of this shape have, null ones included: the quick check. */
  names: readonly string[];
  /** Where each of keys stands in names (and so in the event's Object.values). */
  positions: number[];
  bytes: number;
}

function kindOf(value: Plain): Kind | null | undefined {
  switch (typeof value) {
    case "string":
      return "s";
    case "number":
      return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX ? "i" : "d";
    case "boolean":
      return "b";
    default:
      // null and undefined are absent; objects and lists take the slow path.
      return value === null || value === undefined ? undefined : null;
  }
}

/** The Lua source of one shape's decoder: (blob, pos, S, C, ts) → event, next position. */
export function decoderSource(shape: Shape): string {
  const n = shape.kinds.length;
  const names = shape.kinds.map((_, i) => `v${i + 1}`);
  const keys = shape.kinds.map((_, i) => `k${i + 1}`);
  const format = `<${shape.kinds.map((kind) => FORMAT[kind]).join("")}`;
  const fields = shape.kinds.map((kind, i) => {
    const value = kind === "s" ? `S[${names[i]}]` : kind === "b" ? `${names[i]} == 1` : names[i];
    return `[${keys[i]}] = ${value}`;
  });
  const header = n === 0 ? "" : `local ${keys.join(", ")} = ${shape.kinds.map((_, i) => `K[${i + 1}]`).join(", ")}\n`;
  const read = n === 0 ? "local p = pos" : `local ${names.join(", ")}, p = unpack("${format}", blob, pos)`;
  // Envelope fields last: a property named type, customer or timestamp does not replace them.
  return `local unpack, K, T = ...
${header}return function(blob, pos, S, C, ts)
  ${read}
  return { ${[...fields, "type = T", "customer = C", "timestamp = ts"].join(", ")} }, p
end`;
}

export class BatchEncoder {
  private readonly byType = new Map<string, Shape[]>();
  private count = 0;
  private buffer = new ArrayBuffer(1 << 16);
  private view = new DataView(this.buffer);
  private offset = 0;
  private strings = new Map<string, number>();
  private list: string[] = [];
  /** Shapes seen for the first time in this batch: their decoders must be loaded before it runs. */
  fresh: Shape[] = [];
  /** Events that take the slow path, by position (from 0). */
  slow: number[] = [];

  private ensure(bytes: number): void {
    if (this.offset + bytes <= this.buffer.byteLength) return;
    const bigger = new ArrayBuffer(Math.max(this.buffer.byteLength * 2, this.offset + bytes));
    new Uint8Array(bigger).set(new Uint8Array(this.buffer, 0, this.offset));
    this.buffer = bigger;
    this.view = new DataView(bigger);
  }

  private stringId(text: string): number {
    let id = this.strings.get(text);
    if (id === undefined) {
      this.list.push(text);
      id = this.list.length;
      this.strings.set(text, id);
    }
    return id;
  }

  /**
   * Same type, same property names in the same order, same kinds: the common case costs a few comparisons.
   * `values` are the event's Object.values, in the order of `names` (its Object.keys): reading them by position
   * costs less than looking each property up by its name.
   */
  private static matches(shape: Shape, names: readonly string[], values: readonly Plain[]): boolean {
    if (shape.names.length !== names.length) return false;
    for (let i = 0; i < names.length; i++) if (shape.names[i] !== names[i]) return false;
    for (let i = 0; i < shape.kinds.length; i++) {
      if (kindOf(values[shape.positions[i] as number]) !== shape.kinds[i]) return false;
    }
    // Every name carries a value in the shape's events and the kinds matched: nothing can be dropped.
    if (shape.keys.length === names.length) return true;
    // A name with a value in this event but null in the shape's events would be dropped: compare their count.
    let present = 0;
    for (const value of values) if (value !== null && value !== undefined) present++;
    return present === shape.keys.length;
  }

  private shapeOf(type: string, names: string[], values: readonly Plain[]): Shape | null {
    const known = this.byType.get(type);
    if (known !== undefined) {
      for (const shape of known) if (BatchEncoder.matches(shape, names, values)) return shape;
    }
    if (names.length > FIELDS_MAX || this.count >= SHAPES_MAX) return null;
    const kinds: Kind[] = [];
    const keys: string[] = [];
    const positions: number[] = [];
    for (let i = 0; i < names.length; i++) {
      const kind = kindOf(values[i]);
      if (kind === null) return null;
      if (kind === undefined) continue;
      kinds.push(kind);
      keys.push(names[i] as string);
      positions.push(i);
    }
    this.count += 1;
    const bytes = kinds.reduce((sum, kind) => sum + SIZE[kind], 0);
    const shape: Shape = { id: this.count, keys, kinds, type, names, positions, bytes };
    this.byType.set(type, [...(known ?? []), shape]);
    this.fresh.push(shape);
    return shape;
  }

  private writeFields(shape: Shape, values: readonly Plain[]): void {
    const view = this.view;
    let at = this.offset;
    for (let i = 0; i < shape.kinds.length; i++) {
      const value = values[shape.positions[i] as number];
      switch (shape.kinds[i]) {
        case "s":
          view.setInt32(at, this.stringId(value as string), true);
          at += 4;
          break;
        case "i":
          view.setInt32(at, value as number, true);
          at += 4;
          break;
        case "d":
          view.setFloat64(at, value as number, true);
          at += 8;
          break;
        default:
          view.setUint8(at, value === true ? 1 : 0);
          at += 1;
      }
    }
    this.offset = at;
  }

  /** Encodes a batch; timestamps are Unix seconds. */
  encode(events: readonly RatingEvent[], seconds: readonly number[]): { records: Uint8Array; strings: string[] } {
    this.offset = 0;
    this.strings = new Map();
    this.list = [];
    this.fresh = [];
    this.slow = [];
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as RatingEvent;
      // Object.values lists the values in Object.keys's order (own enumerable properties, in order).
      const values = Object.values(event.properties);
      const shape = this.shapeOf(event.type, Object.keys(event.properties), values);
      this.ensure(RECORD_HEADER_BYTES + (shape === null ? 0 : shape.bytes));
      const time = seconds[i] as number;
      const start = this.offset;
      this.view.setInt32(start, shape === null ? 0 : shape.id, true);
      this.view.setUint32(start + 4, time >>> 0, true);
      this.view.setInt32(start + 8, Math.floor(time / 4294967296), true);
      this.offset += RECORD_HEADER_BYTES;
      if (shape === null) this.slow.push(i);
      else this.writeFields(shape, values);
      // Where the next record starts, so Lua can skip a record whose event failed.
      this.view.setInt32(start + 12, this.offset + 1, true);
    }
    return { records: new Uint8Array(this.buffer, 0, this.offset), strings: this.list };
  }
}

/** Pushes bytes as one Lua string (copied by Lua into its own heap). */
export function pushBytes(stack: LuaStack, bytes: Uint8Array): void {
  const pointer = stack.lua._malloc(Math.max(1, bytes.byteLength));
  try {
    stack.lua.HEAPU8.set(bytes, pointer);
    stack.lua._lua_pushlstring(stack.L, pointer, bytes.byteLength);
  } finally {
    stack.lua._free(pointer);
  }
}

/** The batch's strings as one Lua string of length-prefixed entries ("s4"). */
export function encodeStrings(list: readonly string[]): Uint8Array {
  const encoder = new TextEncoder();
  let size = 0;
  for (const text of list) size += 4 + text.length * 3;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const text of list) {
    const { written } = encoder.encodeInto(text, bytes.subarray(at + 4));
    view.setUint32(at, written, true);
    at += 4 + written;
  }
  return bytes.subarray(0, at);
}
