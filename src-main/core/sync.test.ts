// Joining and staying joined, over the simulator: a bootstrap and three peers find each other,
// keep only peers that answer, learn each other's chats, read and post remotely, drop the silent,
// and honour intervalMs and fanOut.
import { afterEach, describe, expect, it } from 'vitest';
import { SimHarness, type SimPeer } from '../../test/support/sim-harness.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { Endpoint } from './ports.js';
import { endpointKey } from './ports.js';

let h: SimHarness;
afterEach(() => h.close());

const keys = (list: Endpoint[]) => list.map(endpointKey).sort();
const known = (p: SimPeer) => keys(p.peer.knownPeers());

/** `refreshMs` 0: every sync is a full one (ping, g/i, g/c, r/i), as with base peers. */
function network(intervalMs = 1000, refreshMs?: number) {
  h = new SimHarness({ seed: 5 });
  const boot = h.addPeer({ role: 'bootstrap', config: { sync: { intervalMs } } });
  const sync = { intervalMs, ...(refreshMs === undefined ? {} : { refreshMs }) };
  const peers = [1, 2, 3].map(() => h.addPeer({ config: { bootstrapPeers: [boot.endpoint], sync } }));
  return { boot, peers: peers as [SimPeer, SimPeer, SimPeer] };
}

