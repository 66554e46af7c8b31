// bench/scale-sim.config.mts with a CPU profile of the worker (SCALE_PROF_DIR, default /tmp/scale-prof):
// `npx vitest run -c bench/scale-sim.prof.config.mts`, then open the .cpuprofile in Chrome DevTools.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['bench/scale-sim.run.ts'],
    testTimeout: 6 * 60 * 60_000,
    pool: 'forks',
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${process.env.SCALE_PROF_DIR ?? '/tmp/scale-prof'}`],
    reporters: ['dot'],
  },
});
