// The scale scenario at CI size (test/support/sim-scale.ts): real peers in virtual time, a share
// behind each NAT type, churn, three bootstraps. It fails when a change breaks what the design
// promises (docs/scale.md): everyone joins fast, nobody is left alone, a new chat is listed by 90 %
// of the peers online within issue 14's 60 s (gossip), and traffic and the busiest node stay within
// what was measured (their goals are not met yet). SCALE_CI_PEERS sets the size (default 200; 1,000 is the CI size, see
// docs/scale.md for what it costs in real time on this machine).
import { describe, expect, it } from 'vitest';
import { runScale, SCALE_GOALS } from '../support/sim-scale.js';

const peers = Number(process.env.SCALE_CI_PEERS ?? 200);

describe(`scale scenario, ${peers} peers`, () => {
  it('joins fast, lists a new chat at 90 % within 60 s, and keeps traffic and the busiest node bounded', async () => {
    const r = await runScale({
      peers,
      bootstraps: 3,
      seed: 3,
      joinSpreadMs: 30_000,
      warmupMs: 45_000,
      windowMs: 60_000,
      churnPerMinute: 0.02,
      chats: 2,
    });
    expect(r.joinMs.never).toBe(0);
    expect(r.joinMs.p90).toBeLessThanOrEqual(15_000);
    expect(r.isolated).toBe(0);
    // Gossip (with the peers that shuffle told on contact): before it, 90 % was never reached.
    expect(r.spreadWorst.p90).toBeLessThanOrEqual(SCALE_GOALS.listedBy90Ms);
    // The 10x goal is not met at this size after a 45 s warm-up: punches and relayed paths still
    // land on the bootstraps (docs/scale.md: 14.4x measured here; 25x before joins asked for 16
    // peers, not 50). A bound against regressions.
    expect(r.steady.busiestRatio).toBeLessThanOrEqual(17);
    // 30 s rounds, shuffles of 4, idle punched paths dropped, keepalives only where nothing
    // answered: ~1.3 KB/s measured here while the views still fill (0.93 KB/s at 100 peers after
    // the bench's 6-minute warm-up); 1.8 KB/s before, 3.4 KB/s before that.
    expect(r.steady.bytesPerSecMedian).toBeLessThanOrEqual(1_600);
  }, 600_000);
});
