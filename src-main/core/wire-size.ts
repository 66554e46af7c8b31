// How much of a list fits in one response datagram.
import { MAX_DATAGRAM_BYTES } from '../../src-shared/protocol/index.js';

const encoder = new TextEncoder();

export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

export function jsonLength(value: unknown): number {
  return utf8Length(JSON.stringify(value));
}

/** Largest JSON byte count whose base64 form still fits `maxEncodedBytes`. */
export function jsonBudget(maxEncodedBytes: number = MAX_DATAGRAM_BYTES): number {
  return Math.floor(maxEncodedBytes / 4) * 3;
}

/**
 * Takes items from the start while the JSON array of them stays within `budget` bytes
 * (the caller subtracts the envelope). `fromEnd` takes the newest instead, keeping their order.
 */
export function fitting<T>(items: readonly T[], budget: number, fromEnd = false): T[] {
  const out: T[] = [];
  let used = 2; // the brackets
  for (let i = 0; i < items.length; i++) {
    const item = items[fromEnd ? items.length - 1 - i : i] as T;
    const size = jsonLength(item) + (out.length > 0 ? 1 : 0);
    if (used + size > budget) break;
    used += size;
    out.push(item);
  }
  return fromEnd ? out.reverse() : out;
}
