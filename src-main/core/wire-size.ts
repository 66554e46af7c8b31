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
 * Takes items in order while the JSON array of them stays within `budget` bytes (the caller
 * subtracts the envelope), at most `max` of them. It stops at the first item that does not fit, so a
 * lazy source (a store iterator) is read no further than the answer needs.
 */
export function fitting<T>(items: Iterable<T>, budget: number, max = Number.POSITIVE_INFINITY): T[] {
  const out: T[] = [];
  let used = 2; // the brackets
  for (const item of items) {
    if (out.length >= max) break;
    const size = jsonLength(item) + (out.length > 0 ? 1 : 0);
    if (used + size > budget) break;
    used += size;
    out.push(item);
  }
  return out;
}

/** `items` mapped lazily (Iterator.prototype.map needs Node 22). */
export function* mapLazily<T, U>(items: Iterable<T>, fn: (item: T) => U): Generator<U, void, undefined> {
  for (const item of items) yield fn(item);
}
