// Settings objects are shared (defaults, one peer's config read by many modules): frozen, so a
// change is always a new object made on purpose, never a mutation another peer would see.
export function deepFreeze<T>(value: T): Readonly<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