describe('joining through a bootstrap', () => {
  it('peers find each other, keep only those that answer, and learn their chats', async () => {
    const { boot, peers } = network();
    const [p1, p2, p3] = peers;
    // A registered peer that answers the bootstrap's pings but nobody else's.
    const ghost = h
      .probe({ host: '10.0.0.50', port: 7000 })
      .answerPings((from) => from.host === boot.endpoint.host);
    const reg = await ghost.askOnce(
      { m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' }, z: 'ghost' },
      boot.endpoint,
      2000,
    );
    expect(reg.obj.r).toBe(0);
    const chats = await Promise.all(
      peers.map((p, i) => h.settle(p.peer.createChat(`room ${i + 1}`, `hi ${i + 1}`, 'first'))),
    );

    await h.advance(30_000);

    for (const p of peers) {
      const others = peers.filter((o) => o !== p).map((o) => o.endpoint);
      expect(known(p)).toEqual(keys([boot.endpoint, ...others]));
      expect(p.peer.bootstrapStates()).toEqual([{ endpoint: boot.endpoint, state: 'registered' }]);
      // Its chat list knows the other two hosts' chats.
      const remote = p.peer.remoteChats();
      for (const o of peers.filter((o) => o !== p)) {
        const entry = remote.find((r) => endpointKey(r.host) === endpointKey(o.endpoint));
        expect(entry?.error).toBeUndefined();
        expect(entry?.chats.map((c) => c.name)).toEqual([`room ${peers.indexOf(o) + 1}`]);
      }
    }
    expect(known(boot)).toEqual(keys([{ host: '10.0.0.50', port: 7000 }, ...peers.map((p) => p.endpoint)]));
    // The ghost was listed to the peers (they pinged it) but none kept it.
    const askedBy = new Set(ghost.received.filter((r) => r.obj?.m === 'p').map((r) => r.peer.host));
    expect(askedBy.size).toBeGreaterThan(1);
    expect(
      ghost.received.filter((r) => r.obj?.m === 'p' && r.peer.host === p1.endpoint.host).length,
    ).toBeGreaterThan(0);

    // Read and post across peers through the client API.
    const [c1, c2] = chats;
    if (!c1 || !c2) throw new Error('chats');
    const read = await h.settle(p1.peer.readChat(p2.endpoint, c2.uuid));
    expect(read.map((m) => [m.name, m.content])).toEqual([['first', 'hi 2']]);
    await h.settle(p1.peer.postMessage(p2.endpoint, c2.uuid, 'p1', 'hello from p1'));
    expect(p2.store.listMessages(c2.uuid, 0, 10).map((m) => m.content)).toEqual(['hi 2', 'hello from p1']);
    const seenBy3 = await h.settle(p3.peer.readChat(p2.endpoint, c2.uuid));
    expect(seenBy3.map((m) => m.content)).toEqual(['hi 2', 'hello from p1']);
    await h.settle(p3.peer.postMessage(p1.endpoint, c1.uuid, 'p3', 'and from p3'));
    expect(p1.peer.myChats()[0]?.messageCount).toBe(2);
  });

  it('shows a host online again as soon as it answers a read, not at the next sync round', async () => {
    // Rounds every 10 min, the first one over: only the read can clear the offline state here.
    const { peers } = network(600_000);
    const [p1, , p3] = peers;
    await h.advance(5_000);
    const chat = await h.settle(p3.peer.createChat('back soon', 'x', 'first'));
    await h.settle(p1.peer.refreshChats(p3.endpoint));
    h.net.partition(p1.endpoint, p3.endpoint);
    const failed = await h.settle(p1.peer.refreshChats(p3.endpoint));
    expect(failed).toMatchObject({ error: 'timeout', chats: [{ name: 'back soon' }] });
    expect(failed.offlineSince).toBeTypeOf('number');

    h.net.heal(p1.endpoint, p3.endpoint);
    let changed = 0;
    p1.peer.events.on('chatsChanged', () => changed++);
    await h.settle(p1.peer.readChat(p3.endpoint, chat.uuid));
    const entry = p1.peer.remoteChats().find((r) => endpointKey(r.host) === endpointKey(p3.endpoint));
    expect(entry).toMatchObject({ error: undefined, chats: [{ name: 'back soon' }] });
    expect(entry?.offlineSince).toBeUndefined();
    expect(changed).toBe(1);
  });

  it('drops a peer that goes silent after its failures, everywhere, but keeps its chats listed as offline', async () => {
    const { boot, peers } = network(1000, 0);
    const [p1, p2, p3] = peers;
    await h.settle(p3.peer.createChat('doomed', 'x', 'first'));
    await h.advance(10_000);
    expect(known(p1)).toContain(endpointKey(p3.endpoint));
    expect(p1.peer.remoteChats().some((r) => endpointKey(r.host) === endpointKey(p3.endpoint))).toBe(true);

    await p3.peer.close();
    // One failed round is not enough to forget it...
    await h.advance(7_000);
    expect(known(p1)).toContain(endpointKey(p3.endpoint));
    const entry = p1.peer.remoteChats().find((r) => endpointKey(r.host) === endpointKey(p3.endpoint));
    expect(entry?.error).toBe('timeout');
    expect(entry?.chats.map((c) => c.name)).toEqual(['doomed']);
    // ...three are.
    await h.advance(40_000);
    for (const p of [boot, p1, p2]) expect(known(p)).not.toContain(endpointKey(p3.endpoint));
    expect(known(p1)).toEqual(keys([boot.endpoint, p2.endpoint]));
    // Its chats stay in the list, greyed "offline since" its first failure (the window shows them).
    const offline = p1.peer.remoteChats().find((r) => endpointKey(r.host) === endpointKey(p3.endpoint));
    expect(offline?.chats.map((c) => c.name)).toEqual(['doomed']);
    expect(offline?.error).toBe('timeout');
    expect(offline?.offlineSince).toBeLessThanOrEqual(h.clock.now() - 40_000);
    const list = await h
      .probe()
      .askOnce({ m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 10 }, z: 'gi' }, boot.endpoint);
    expect((list.obj.c as { peers: { ip: string }[] }).peers.map((p) => p.ip).sort()).toEqual([
      '10.0.0.2',
      '10.0.0.3',
    ]);
  });

  it('a bootstrap that does not answer is reported unreachable; one that refuses, refused', async () => {
    h = new SimHarness();
    const refusing = h.probe({ host: '10.0.0.60', port: 7000 });
    // Answers every request with 2, like a base peer that does not like us.
    refusing.transport.onDatagram((data, from) => {
      const z = JSON.parse(Buffer.from(Buffer.from(data).toString(), 'base64').toString()).z;
      refusing.send({ m: 'R', r: 2, c: {}, z }, from);
    });
    const p = h.addPeer({
      config: {
        bootstrapPeers: [{ host: '10.0.0.99', port: 7000 }, refusing.endpoint],
        sync: { intervalMs: 1000 },
      },
    });
    await h.advance(10_000);
    expect(p.peer.bootstrapStates().map((b) => b.state)).toEqual(['unreachable', 'refused']);
    expect(p.peer.knownPeers()).toEqual([]);
  });
});

