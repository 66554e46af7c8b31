// A registration's renewal without a ping-back (request-handler.ts, docs/security.md "Registration
// renewal"): a proven `r/i` from the address registered lately, with the key on record there, is
// taken as it comes; every other registration is pinged back as before. Virtual time, a real
// NancePeer registrar (SQLite store), raw probes or real peers for the registrants.
import { afterEach, describe, expect, it } from 'vitest';
import { type Probe, probeDefaults, SimHarness, type SimPeer } from '../../test/support/sim-harness.js';
import { DEFAULT_ANSWERED } from './answered-addresses.js';
import { KeyPair } from './identity/keys.js';
import { RENDEZVOUS_FRESH_MS } from './peer-directory.js';
import type { Endpoint } from './ports.js';

let h: SimHarness;
afterEach(async () => {
  probeDefaults.prove = false;
  await h.close();
});

const BOOTSTRAP: Endpoint = { host: '198.51.100.10', port: 3490 };
const AD = { v: 1, ext: ['page', 'proof', 'sig', 'punch'], role: 'peer', nat: 'Port Restricted Cone' };
const MINUTE = 60_000;
const code = (r: { obj: Record<string, unknown> }) => r.obj.r;

/** A registrar that pings nobody on its own (no sync loop): every ping it sends is a ping-back. */
function registrar(): SimPeer {
  return h.addPeer({ ...BOOTSTRAP, role: 'bootstrap', start: false });
}

/** A peer of ours at `n` holding a key (proven to a challenged ping), with the registrar's token. */
async function registrant(n: number, keyed = true): Promise<Probe> {
  const probe = h.probe({ host: `203.0.113.${n}`, port: 7000 });
  if (keyed) probe.withKey(KeyPair.generate());
  probe.answerPings(undefined, AD);
  return probe.prove(BOOTSTRAP);
}

let zs = 0;
/** An `r/i` from `p`, with the token it got from its ping (or `k`, when given). */
const register = (p: Probe, natConeType = 'Port Restricted Cone', k?: string) =>
  p.askOnce(
    { m: 'r', t: 'r', d: 'i', a: { natConeType }, z: `r${++zs}`, ...(k === undefined ? {} : { k }) },
    BOOTSTRAP,
    3_000,
  );
const pingsTo = (p: Probe) => p.received.filter((r) => r.obj?.m === 'p').length;

async function listed(at: Endpoint): Promise<boolean> {
  const asker = h.probe({ host: '203.0.113.99', port: 7000 + ++zs });
  const answer = await asker.askOnce(
    { m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 50, nat: true }, z: `gi${zs}` },
    BOOTSTRAP,
  );
  const peers = (answer.obj.c as { peers: { ip: string; port: number }[] }).peers;
  return peers.some((p) => p.ip === at.host && p.port === at.port);
}

