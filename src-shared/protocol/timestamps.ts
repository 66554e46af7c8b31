/** Unix seconds as the original spells them: a string of a float with microseconds ("1732412345.123456"). */
export function formatTimestamp(epochMs: number): string {
  return (epochMs / 1000).toFixed(6);
}

/** Unix seconds (number or numeric string) to epoch milliseconds; NaN when it is not a number. */
export function parseTimestamp(value: string | number): number {
  return Number(value) * 1000;
}
