// The NAT traversal extension against a peer that speaks only the base protocol (./base-peer.ts):
// base peers never see an n/* request or g/i's nat flag from us, refuse them with 2 when sent one,
// and only learn NAT types they accept. Real UDP on 127.0.0.1. (interop.test.ts covers the base
// protocol itself and the client-only state of every NAT type; this adds what is on the wire.)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NanceError } from '../../src-main/core/errors.js';
import { NancePeer, type PeerConfig } from '../../src-main/core/peer.js';
import { PeerClient } from '../../src-main/core/peer-client.js';
import type { Endpoint } from '../../src-main/core/ports.js';
import { RequestEngine, type RetryPolicy } from '../../src-main/core/request-engine.js';
import { DEFAULT_TRAVERSAL } from '../../src-main/core/traversal/traversal.js';
import { systemClock } from '../../src-main/net/system-clock.js';
import { UdpTransport } from '../../src-main/net/udp-transport.js';
import { SqliteStore } from '../../src-main/store/sqlite-store.js';
import { decodeDatagram, type NatType } from '../../src-shared/protocol/index.js';
import { BasePeer, type BasePeerOptions } from './base-peer.js';

const HOST = '127.0.0.1';
const FAST_RETRY: RetryPolicy = { timeoutMs: 100, attempts: 3, backoff: 1.5, jitter: 0.1 };
const TOKEN = '5f1c0b4e-8d2a-4c7e-9b3f-0a1b2c3d4e5f';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startBase(options: BasePeerOptions = {}): Promise<BasePeer> {
  const base = await BasePeer.start(options);
  cleanups.push(() => base.close());
  return base;
}

async function startOurs(config: Partial<PeerConfig> = {}): Promise<{ peer: NancePeer; endpoint: Endpoint }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nance-interop-nat-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const transport = await UdpTransport.bind({ host: HOST, port: 0 });
  const store = SqliteStore.open({ path: path.join(dir, 'nance.db'), now: Date.now, durability: 'normal' });
  const endpoint = transport.localEndpoint();
  const peer = new NancePeer(
    { transport, clock: systemClock, store },
    {
      retry: FAST_RETRY,
      pingBack: { timeoutMs: 100, attempts: 2, backoff: 1.5 },
      publicEndpoint: endpoint,
      ...config,
      traversal: {
        ...(config.traversal ?? DEFAULT_TRAVERSAL),
        // Short direct checks: everything is on loopback.
        directCheck: { timeoutMs: 100, attempts: 2, backoff: 1.5 },
      },
    },
  );
  cleanups.push(() => peer.close());
  return { peer, endpoint };
}

/** Our client layer alone, to send the n/* requests a NancePeer would never send a base peer. */
async function startClient(): Promise<PeerClient> {
  const transport = await UdpTransport.bind({ host: HOST, port: 0 });
  const engine = new RequestEngine(transport, systemClock, FAST_RETRY);
  transport.onDatagram((data, from) => {
    const decoded = decodeDatagram(data);
    if (decoded.kind === 'response') engine.handleResponse(decoded.response, decoded.z, from);
  });
  cleanups.push(async () => {
    engine.close();
    await transport.close();
  });
  return new PeerClient(engine, (data, to) => transport.send(data, to));
}

async function rejection(promise: Promise<unknown>): Promise<NanceError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(NanceError);
    return err as NanceError;
  }
  throw new Error('expected a rejection');
}

const same = (a: Endpoint, b: Endpoint) => a.host === b.host && a.port === b.port;
const wireKind = (obj: Record<string, unknown> | undefined) =>
  obj?.m === 'p' ? 'p' : `${String(obj?.t)}/${String(obj?.d)}`;

