/** Unix seconds as the original spells them: a string of a float with microseconds ("1732412345.123456"). */
export function formatTimestamp(epochMs: number): string {
  return (epochMs / 1000).toFixed(6);
}

/** A decimal float as Python's float() reads it (no hex, no empty string). */
const DECIMAL_RE = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** Unix seconds (number or numeric string) to epoch milliseconds; NaN when it is not a number. */
export function parseTimestamp(value: string | number): number {
  // Number('') and Number('  ') are 0 and Number('0x10') is 16; Python's float() rejects all three.
  if (typeof value === 'string' && !DECIMAL_RE.test(value)) return Number.NaN;
  return Number(value) * 1000;
}