describe('a registration renewal', () => {
  it('proven, from the address registered lately, with its key on record: no ping-back, and it stays listed', async () => {
    h = new SimHarness({ latencyMs: 10 });
    probeDefaults.prove = true;
    const boot = registrar();
    const peer = await registrant(20);
    const first = await register(peer);
    expect(code(first)).toBe(0);
    expect(pingsTo(peer)).toBe(1); // the first registration's ping-back (it proved the key)
    expect(boot.peer.keyAt(peer.endpoint)).toBeDefined();

    // Renewed every 5 minutes (a peer's rejoin) with the token the last answer gave: answered 0
    // at once, no ping-back, however long ago it last pinged the registrar.
    let token = (first.obj.c as { k?: unknown }).k;
    for (let i = 0; i < 6; i++) {
      await h.advance(5 * MINUTE);
      expect(typeof token).toBe('string');
      const sent = h.clock.now();
      const renewal = await register(peer, 'Port Restricted Cone', token as string);
      expect(code(renewal)).toBe(0);
      expect(renewal.at - sent).toBeLessThan(40); // one round trip (10 ms each way), no ping-back's
      token = (renewal.obj.c as { k?: unknown }).k;
    }
    expect(pingsTo(peer)).toBe(1);
    // 30 minutes after the only answer it gave: listed still (each proven renewal showed it alive).
    expect(30 * MINUTE).toBeGreaterThan(DEFAULT_ANSWERED.maxAgeMs);
    expect(await listed(peer.endpoint)).toBe(true);

    // With the token it got 30 minutes ago (aged out; so after a registrar's restart): not a
    // ping-back but a fresh token to resend with (r: 4), as the request engine does; then 0.
    await h.advance(MINUTE);
    const stale = await register(peer);
    expect(code(stale)).toBe(4);
    const fresh = (stale.obj.c as { k?: unknown }).k;
    expect(typeof fresh).toBe('string');
    const resent = await peer.askOnce(
      { m: 'r', t: 'r', d: 'i', a: { natConeType: 'Port Restricted Cone' }, z: stale.obj.z, k: fresh },
      BOOTSTRAP,
      3_000,
    );
    expect(code(resent)).toBe(0);
    expect(pingsTo(peer)).toBe(1);
  });

  it('anything else is pinged back: unproven (a spoofer has no token; a forged one gets r: 4), lapsed, another NAT type, symmetric, no key proven', async () => {
    h = new SimHarness({ latencyMs: 10 });
    probeDefaults.prove = true;
    registrar();

    // Unproven: what a spoofer sends from the registrant's address. It cannot answer for it.
    const spoofed = await registrant(21);
    expect(code(await register(spoofed))).toBe(0);
    spoofed.unproven().stopAnswering();
    await h.advance(MINUTE);
    expect(code(await register(spoofed))).toBe(3);
    expect(pingsTo(spoofed)).toBeGreaterThan(1);
    // With a forged token: a small r: 4 to the address (fewer bytes than the spoof), nothing more.
    const forged = await registrant(26);
    expect(code(await register(forged))).toBe(0);
    const before = forged.received.length;
    const answer = await forged.askOnce(
      { m: 'r', t: 'r', d: 'i', a: { natConeType: 'Port Restricted Cone' }, z: 'forged', k: 'f'.repeat(48) },
      BOOTSTRAP,
      3_000,
    );
    expect(code(answer)).toBe(4);
    expect(forged.received.length - before).toBe(1);

    // Lapsed: the last registration is older than a registration lasts.
    const lapsed = await registrant(22);
    expect(code(await register(lapsed))).toBe(0);
    await h.advance(RENDEZVOUS_FRESH_MS);
    await lapsed.prove(BOOTSTRAP); // its token aged too: a fresh one, as a rejoin's ping gets
    expect(code(await register(lapsed))).toBe(0);
    expect(pingsTo(lapsed)).toBe(2);

    // Another NAT type than it registered with.
    const changed = await registrant(23);
    expect(code(await register(changed))).toBe(0);
    expect(code(await register(changed, 'Restricted Cone'))).toBe(0);
    expect(pingsTo(changed)).toBe(2);

    // Behind a symmetric NAT: its home introduces it to everyone with the token the answer renews.
    const symmetric = await registrant(24);
    expect(code(await register(symmetric, 'Symmetric'))).toBe(0);
    expect(code(await register(symmetric, 'Symmetric'))).toBe(0);
    expect(pingsTo(symmetric)).toBe(2);

    // No key proven at its address (it answered the challenge without a proof).
    const keyless = await registrant(25, false);
    expect(code(await register(keyless))).toBe(0);
    expect(code(await register(keyless))).toBe(0);
    expect(pingsTo(keyless)).toBe(2);
  });

  it('a peer whose home took its renewals without pinging it back is still introduced: the stale n/p token is renewed on the way', async () => {
    h = new SimHarness({ latencyMs: 10 });
    // The bootstrap samples no peer for liveness: the tokens it holds come from ping-backs alone.
    const boot = h.addPeer({ ...BOOTSTRAP, role: 'bootstrap', config: { sync: { fanOut: 0 } } });
    const publicOf = (n: number): Endpoint => ({ host: `198.51.100.${n}`, port: 7000 });
    const natted = (n: number) =>
      h.addPeer({
        host: `10.${n}.0.10`,
        port: 7000,
        nat: { behaviour: 'port-restricted', publicHost: publicOf(n).host },
        config: {
          bootstrapPeers: [BOOTSTRAP],
          natType: 'Port Restricted Cone',
          publicEndpoint: publicOf(n),
          sync: { intervalMs: 10_000 },
        },
      });
    const target = natted(31);
    await h.advance(30 * MINUTE);
    const pingBacks = boot.tap.sentWhere((o, r) => o.m === 'p' && r.peer.host === publicOf(31).host);
    const registrations = boot.tap.receivedWhere((o) => o.m === 'r' && o.t === 'r' && o.d === 'i');
    // It renewed its registration every round (no ordinary peer in its view); the home pinged it
    // back once, for the first.
    expect(registrations.length).toBeGreaterThan(10);
    expect(pingBacks.length).toBe(1);

    // A newcomer learns it from the home and reaches it through it: the home's n/p carries a token
    // older than tokens last, is answered with a fresh one (r: 4), and is sent again.
    const asker = natted(41);
    await h.advance(MINUTE);
    const renewedPunchToken = target.tap.sentWhere((o) => o.m === 'R' && o.r === 4);
    expect(asker.peer.knownPeers().some((p) => p.host === publicOf(31).host)).toBe(true);
    const knocksAnswered = asker.tap.receivedWhere(
      (o, r) => o.m === 'R' && r.peer.host === publicOf(31).host && o.r === 0,
    );
    expect(knocksAnswered.length).toBeGreaterThan(0);
    expect(renewedPunchToken.length).toBeGreaterThan(0);
  });

  it('a peer that pings its home no more (open: no keepalive) renews with the token each answer gives', async () => {
    h = new SimHarness({ latencyMs: 10 });
    const boot = h.addPeer({ ...BOOTSTRAP, role: 'bootstrap', config: { sync: { fanOut: 0 } } });
    const open = h.addPeer({
      host: '198.51.100.31',
      port: 7000,
      // It syncs no peer (fanOut 0): it only joins its home, every round, as a peer with no view.
      config: {
        bootstrapPeers: [BOOTSTRAP],
        natType: 'Open Internet',
        sync: { intervalMs: 10_000, fanOut: 0, rejoinMs: 5 * MINUTE },
      },
    });
    await h.advance(45 * MINUTE);
    const toIt = (r: { peer: Endpoint }) => r.peer.host === open.endpoint.host;
    expect(boot.tap.receivedWhere((o, r) => toIt(r) && o.t === 'r' && o.d === 'i').length).toBeGreaterThan(
      10,
    );
    expect(boot.tap.receivedWhere((o, r) => toIt(r) && o.m === 'p').length).toBe(1); // its first join
    // One ping-back (the first registration), and no renewal had to be resent with a fresh token.
    expect(boot.tap.sentWhere((o, r) => toIt(r) && o.m === 'p')).toHaveLength(1);
    expect(boot.tap.sentWhere((o, r) => toIt(r) && o.r === 4)).toEqual([]);
  });
});
