// The guard's per-source budgets over IPv6: a host is commonly given a whole /64 and may send from
// any address in it, so every address of one /64 shares one budget (docs/security.md). Over the
// simulator with default abuse limits: 40 sources each send 50 (2,000 in all, twice one source's burst) unproven pings within one tick.
import { afterEach, describe, expect, it } from 'vitest';
import { SimHarness } from '../../../test/support/sim-harness.js';
import { DEFAULT_GUARD } from './index.js';
import { DEFAULT_RATE_LIMITS } from './rate-limiter.js';

let h: SimHarness;
afterEach(async () => {
  await h.close();
});

const PINGS_PER_SOURCE = 50;
const SOURCES = 40;

async function answersTo(host: (i: number) => string): Promise<number> {
  h = new SimHarness();
  const target = h.addPeer({
    host: '2001:db8:ffff::10',
    port: 7000,
    start: false,
    config: { guard: DEFAULT_GUARD },
  });
  const probes = Array.from({ length: SOURCES }, (_, i) => h.probe({ host: host(i), port: 9000 }));
  for (const [i, p] of probes.entries())
    for (let n = 0; n < PINGS_PER_SOURCE; n++) p.send({ m: 'p', z: `p${i}-${n}` }, target.endpoint);
  await h.advance(100);
  return probes.reduce((sum, p) => sum + p.received.filter((r) => r.obj?.m === 'R').length, 0);
}

describe('guard budgets over IPv6', () => {
  it('sources spread over one /64 share one budget: most of their flood goes unanswered', async () => {
    const sameSlash64 = await answersTo((i) => `2001:db8:1:2::${(i + 1).toString(16)}`);
    const ownSlash64s = await answersTo((i) => `2001:db8:1:${(i + 16).toString(16)}::1`);
    // Each /64 alone stays within its budget: every ping is answered.
    expect(ownSlash64s).toBe(SOURCES * PINGS_PER_SOURCE);
    // One /64 gets what one source gets (its burst), however many addresses it sends from.
    expect(sameSlash64).toBeLessThanOrEqual(DEFAULT_RATE_LIMITS.perSourceBurst);
    expect(sameSlash64).toBeLessThan(ownSlash64s);
  });
});
