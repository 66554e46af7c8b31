// The CLI peer (bin/nance.js, same flags) with its abuse limits off: no per-source or global rate
// limit and no anti-amplification rule, so protocol-bench.mjs measures request handling rather
// than the limiter (one bench client would otherwise be held to the per-source rate).
// Stopgap until the CLI has a flag for it: it sets the build's DEFAULT_GUARD to GUARD_OFF's values
// before the CLI starts, so the peer is otherwise exactly the CLI build.
const guardModule = new URL('../build/src-main/core/guard/index.js', import.meta.url);
try {
  const { DEFAULT_GUARD, GUARD_OFF } = await import(guardModule.href);
  if (DEFAULT_GUARD && GUARD_OFF) {
    Object.assign(DEFAULT_GUARD.rate, GUARD_OFF.rate);
    Object.assign(DEFAULT_GUARD.amplification, GUARD_OFF.amplification);
  }
} catch {
  // A build without the guard: nothing to turn off.
}
await import(new URL('../bin/nance.js', import.meta.url).href);