describe('base peers never see the traversal extension from us', () => {
  it.each<[NatType, string]>([
    ['Port Restricted Cone', 'Restricted Cone'],
    ['Symmetric', 'nothing (client-only)'],
  ])('behind %s: no n/* and no nat flag on the wire; r/i announces %s', async (natType, announced) => {
    const bootstrap = await startBase({ role: 'bootstrap' });
    const reachable = await startBase();
    // Listed as behind a restricted NAT, and silent: a peer of ours would try to punch to it (it
    // cannot here: nobody around advertises punch) or to relay (nobody advertises relay).
    const silent = await startBase();
    silent.answering = false;
    expect((await reachable.register(bootstrap.endpoint(), 'Full Cone')).r).toBe(0);
    bootstrap.addPeer({ natConeType: 'Restricted Cone', ip: HOST, port: silent.endpoint().port });

    // Behind a symmetric NAT every address on our public IP counts as us (isSelf): on loopback that
    // would be every peer here, so that peer's public address is elsewhere, as it would be.
    const ours = await startOurs({
      bootstrapPeers: [bootstrap.endpoint()],
      natType,
      ...(natType === 'Symmetric' ? { publicEndpoint: { host: '203.0.113.9', port: 40_000 } } : {}),
    });
    await ours.peer.syncNow();
    await ours.peer.syncNow(); // a second round syncs with (and registers at) the verified peer

    const everything = [bootstrap, reachable, silent].flatMap((b) => b.requestsFrom(ours.endpoint));
    expect(everything.filter((r) => r.obj?.t === 'n')).toEqual([]);
    const listings = everything.filter((r) => wireKind(r.obj) === 'g/i');
    expect(listings.length).toBeGreaterThanOrEqual(2); // the bootstrap's and the reachable peer's
    // No `nat` flag: only the base field (50 from a bootstrap, the shuffle length from a peer).
    for (const r of listings) expect(Object.keys(r.obj?.a ?? {})).toEqual(['maxPeersLength']);

    // The peer that answers was verified; the silent one was not kept.
    const known = ours.peer.knownPeers();
    expect(known.some((k) => same(k, reachable.endpoint()))).toBe(true);
    expect(known.some((k) => same(k, silent.endpoint()))).toBe(false);

    const registrations = everything.filter((r) => wireKind(r.obj) === 'r/i');
    const state = ours.peer.bootstrapStates()[0]?.state;
    if (natType === 'Symmetric') {
      // No base peer could reach a symmetric NAT: no r/i at all, neither to the bootstrap nor to peers.
      expect(registrations).toEqual([]);
      expect(state).toBe('client-only');
      expect(bootstrap.peers().some((p) => p.port === ours.endpoint.port)).toBe(false);
    } else {
      expect(registrations.map((r) => r.obj?.a)).toEqual(
        registrations.map(() => ({ natConeType: announced })),
      );
      expect(bootstrap.requestsFrom(ours.endpoint).some((r) => wireKind(r.obj) === 'r/i')).toBe(true);
      expect(reachable.requestsFrom(ours.endpoint).some((r) => wireKind(r.obj) === 'r/i')).toBe(true);
      expect(state).toBe('registered');
      expect(bootstrap.peers()).toContainEqual({
        natConeType: announced,
        ip: HOST,
        port: ours.endpoint.port,
      });
      expect(reachable.peers()).toContainEqual({
        natConeType: announced,
        ip: HOST,
        port: ours.endpoint.port,
      });
    }
  });
});

describe('a base peer and the extension', () => {
  it('answers each with 2 (no c); our client turns that into a bad-request, and the peer still works', async () => {
    const base = await startBase({ quirks: true });
    const client = await startClient();
    const other = { host: HOST, port: 9 };

    const errors = [
      await rejection(client.introduce(base.endpoint(), other)),
      await rejection(client.askToPunch(base.endpoint(), other, TOKEN)),
      await rejection(client.knock(base.endpoint(), TOKEN)),
    ];
    for (const e of errors) {
      expect(e.kind).toBe('bad-request');
      expect(e.code).toBe(2);
    }
    const kinds = base.received.filter((r) => r.obj?.t === 'n').map((r) => wireKind(r.obj));
    expect(kinds).toEqual(['n/i', 'n/p', 'n/k']); // each sent once: a 2 is final, not retried
    for (const r of base.received.filter((x) => x.obj?.t === 'n')) {
      const answers = base.sent.filter((s) => s.obj.z === r.obj?.z);
      expect(answers.map((s) => s.obj)).toEqual([{ m: 'R', r: 2, z: r.obj?.z }]);
    }
    await expect(client.ping(base.endpoint())).resolves.toEqual({ ext: [], role: undefined });
  });

  it("a base peer's g/i (never with nat) lists base types only, and no symmetric peer", async () => {
    const ours = await startOurs({ natType: 'Open Internet' });
    const symmetric = await startOurs({ bootstrapPeers: [ours.endpoint], natType: 'Symmetric' });
    const portRestricted = await startOurs({
      bootstrapPeers: [ours.endpoint],
      natType: 'Port Restricted Cone',
    });
    await symmetric.peer.syncNow();
    await portRestricted.peer.syncNow();
    // Peers of ours register with their true types (our bootstrap traverses).
    const types = ours.peer.knownPeers().map((p) => [p.port, p.natType]);
    expect(types).toEqual(
      expect.arrayContaining([
        [symmetric.endpoint.port, 'Symmetric'],
        [portRestricted.endpoint.port, 'Port Restricted Cone'],
      ]),
    );

    const base = await startBase();
    const listed = await base.listPeers(ours.endpoint, 50);
    expect(listed.r).toBe(0);
    expect(listed.c?.peers).toEqual([
      { natConeType: 'Restricted Cone', ip: HOST, port: portRestricted.endpoint.port },
    ]);
  });
});
