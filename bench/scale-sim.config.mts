// vitest config for bench/scale-sim.mjs only: runs the scale scenario (TypeScript, test/support)
// as one long "test" that prints its table; the regular suite never includes it.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['bench/scale-sim.run.ts'],
    testTimeout: 6 * 60 * 60_000,
    pool: 'forks',
    reporters: ['dot'],
  },
});
