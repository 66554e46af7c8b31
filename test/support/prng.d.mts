// Types of test/support/prng.mjs.
export type Random = () => number;
/** Returns a generator of floats in [0, 1) fully determined by `seed`. */
export function mulberry32(seed: number): Random;
