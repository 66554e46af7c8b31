// Issue 11, finding 8: a flood of registrations (each from an address that answers the ping-back,
// as a stranger with many addresses can arrange) cannot grow the peer's table past its cap, and the
// peer keeps answering; the newest registrants are the ones kept. Virtual time, real SQLite.
import { afterEach, describe, expect, it } from 'vitest';
import { GUARD_OFF } from '../../src-main/core/guard/index.js';
import { SimHarness } from '../support/sim-harness.js';

let h: SimHarness;
afterEach(async () => {
  await h?.close();
});

describe('a registration flood', () => {
  it('keeps the peers table at its cap and the peer answering', async () => {
    h = new SimHarness();
    const cap = 50;
    // Rate limits off: this is about the table, not the per-source budget (each address is new anyway).
    const host = h.addPeer({ role: 'bootstrap', store: 'temp', maxPeers: cap, config: { guard: GUARD_OFF } });
    const registrants = Array.from({ length: 400 }, (_, i) =>
      h.probe({ host: `198.51.${100 + Math.floor(i / 200)}.${(i % 200) + 1}`, port: 9000 }).answerPings(),
    );
    for (const [i, r] of registrants.entries()) {
      r.send({ m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' }, z: `reg-${i}` }, host.endpoint);
      if (i % 20 === 19) await h.advance(50);
    }
    await h.advance(3_000);
    const registered = registrants.filter((r) =>
      r.received.some((x) => x.obj?.z?.toString().startsWith('reg-') && x.obj.r === 0),
    );
    expect(registered.length).toBe(400); // every one answered the ping-back: all were accepted
    const known = host.peer.knownPeers();
    expect(known.length).toBe(cap);
    // The most recent registrants are kept (least recently seen forgotten first).
    const kept = new Set(known.map((p) => `${p.host}:${p.port}`));
    expect(kept.has(`${registrants[399]?.endpoint.host}:9000`)).toBe(true);
    expect(kept.has(`${registrants[0]?.endpoint.host}:9000`)).toBe(false);
    const probe = h.probe();
    expect(await probe.ask({ m: 'p', z: 'still-there' }, host.endpoint, 50)).toHaveLength(1);
  });
});
