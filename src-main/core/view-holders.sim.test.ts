// An ordinary peer in as many views as it serves asks new askers to leave it out of theirs
// (view-holders.ts): the first peers of a network would otherwise end up in half of all views.
import { afterEach, describe, expect, it } from 'vitest';
import { type Probe, probeDefaults, SimHarness } from '../../test/support/sim-harness.js';
import { type Endpoint, endpointKey } from './ports.js';
import { HOLDER_FRESH_MS, MAX_VIEW_HOLDERS } from './view-holders.js';

let h: SimHarness;
afterEach(async () => {
  probeDefaults.prove = false;
  await h.close();
});

const ask = async (probe: Probe, to: Endpoint, z: string, nat = true) => {
  const answer = await probe.askOnce({ m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 4, nat }, z }, to);
  return answer.obj.c as { peers?: unknown[]; busy?: boolean };
};

/** Peers of ours asking `to` for peers until it serves no more: the ones it took. */
async function fill(to: Endpoint): Promise<Probe[]> {
  probeDefaults.prove = true;
  const holders: Probe[] = [];
  for (let i = 0; i <= MAX_VIEW_HOLDERS; i++) {
    const p = h.probe({ host: `198.51.${100 + (i >> 8)}.${i & 255}`, port: 7000 });
    if ((await ask(p, to, `h${i}`)).busy) return holders;
    holders.push(p);
  }
  throw new Error(`${endpointKey(to)} took more than ${MAX_VIEW_HOLDERS} holders`);
}

describe('an ordinary peer in as many views as it serves', () => {
  it('answers a new asker busy (with its list), its holders as before, base askers as ever; room again once a holder lets go', async () => {
    h = new SimHarness({ latencyMs: 10 });
    const q = h.addPeer({ host: '203.0.113.20', port: 7000, start: false });
    const holders = await fill(q.endpoint);
    expect(holders).toHaveLength(MAX_VIEW_HOLDERS);

    const newcomer = h.probe({ host: '198.51.120.1', port: 7000 });
    const told = await ask(newcomer, q.endpoint, 'new');
    expect(told.busy).toBe(true);
    expect(Array.isArray(told.peers)).toBe(true); // a list still: to fill the room it frees
    expect((await ask(holders[0] as Probe, q.endpoint, 'again')).busy).toBeUndefined();
    // A base peer (no `nat`, no token) is never told: it would not understand.
    const base = h.probe({ host: '198.51.120.2', port: 7000 }).unproven();
    expect((await ask(base, q.endpoint, 'base', false)).busy).toBeUndefined();

    // Every holder but the first stops asking: after HOLDER_FRESH_MS they have let q go.
    await h.advance(HOLDER_FRESH_MS / 2);
    await ask(holders[0] as Probe, q.endpoint, 'keep');
    await h.advance(HOLDER_FRESH_MS / 2);
    expect((await ask(newcomer, q.endpoint, 'later')).busy).toBeUndefined();
  });

  it('a peer told busy drops it from its view, takes others, and does not verify it again for a while', async () => {
    h = new SimHarness({ latencyMs: 10 });
    const bootstrap = h.addPeer({ host: '203.0.113.1', port: 7000, role: 'bootstrap' });
    const config = { bootstrapPeers: [bootstrap.endpoint], sync: { intervalMs: 10_000 } };
    const hub = h.addPeer({ host: '203.0.113.20', port: 7000, config });
    for (const n of [21, 22, 23]) h.addPeer({ host: `203.0.113.${n}`, port: 7000, config });
    await h.advance(30_000);
    await fill(hub.endpoint);

    const late = h.addPeer({ host: '203.0.113.40', port: 7000, config });
    await h.advance(60_000);
    const hubKey = endpointKey(hub.endpoint);
    const told = late.tap.receivedWhere(
      (o, r) => endpointKey(r.peer) === hubKey && (o.c as { busy?: unknown } | undefined)?.busy === true,
    );
    expect(told.length).toBeGreaterThan(0);
    const known = () => late.store.listPeers().map((p) => endpointKey(p));
    expect(known()).not.toContain(hubKey);
    expect(known().length).toBeGreaterThanOrEqual(3); // the bootstrap and the others

    // The bootstrap lists the hub again at each join (5 min): not verified again meanwhile.
    const pingsAfter = told.at(-1)?.at ?? 0;
    await h.advance(HOLDER_FRESH_MS - 2 * 60_000);
    expect(known()).not.toContain(hubKey);
    expect(
      late.tap.sentWhere((o, r) => endpointKey(r.peer) === hubKey && o.m === 'p' && r.at > pingsAfter),
    ).toEqual([]);
  });
});