describe('syncNow', () => {
  it('waits out a round already running, then runs a whole round of its own', async () => {
    const { peers } = network(600_000);
    const [p1, p2] = peers;
    await h.advance(5_000); // the start-up rounds are done
    const done: string[] = [];
    const first = p1.peer.syncNow().then(() => done.push('first'));
    // Asked while the first round runs: a round that skipped (returned at once) would leave a chat
    // created now unseen although the caller just asked for a sync.
    const chat = await h.settle(p2.peer.createChat('late', 'made during a round', 'p2'));
    const second = p1.peer.syncNow().then(() => done.push('second'));
    await h.settle(Promise.all([first, second]));
    expect(done).toEqual(['first', 'second']);
    const entry = p1.peer.remoteChats().find((r) => endpointKey(r.host) === endpointKey(p2.endpoint));
    expect(entry?.chats.map((c) => c.uuid)).toContain(chat.uuid);
  });
});

describe('sync settings', () => {
  /** A peer (not started) that already knows `n` live peers. */
  function seeded(
    n: number,
    sync: { fanOut?: number; intervalMs?: number; refreshMs?: number },
    start = false,
  ) {
    h = new SimHarness();
    const targets = Array.from({ length: n }, (_, i) => h.addPeer({ host: `10.0.2.${i + 1}`, start: false }));
    const me = h.addPeer({ host: '10.0.0.1', start: false, config: { sync } });
    for (const t of targets) {
      me.store.upsertPeer({
        ...t.endpoint,
        natType: 'Full Cone',
        role: 'peer',
        firstSeen: h.clock.now(),
        lastSeen: h.clock.now(),
        failures: 0,
      });
    }
    if (start) me.peer.start();
    return { me, targets };
  }

  const sentTo = (me: SimPeer, pred: (o: Record<string, unknown>) => boolean) =>
    me.tap.sentWhere(pred).map((r) => endpointKey(r.peer));

  it.each([1, 3])(
    'fanOut %i: each round syncs that many peers, least recently synced first',
    async (fanOut) => {
      const { me, targets } = seeded(4, { fanOut, refreshMs: 0 });
      const rounds: string[][] = [];
      for (let round = 0; round < 4; round++) {
        const before = me.tap.sent.length;
        await h.settle(me.peer.syncNow(), 10_000);
        const sent = me.tap.sent.slice(before);
        const pings = sent.filter((r) => r.obj?.m === 'p').map((r) => endpointKey(r.peer));
        rounds.push(pings);
        expect(pings).toHaveLength(fanOut);
        for (const kind of ['c', 'i']) {
          expect(sent.filter((r) => r.obj?.t === 'g' && r.obj?.d === kind)).toHaveLength(fanOut);
        }
        expect(sent.filter((r) => r.obj?.t === 'r' && r.obj?.d === 'i')).toHaveLength(fanOut);
      }
      // Least recently synced first: the first rounds cover every target before repeating one.
      const firstCover = rounds.flat().slice(0, 4);
      expect(new Set(firstCover)).toEqual(new Set(targets.map((t) => endpointKey(t.endpoint))));
      expect(sentTo(me, (o) => o.m === 'p')).toHaveLength(4 * fanOut);
    },
  );

  it('with peers that gossip: a full sync once per refreshMs, only a g/i shuffle in between', async () => {
    const { me } = seeded(4, { fanOut: 4, refreshMs: 60_000 });
    const kinds = async () => {
      const before = me.tap.sent.length;
      await h.settle(me.peer.syncNow(), 10_000);
      const sent = me.tap.sent.slice(before);
      const count = (t: string, d: string) => sent.filter((r) => r.obj?.t === t && r.obj?.d === d).length;
      return {
        pings: sent.filter((r) => r.obj?.m === 'p').length,
        gi: count('g', 'i'),
        gc: count('g', 'c'),
        ri: count('r', 'i'),
      };
    };
    expect(await kinds()).toEqual({ pings: 4, gi: 4, gc: 4, ri: 4 });
    for (let round = 0; round < 3; round++) {
      await h.advance(15_000);
      expect(await kinds()).toEqual({ pings: 0, gi: 4, gc: 0, ri: 0 });
    }
    await h.advance(20_000);
    expect(await kinds()).toEqual({ pings: 4, gi: 4, gc: 4, ri: 4 });
  });

  it('refresh (the user asked for fresh lists): a full sync with each peer of the round, even between full syncs', async () => {
    const { me } = seeded(4, { fanOut: 4, refreshMs: 60_000 });
    const kinds = async (run: () => Promise<void>) => {
      const before = me.tap.sent.length;
      await h.settle(run(), 10_000);
      const sent = me.tap.sent.slice(before);
      return {
        gi: sent.filter((r) => r.obj?.t === 'g' && r.obj?.d === 'i').length,
        gc: sent.filter((r) => r.obj?.t === 'g' && r.obj?.d === 'c').length,
      };
    };
    expect(await kinds(() => me.peer.syncNow())).toMatchObject({ gc: 4 });
    await h.advance(15_000);
    expect(await kinds(() => me.peer.syncNow())).toEqual({ gi: 4, gc: 0 });
    await h.advance(15_000);
    expect(await kinds(() => me.peer.refreshLists())).toMatchObject({ gc: 4 });
  });

  it.each([
    [2000, 6],
    [5000, 3],
  ])(
    'intervalMs %i: rounds start that long after the previous one ends',
    async (intervalMs, expectedRounds) => {
      const { me } = seeded(2, { intervalMs, refreshMs: 0 }, true);
      const start = h.clock.now();
      await h.advance(10_500);
      const roundStarts = [...new Set(me.tap.sentWhere((o) => o.m === 'p').map((r) => r.at - start))];
      expect(roundStarts).toHaveLength(expectedRounds);
      expect(roundStarts[0]).toBe(0);
      for (let i = 1; i < roundStarts.length; i++) {
        const gap = (roundStarts[i] as number) - (roundStarts[i - 1] as number);
        expect(gap).toBeGreaterThanOrEqual(intervalMs);
        expect(gap).toBeLessThan(intervalMs + 100);
      }
    },
  );

  it.each([
    ['while pinging a known peer', false],
    ['while registering with a bootstrap', true],
  ])('closing mid-round (%s) counts no failure and throws nothing', async (_, withBootstrap) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      h = new SimHarness();
      const bootstrapPeers = withBootstrap ? [{ host: '10.0.9.8', port: 7000 }] : [];
      const me = h.addPeer({
        store: 'temp',
        start: false,
        config: { bootstrapPeers, sync: { intervalMs: 1000 } },
      });
      const silent = { host: '10.0.9.9', port: 7000 };
      me.store.upsertPeer({
        ...silent,
        natType: 'Full Cone',
        role: 'peer',
        firstSeen: 0,
        lastSeen: 0,
        failures: 0,
      });
      me.peer.start();
      await h.advance(100); // a request to a silent address is in flight
      await me.peer.close();
      await h.advance(10_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const reopened = SqliteStore.open({ path: me.storePath, now: () => h.clock.now() });
      try {
        expect(reopened.getPeer(silent.host, silent.port)?.failures).toBe(0);
      } finally {
        reopened.close();
      }
      expect(unhandled.map(String)).toEqual([]);
      expect(me.logs.filter((l) => l.level === 'error')).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
