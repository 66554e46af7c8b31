// The scale scenario at CI size (test/support/sim-scale.ts): real peers in virtual time, a share
// behind each NAT type, churn, three bootstraps. It fails when a change breaks what the design
// promises (docs/scale.md): everyone joins fast, nobody is left alone, a new chat is listed by 90 %
// of the peers online within issue 14's 60 s (gossip), and traffic and the busiest node stay within
// what was measured. 1,000 peers by default, the CI size (SCALE_CI_PEERS to change it).
//
// Shaped for CI time, not for steady state: joins over 10 s, 15 s of warm-up, a 35 s window (60 s
// virtual; ~50 s real on the 2-core machine). Most of the real time is the joins themselves (every
// first contact is a challenged ping: docs/scale.md "Sim speed"), so the virtual run is kept short. The window
// is shorter than the 60 s goal, which makes the listing check stricter, not weaker: a chat not
// listed by 90 % within the window counts as never. Traffic is measured while views still fill,
// so its bound is a regression bound above the steady-state goal.
import { describe, expect, it } from 'vitest';
import { runScale, SCALE_GOALS } from '../support/sim-scale.js';

const peers = Number(process.env.SCALE_CI_PEERS ?? 1_000);
const windowMs = 35_000;
// A design to try against the bounds (JSON of gossip / sync settings): e.g. SCALE_CI_GOSSIP='{"fanOut":0}'
// must fail, which is how these bounds were checked to mean something.
const gossip = process.env.SCALE_CI_GOSSIP ? { gossip: JSON.parse(process.env.SCALE_CI_GOSSIP) } : {};
const sync = process.env.SCALE_CI_SYNC ? { sync: JSON.parse(process.env.SCALE_CI_SYNC) } : {};

describe(`scale scenario, ${peers} peers`, () => {
  it('joins fast, lists a new chat at 90 % within 60 s, and keeps traffic and the busiest node bounded', async () => {
    const r = await runScale({
      peers,
      bootstraps: 3,
      seed: 3,
      joinSpreadMs: 10_000,
      warmupMs: 15_000,
      windowMs,
      churnPerMinute: 0.02,
      // One chat's host is behind a symmetric NAT: it cannot announce, so its bootstrap heralds it.
      chats: 2,
      symmetricCreators: 1,
      ...gossip,
      ...sync,
    });
    // What the bounds below were set from; printed so a failing run says by how much.
    const { joinMs, spreadWorst, steady, isolated, realMs, unlisted } = r;
    console.log(JSON.stringify({ peers, realMs, joinMs, spreadWorst, steady, isolated, unlisted }));
    expect(r.joinMs.never).toBe(0);
    expect(r.joinMs.p90).toBeLessThanOrEqual(15_000);
    expect(r.isolated).toBe(0);
    // Gossip (with the peers that shuffle told on contact): before it, 90 % was never reached.
    expect(r.spreadWorst.p90).toBeLessThanOrEqual(Math.min(SCALE_GOALS.listedBy90Ms, windowMs));
    // Regression bounds, ~40 % above what main measures at 1,000 peers in this shape (docs/scale.md,
    // "Measured"; runs vary with the peers' random keys): the busiest node 6.3-8.5x the median, an
    // ordinary peer, since peers behind symmetric NATs are kept in no view (12.5-17.9x before,
    // always a bootstrap); 1,150-1,223 B/s per peer while views fill. The goals, 10x and 1 KB/s,
    // are for steady state: the bench (bench/scale-sim.run.ts) prints them.
    expect(r.steady.busiestRatio).toBeLessThanOrEqual(12);
    expect(r.steady.bytesPerSecMedian).toBeLessThanOrEqual(1_500);
  }, 600_000);
});
