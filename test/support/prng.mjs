// mulberry32: a tiny seeded PRNG, so simulated loss and jitter (and the benches' fuzz) are
// reproducible. Plain JavaScript so bench/*.mjs can import it under node; types in prng.d.mts.

/** Returns a generator of floats in [0, 1) fully determined by `seed`. */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
