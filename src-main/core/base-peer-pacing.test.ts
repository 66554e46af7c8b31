// The rules toward base peers (docs/protocol.md, "Toward base peers"), each on the simulator with a
// raw endpoint that answers like a base peer (no `nance` advertisement), slowly.
import { afterEach, describe, expect, it } from 'vitest';
import { encodeWire, type Probe, SimHarness } from '../../test/support/sim-harness.js';
import { DEFAULT_BASE_PACING } from './base-peer-pacing.js';
import { NanceError } from './errors.js';

let h: SimHarness;
afterEach(() => h.close());

/** A base peer at 10.0.0.9 that answers pings at once and every request after `delayMs` with 0. */
function slowBasePeer(delayMs: number, nance = false): Probe {
  const probe = h.probe({ host: '10.0.0.9', port: 7000 });
  probe.transport.onDatagram((data, from) => {
    const obj = JSON.parse(Buffer.from(Buffer.from(data).toString('latin1'), 'base64').toString('utf8'));
    if (obj.m === 'p') {
      const c = nance ? { nance: { v: 1, ext: ['page', 'punch'], role: 'peer' } } : {};
      probe.send(encodeWire({ m: 'R', r: 0, c, z: obj.z }), from);
    } else if (obj.m === 'r') {
      const lists: Record<string, object> = { c: { chats: [] }, m: { messages: [] }, i: { peers: [] } };
      const c = obj.t === 'g' ? lists[obj.d] : {};
      h.clock.setTimeout(() => probe.send(encodeWire({ m: 'R', r: 0, c, z: obj.z }), from), delayMs);
    }
  });
  return probe;
}

const storeRequests = (p: Probe) => p.received.filter((r) => r.obj?.m === 'r');

describe('toward a base peer', () => {
  it('one store request in flight: the next goes only after the answer and a gap', async () => {
    h = new SimHarness();
    const base = slowBasePeer(400);
    const me = h.addPeer({ start: false });
    const chats = [1, 2, 3].map(() => me.peer.refreshChats(base.endpoint));
    await h.settle(Promise.all(chats), 10_000, 10);
    const at = storeRequests(base).map((r) => r.at);
    expect(at).toHaveLength(3);
    for (let i = 1; i < at.length; i++) {
      // answer after 400 ms (+ 2 × 5 ms latency), then the gap
      expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(400 + DEFAULT_BASE_PACING.gapMs);
    }
  });

  it('a queue over its bound fails at once with a clear error and sends nothing more', async () => {
    h = new SimHarness();
    const base = slowBasePeer(1_000);
    const me = h.addPeer({ start: false });
    const { maxQueued } = DEFAULT_BASE_PACING;
    const posts = Array.from({ length: maxQueued + 2 }, (_, i) =>
      me.peer.postMessage(base.endpoint, 'c', 'n', `m${i}`).then(
        () => 'ok',
        (err: unknown) => err,
      ),
    );
    await h.advance(50); // the learning ping (it answers as a base peer), then the queue
    const refused = await posts[maxQueued + 1];
    expect(refused).toBeInstanceOf(NanceError);
    expect((refused as NanceError).message).toMatch(/is busy: 16 requests already wait/);
    expect(storeRequests(base)).toHaveLength(1);
    expect(await h.settle(Promise.all(posts.slice(0, maxQueued + 1)), 60_000, 50)).toEqual(
      Array(maxQueued + 1).fill('ok'),
    );
  });

  it('first resend no sooner than 1.5 s; a registration is sent once and waits long for its answer', async () => {
    h = new SimHarness();
    const base = slowBasePeer(1_400);
    const me = h.addPeer({ config: { bootstrapPeers: [{ host: '10.0.0.9', port: 7000 }] }, start: false });
    await h.settle(me.peer.syncNow(), 30_000, 10);
    const sent = storeRequests(base);
    // r/i first (answered after 1.4 s, not resent), then g/i: never two at once, none sent twice.
    expect(sent.slice(0, 2).map((r) => `${r.obj?.t}/${r.obj?.d}`)).toEqual(['r/i', 'g/i']);
    expect(new Set(sent.map((r) => r.obj?.z)).size).toBe(sent.length);
    for (let i = 1; i < sent.length; i++) {
      expect((sent[i]?.at ?? 0) - (sent[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(1_400);
    }
    expect(me.peer.bootstrapStates()[0]?.state).toBe('registered');
  });

  it('a peer never pinged is asked what it is first (one ping for all waiting): ours then gets its requests at once', async () => {
    h = new SimHarness();
    const ours = slowBasePeer(400, true);
    const me = h.addPeer({ start: false });
    const lists = [1, 2, 3].map(() => me.peer.refreshChats(ours.endpoint));
    await h.advance(30);
    expect(ours.received.filter((r) => r.obj?.m === 'p')).toHaveLength(1);
    expect(storeRequests(ours)).toHaveLength(3); // not paced: it advertised nance
    await h.settle(Promise.all(lists), 10_000, 10);
  });

  it('a never-pinged peer that answers its learning ping as a base peer is paced', async () => {
    h = new SimHarness();
    const base = slowBasePeer(400);
    const me = h.addPeer({ start: false });
    const lists = [1, 2].map(() => me.peer.refreshChats(base.endpoint));
    await h.settle(Promise.all(lists), 10_000, 10);
    expect(base.received.filter((r) => r.obj?.m === 'p')).toHaveLength(1);
    const [a = 0, b = 0] = storeRequests(base).map((r) => r.at);
    expect(b - a).toBeGreaterThanOrEqual(400 + DEFAULT_BASE_PACING.gapMs);
  });
});
