// Fuzzing a real CLI peer, both roles, over 127.0.0.1: 100,000 mutated and random datagrams each
// (the full 1,000,000 is `node bench/fuzz.mjs`, results in docs/benchmarks.md). The peer must not
// crash, must keep answering a monitor's pings during and after the storm, must answer only valid
// responses (or its own pings), and its RSS must stay flat after warm-up.
import { describe, expect, it } from 'vitest';
import { isBuilt, runFuzz, startNance } from '../../bench/hardening-lib.mjs';

const COUNT = 100_000;
const RATE = 5_000; // per role; 32 sources, so per source well under the default rate limit

describe.skipIf(!isBuilt)(
  isBuilt ? 'fuzzing a running peer' : 'fuzzing [skipped: not built; run npm run build]',
  () => {
    it.each(['peer', 'bootstrap'] as const)(
      '%s survives 100k fuzzed datagrams, stays responsive, answers validly, memory flat',
      async (role) => {
        const proc = await startNance({
          args: ['--log-level', 'warn', ...(role === 'bootstrap' ? ['--bootstrap'] : [])],
        });
        try {
          const chatUuid =
            role === 'peer'
              ? (await proc.ok<{ uuid: string }>('createChat', { name: 'fuzz', message: 'hi', author: 'a' }))
                  .uuid
              : undefined;
          const stats = await runFuzz({
            target: proc.udp,
            count: COUNT,
            rate: RATE,
            seed: role === 'peer' ? 11 : 12,
            chatUuid,
            pid: proc.pid,
          });
          expect(proc.hasExited).toBe(false);
          expect(stats.invalidSamples).toEqual([]);
          expect(stats.invalid).toBe(0);
          expect(stats.received).toBeGreaterThan(COUNT / 10);
          expect(stats.monitorAnswered).toBeGreaterThanOrEqual(stats.monitorSent - 2);
          expect(stats.monitorMaxMs).toBeLessThan(1000);
          // Flat: growth after warm-up stays under 48 MiB (the reply cache and guard state are bounded).
          expect((stats.rssAfterKb ?? 0) - (stats.rssWarmKb ?? 0)).toBeLessThan(48 * 1024);
          const status = await proc.ok('getStatus', {}, 5000);
          expect(status).toBeTruthy();
        } finally {
          await proc.stop();
        }
      },
      90_000,
    );
  },
);
