// Every row and every code of protocol.md, in both roles, over the simulator with raw wire
// messages: the peer must put exactly these answers on the wire, once per request.
import { afterEach, describe, expect, it } from 'vitest';
import { base64Length, formatTimestamp, MAX_DATAGRAM_BYTES } from '../../src-shared/protocol/index.js';
import { encodeWire, type Probe, SimHarness, type WireRecord } from '../../test/support/sim-harness.js';
import { MAX_AUTHOR_FIELD_BYTES, MAX_MESSAGE_JSON_BYTES } from './chat-host.js';
import type { Endpoint } from './ports.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TS_RE = /^\d+\.\d{6}$/;
const PUBLIC_ASKER = { host: '198.51.100.7', port: 5000 };

let h: SimHarness;

afterEach(async () => {
  // Every request is answered exactly once: no probe ever saw two responses with one z.
  for (const probe of h.probes) {
    const counts = new Map<string, number>();
    for (const r of probe.responses()) {
      const z = r.obj?.z;
      if (typeof z === 'string') counts.set(z, (counts.get(z) ?? 0) + 1);
    }
    expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
  }
  await h.close();
});

function world(role: 'peer' | 'bootstrap' = 'peer', config: Parameters<SimHarness['addPeer']>[0] = {}) {
  h = new SimHarness();
  const host = h.addPeer({ role, ...config });
  return { host, to: host.endpoint, probe: h.probe() };
}

const err = (r: number, z: string) => `{"m":"R","r":${r},"c":{},"z":"${z}"}`;
const c = (rec: WireRecord) => rec.obj?.c as Record<string, unknown>;

/** JSON bytes of one stored message as the g/m list carries it, for a content of `k` ASCII chars. */
function messageJsonBytes(name: string, k: number, at: number): number {
  return JSON.stringify({
    uuid: 'u'.repeat(36),
    name,
    content: 'c'.repeat(k),
    timestamp: formatTimestamp(at),
  }).length;
}

async function silence(probe: Probe, message: object | string | Uint8Array, to: Endpoint): Promise<void> {
  const before = probe.received.length;
  probe.send(message, to);
  await h.advance(200);
  expect(probe.received.slice(before)).toEqual([]);
}

describe('ping', () => {
  it.each(['peer', 'bootstrap'] as const)(
    '%s answers 0 with its ad in c.nance and the same z',
    async (role) => {
      const { host, to, probe } = world(role);
      const answer = await probe.askOnce({ m: 'p', z: 'p-1' }, to);
      const id = host.peer.identity.publicKey;
      // A bootstrap, and a peer with no NAT, relay by default ('auto'); every peer of ours punches
      // and says its NAT type; a bootstrap heralds its symmetric peers' chats.
      const ext =
        role === 'bootstrap'
          ? ['page', 'proof', 'sig', 'herald', 'punch', 'relay']
          : ['page', 'proof', 'sig', 'push', 'gossip', 'punch', 'relay'];
      expect(answer.obj).toStrictEqual({
        m: 'R',
        r: 0,
        c: {
          nance: {
            v: 1,
            ext,
            role,
            nat: 'Open Internet',
            k: expect.stringMatching(/^[0-9a-z]+_[A-Za-z0-9_-]{22}$/),
            id, // named, not proven: the ping carried no challenge, so nothing was signed
          },
        },
        z: 'p-1',
      });
      expect(String(answer?.text).replace(/,"k":"[^"]+"/, '')).toBe(
        `{"m":"R","r":0,"c":{"nance":{"v":1,"ext":${JSON.stringify(ext)},"role":"${role}","nat":"Open Internet","id":"${id}"}},"z":"p-1"}`,
      );
    },
  );

  it('answers a ping without z without z', async () => {
    const { to, probe } = world();
    const [answer, ...more] = await probe.ask({ m: 'p' }, to);
    expect(more).toEqual([]);
    expect(answer?.obj).toMatchObject({ m: 'R', r: 0 });
    expect(answer?.obj).not.toHaveProperty('z');
  });
});

describe('g/c (list chats)', () => {
  it('lists the chats it hosts with uuid, name and a float-string timestamp, newest first', async () => {
    const { host, to, probe } = world();
    const a = await h.settle(host.peer.createChat('alpha', 'hi', 'first'));
    await h.advance(1500);
    const b = await h.settle(host.peer.createChat('beta', 'hey', 'first'));
    const answer = await probe.askOnce({ m: 'r', t: 'g', d: 'c', a: { maxChatsLength: 10 }, z: 'gc' }, to);
    expect(answer.obj).toMatchObject({ m: 'R', r: 0, z: 'gc' });
    expect(c(answer).chats).toStrictEqual([
      { uuid: b.uuid, name: 'beta', timestamp: formatTimestamp(b.createdAt) },
      { uuid: a.uuid, name: 'alpha', timestamp: formatTimestamp(a.createdAt) },
    ]);
    expect((c(answer).chats as { timestamp: string }[])[0]?.timestamp).toMatch(TS_RE);
    expect(b.uuid).toMatch(UUID_RE);
  });

  it('honours maxChatsLength, also as a numeric string', async () => {
    const { host, to, probe } = world();
    for (const name of ['a', 'b', 'c']) await h.settle(host.peer.createChat(name, 'x', 'first'));
    const one = await probe.askOnce({ m: 'r', t: 'g', d: 'c', a: { maxChatsLength: '1' }, z: 's1' }, to);
    expect(c(one).chats).toHaveLength(1);
    const two = await probe.askOnce({ m: 'r', t: 'g', d: 'c', a: { maxChatsLength: 2 }, z: 's2' }, to);
    expect(c(two).chats).toHaveLength(2);
  });

  it.each([
    ['missing', {}],
    ['zero', { maxChatsLength: 0 }],
    ['negative', { maxChatsLength: -3 }],
    ['not a number', { maxChatsLength: 'many' }],
    ['fractional', { maxChatsLength: 1.5 }],
  ])('answers 2 when maxChatsLength is %s', async (_, a) => {
    const { to, probe } = world();
    const answer = await probe.askOnce({ m: 'r', t: 'g', d: 'c', a, z: 'bad' }, to);
    expect(answer.text).toBe(err(2, 'bad'));
  });

  it('caps the list so the answer fits one datagram, even with a long escaped z', async () => {
    const { host, to, probe } = world();
    for (let i = 0; i < 220; i++) {
      await host.peer.createChat(`${String(i).padStart(3, '0')}${'n'.repeat(240)}`, 'x', 'first');
    }
    await h.advance(10);
    for (const z of ['cap', '\u0001'.repeat(256)]) {
      const answer = await probe.askOnce({ m: 'r', t: 'g', d: 'c', a: { maxChatsLength: 100_000 }, z }, to);
      expect(answer.obj.r).toBe(0);
      expect(answer.bytes.length).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
      const chats = c(answer).chats as unknown[];
      expect(chats.length).toBeGreaterThan(100);
      expect(chats.length).toBeLessThan(220);
    }
  });
});

describe('g/m (list messages)', () => {
  it("lists a chat's messages in order", async () => {
    const { host, to, probe } = world();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'first'));
    await h.settle(host.peer.postMessage(null, chat.uuid, 'bob', 'second'));
    const answer = await probe.askOnce({ m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid }, z: 'gm' }, to);
    expect(answer.obj).toMatchObject({ m: 'R', r: 0, z: 'gm' });
    const messages = c(answer).messages as Record<string, unknown>[];
    expect(messages.map((m) => [m.name, m.content])).toEqual([
      ['first', 'hello'],
      ['bob', 'second'],
    ]);
    for (const m of messages) {
      expect(Object.keys(m).sort()).toEqual(['content', 'name', 'timestamp', 'uuid']);
      expect(m.uuid).toMatch(UUID_RE);
      expect(m.timestamp).toMatch(TS_RE);
    }
  });

  it('answers exactly {"m":"R","r":10,"c":{},"z":"abc"} for an unknown chatUuid', async () => {
    const { to, probe } = world();
    const answer = await probe.askOnce({ m: 'r', t: 'g', d: 'm', a: { chatUuid: 'nope' }, z: 'abc' }, to);
    expect(answer.text).toBe('{"m":"R","r":10,"c":{},"z":"abc"}');
  });

  it.each([
    ['missing', {}],
    ['empty', { chatUuid: '' }],
    ['not a string', { chatUuid: 42 }],
  ])('answers 2 when chatUuid is %s', async (_, a) => {
    const { to, probe } = world();
    const answer = await probe.askOnce({ m: 'r', t: 'g', d: 'm', a, z: 'm2' }, to);
    expect(answer.text).toBe(err(2, 'm2'));
  });

  async function bigChat(host: ReturnType<typeof world>['host'], count: number) {
    const chat = await h.settle(host.peer.createChat('big', 'start', 'first'));
    for (let i = 1; i <= count; i++) {
      await host.peer.postMessage(
        null,
        chat.uuid,
        'writer',
        `${String(i).padStart(4, '0')}${'x'.repeat(1000)}`,
      );
    }
    await h.advance(10);
    return chat;
  }

  it('answers the newest messages that fit one datagram with truncated:true for a big chat', async () => {
    const { host, to, probe } = world();
    const chat = await bigChat(host, 80);
    for (const z of ['trunc', '\u0001'.repeat(256), '😀'.repeat(128)]) {
      const answer = await probe.askOnce({ m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid }, z }, to);
      expect(answer.obj.r).toBe(0);
      expect(answer.bytes.length).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
      // Nearly full: another 1 KB message would not have fitted.
      expect(answer.bytes.length).toBeGreaterThan(
        MAX_DATAGRAM_BYTES - 1500 - base64Length(JSON.stringify(z).length),
      );
      expect(c(answer).truncated).toBe(true);
      const contents = (c(answer).messages as { content: string }[]).map((m) =>
        Number(m.content.slice(0, 4)),
      );
      expect(contents.at(-1)).toBe(80);
      expect(contents).toEqual(contents.map((_, i) => 80 - contents.length + 1 + i));
      expect(contents.length).toBeGreaterThan(30);
    }
  });

  it('an untruncated answer says truncated:false', async () => {
    const { host, to, probe } = world();
    const chat = await bigChat(host, 3);
    const answer = await probe.askOnce(
      { m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid }, z: 'small' },
      to,
    );
    expect(c(answer).truncated).toBe(false);
    expect(c(answer).messages).toHaveLength(4);
  });

  it('pages with after/limit and returns seq and more', async () => {
    const { host, to, probe } = world();
    const chat = await bigChat(host, 9); // seq 1..10
    const first = await probe.askOnce(
      { m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid, after: 0, limit: 3 }, z: 'pg1' },
      to,
    );
    expect(first.obj.r).toBe(0);
    expect((c(first).messages as { seq: number }[]).map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(c(first).more).toBe(true);
    const rest = await probe.askOnce(
      { m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid, after: '3', limit: '100' }, z: 'pg2' },
      to,
    );
    expect((c(rest).messages as { seq: number }[]).map((m) => m.seq)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(c(rest).more).toBe(false);
    const past = await probe.askOnce(
      { m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid, after: 10 }, z: 'pg3' },
      to,
    );
    expect(c(past)).toMatchObject({ messages: [], more: false });
    const unknown = await probe.askOnce(
      { m: 'r', t: 'g', d: 'm', a: { chatUuid: 'zz', after: 0 }, z: 'pg4' },
      to,
    );
    expect(unknown.text).toBe(err(10, 'pg4'));
  });

  it.each([
    ['a short z', 'q'],
    ['a uuid z', '0b5e8f2c-8d7e-4a53-9a3c-0f4e5b6a7c8d'],
    ['a long escaped z', '\u0002'.repeat(100)],
  ])('keeps each page within maxBytes (%s) and pages through the whole chat', async (_, z) => {
    const { host, to, probe } = world();
    const chat = await h.settle(host.peer.createChat('pages', 'start', 'first'));
    // Messages of many sizes, so some page fills its budget to the last byte.
    for (let i = 2; i <= 150; i++) {
      await host.peer.postMessage(null, chat.uuid, 'w', 'x'.repeat(1 + ((i * 37) % 97)));
    }
    await h.advance(10);
    let asked = 0;
    // A page must hold its envelope, z and one (signed) message; below that only the "at least one
    // message" rule applies.
    const sizes = [512, 700, 1000, 1500, 4000, 9000, 12_000].filter(
      (n) => n > base64Length(JSON.stringify(z).length + 300 + MAX_AUTHOR_FIELD_BYTES),
    );
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    for (const maxBytes of sizes) {
      const seqs: number[] = [];
      let after = 0;
      for (let round = 0; round < 200; round++) {
        const answer = await probe.askOnce(
          { m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid, after, maxBytes }, z: `${z}${asked++}` },
          to,
          20,
        );
        expect(answer.obj.r).toBe(0);
        expect(answer.bytes.length).toBeLessThanOrEqual(maxBytes);
        const page = c(answer).messages as { seq: number }[];
        expect(page.length).toBeGreaterThan(0);
        seqs.push(...page.map((m) => m.seq));
        after = page.at(-1)?.seq ?? after;
        if (c(answer).more !== true) break;
      }
      expect(seqs).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    }
  });

  it('a page holds at least one message even when it alone exceeds maxBytes', async () => {
    const { host, to, probe } = world();
    const chat = await bigChat(host, 2);
    const answer = await probe.askOnce(
      { m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid, after: 1, maxBytes: 512 }, z: 'tiny' },
      to,
    );
    expect((c(answer).messages as { seq: number }[]).map((m) => m.seq)).toEqual([2]);
    expect(c(answer).more).toBe(true);
  });
});

describe('g/i (list peers) and r/i (register)', () => {
  async function register(probe: Probe, to: Endpoint, z: string, natConeType = 'Full Cone') {
    return probe.askOnce({ m: 'r', t: 'r', d: 'i', a: { natConeType }, z }, to, 2000);
  }

  it.each(['peer', 'bootstrap'] as const)(
    '%s: a registration whose ping-back is answered gets 0 and is listed as seen on the wire',
    async (role) => {
      const { to } = world(role);
      const member = h.probe({ host: '10.0.1.50', port: 4321 }).answerPings();
      const answer = await register(member, to, 'reg');
      expect(answer.text).toBe(err(0, 'reg'));
      expect(member.received.some((r) => r.obj?.m === 'p' && r.peer.host === to.host)).toBe(true);
      const asker = h.probe();
      const list = await asker.askOnce({ m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 10 }, z: 'gi' }, to);
      expect(list.obj).toMatchObject({ m: 'R', r: 0, z: 'gi' });
      expect(c(list).peers).toStrictEqual([{ natConeType: 'Full Cone', ip: '10.0.1.50', port: 4321 }]);
    },
  );

  it.each(['peer', 'bootstrap'] as const)(
    '%s: a registration whose ping-back goes unanswered gets 3 and is not listed',
    async (role) => {
      const { to } = world(role);
      const mute = h.probe({ host: '10.0.1.51', port: 4000 });
      const answer = await register(mute, to, 'mute');
      expect(answer.text).toBe(err(3, 'mute'));
      expect(mute.received.filter((r) => r.obj?.m === 'p').length).toBeGreaterThanOrEqual(1);
      const list = await h
        .probe()
        .askOnce({ m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 10 }, z: 'gi' }, to);
      expect(c(list).peers).toStrictEqual([]);
    },
  );

  it.each([
    ['unknown', { natConeType: 'Banana Cone' }],
    ['missing', {}],
    ['not a string', { natConeType: 1 }],
  ])('answers 2 to a registration whose natConeType is %s', async (_, a) => {
    const { to } = world();
    const member = h.probe().answerPings();
    const answer = await member.askOnce({ m: 'r', t: 'r', d: 'i', a, z: 'nat' }, to);
    expect(answer.text).toBe(err(2, 'nat'));
  });

  it('never lists the asker; hides private peers from a public asker and shows them to a private one', async () => {
    const { to } = world();
    const priv = h.probe({ host: '10.0.1.60', port: 6000 }).answerPings();
    const pub = h.probe({ host: '198.51.100.20', port: 6001 }).answerPings();
    expect((await register(priv, to, 'r1')).obj.r).toBe(0);
    expect((await register(pub, to, 'r2', 'Restricted Cone')).obj.r).toBe(0);

    const ask = { m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 10 } };
    const fromPublic = await h.probe(PUBLIC_ASKER).askOnce({ ...ask, z: 'pubask' }, to);
    expect(c(fromPublic).peers).toStrictEqual([
      { natConeType: 'Restricted Cone', ip: '198.51.100.20', port: 6001 },
    ]);

    const fromPrivate = await h.probe({ host: '192.168.1.9', port: 7 }).askOnce({ ...ask, z: 'privask' }, to);
    expect(c(fromPrivate).peers).toEqual(
      expect.arrayContaining([
        { natConeType: 'Full Cone', ip: '10.0.1.60', port: 6000 },
        { natConeType: 'Restricted Cone', ip: '198.51.100.20', port: 6001 },
      ]),
    );
    expect(c(fromPrivate).peers).toHaveLength(2);

    const fromItself = await pub.askOnce({ ...ask, z: 'self' }, to);
    expect(c(fromItself).peers).toStrictEqual([]);
    const fromPrivMember = await priv.askOnce({ ...ask, z: 'self2' }, to);
    expect(c(fromPrivMember).peers).toStrictEqual([
      { natConeType: 'Restricted Cone', ip: '198.51.100.20', port: 6001 },
    ]);
  });

  it('accepts the README typo form m:"g",t:"r",d:"i" as g/i', async () => {
    const { to } = world();
    const member = h.probe().answerPings();
    await register(member, to, 'r');
    const answer = await h
      .probe()
      .askOnce({ m: 'g', t: 'r', d: 'i', a: { maxPeersLength: '5' }, z: 'typo' }, to);
    expect(answer.obj).toMatchObject({ m: 'R', r: 0, z: 'typo' });
    expect(c(answer).peers).toHaveLength(1);
  });

  it.each([
    ['missing', {}],
    ['zero', { maxPeersLength: 0 }],
    ['invalid', { maxPeersLength: 'x' }],
  ])('answers 2 when maxPeersLength is %s', async (_, a) => {
    const { to, probe } = world('bootstrap');
    const answer = await probe.askOnce({ m: 'r', t: 'g', d: 'i', a, z: 'mp' }, to);
    expect(answer.text).toBe(err(2, 'mp'));
  });

  it('honours maxPeersLength and caps the list to one datagram', async () => {
    const { to, probe } = world('bootstrap');
    // 1,000 registered peers (each answered the ping-back, so each may be listed): more than fit.
    for (let i = 0; i < 1000; i++) {
      const registrant = h.probe({ host: `198.18.${i >> 8}.${i & 255}`, port: 10_000 + i }).answerPings();
      registrant.send({ m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' }, z: `reg-${i}` }, to);
    }
    await h.advance(2_000);
    const five = await probe.askOnce({ m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 5 }, z: 'five' }, to);
    expect(c(five).peers).toHaveLength(5);
    const all = await probe.askOnce(
      { m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 100_000 }, z: '\u0001'.repeat(256) },
      to,
    );
    expect(all.obj.r).toBe(0);
    expect(all.bytes.length).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    expect((c(all).peers as unknown[]).length).toBeGreaterThan(500);
    expect((c(all).peers as unknown[]).length).toBeLessThan(1000);
  });
});

describe('s/m (post a message)', () => {
  it('stores the message; the host assigns uuid and timestamp', async () => {
    const { host, to, probe } = world();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'first'));
    const sentAt = h.clock.now();
    const answer = await probe.askOnce(
      {
        m: 'r',
        t: 's',
        d: 'm',
        // A sender's own uuid/timestamp are ignored.
        a: { chatUuid: chat.uuid, name: 'carol', content: 'hi there', uuid: 'mine', timestamp: '1.0' },
        z: 'post',
      },
      to,
    );
    expect(answer.text).toBe(err(0, 'post'));
    const stored = host.store.listMessages(chat.uuid, 0, 100);
    expect(stored).toHaveLength(2);
    const msg = stored[1];
    expect(msg).toMatchObject({ seq: 2, name: 'carol', content: 'hi there', createdAt: sentAt + 5 });
    expect(msg?.uuid).toMatch(UUID_RE);
    const read = await probe.askOnce({ m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid }, z: 'read' }, to);
    expect((c(read).messages as unknown[])[1]).toStrictEqual({
      uuid: msg?.uuid,
      name: 'carol',
      content: 'hi there',
      timestamp: formatTimestamp(sentAt + 5),
    });
  });

  it.each([
    ['empty chatUuid', { chatUuid: '', name: 'n', content: 'c' }],
    ['empty name', { chatUuid: 'CHAT', name: '', content: 'c' }],
    ['empty content', { chatUuid: 'CHAT', name: 'n', content: '' }],
    ['missing content', { chatUuid: 'CHAT', name: 'n' }],
    ['missing name', { chatUuid: 'CHAT', content: 'c' }],
    ['a non-string content', { chatUuid: 'CHAT', name: 'n', content: 5 }],
  ])('answers 2 to %s and stores nothing', async (_, a) => {
    const { host, to, probe } = world();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'first'));
    const args = { ...a, chatUuid: a.chatUuid === 'CHAT' ? chat.uuid : a.chatUuid };
    const answer = await probe.askOnce({ m: 'r', t: 's', d: 'm', a: args, z: 'e' }, to);
    expect(answer.text).toBe(err(2, 'e'));
    expect(host.store.getChat(chat.uuid)?.messageCount).toBe(1);
  });

  it('answers 10 to a post to an unknown chat and stores no orphan', async () => {
    const { host, to, probe } = world();
    const answer = await probe.askOnce(
      { m: 'r', t: 's', d: 'm', a: { chatUuid: 'ghost', name: 'n', content: 'c' }, z: 'orphan' },
      to,
    );
    expect(answer.text).toBe(err(10, 'orphan'));
    expect(host.store.listMessages('ghost', 0, 10)).toEqual([]);
  });

  /** The chat's message list exactly as g/m answers it, and its base64 JSON size. */
  function listSize(host: ReturnType<typeof world>['host'], chatUuid: string): number {
    const list = host.store.listMessages(chatUuid, 0, 1_000_000).map((m) => ({
      uuid: m.uuid,
      name: m.name,
      content: m.content,
      timestamp: formatTimestamp(m.createdAt),
    }));
    return Buffer.from(JSON.stringify(list), 'utf8').toString('base64').length;
  }

  /**
   * Posts over the wire so the chat's base64 JSON message list would be exactly `cap` (refused
   * with 20), then one byte shorter, i.e. cap - 4 in base64 (stored), then the smallest post (20).
   */
  async function checkBoundary(
    host: ReturnType<typeof world>['host'],
    to: Endpoint,
    probe: Probe,
    cap: number,
  ) {
    const chatUuid = host.store.listChats(1)[0]?.uuid as string;
    const json = host.store.listMessages(chatUuid, 0, 1_000_000).map((m) => ({
      uuid: m.uuid,
      name: m.name,
      content: m.content,
      timestamp: formatTimestamp(m.createdAt),
    }));
    const current = JSON.stringify(json).length;
    const arrival = h.clock.now() + 5;
    // Smallest total JSON length whose base64 reaches the cap.
    const reaching = (cap / 4 - 1) * 3 + 1;
    const base = current + 1 + messageJsonBytes('w', 0, arrival);
    const k = reaching - base;
    expect(k).toBeGreaterThan(0);
    expect(k).toBeLessThan(40_000);
    const before = host.store.getChat(chatUuid)?.messageCount;

    const refused = await probe.askOnce(
      { m: 'r', t: 's', d: 'm', a: { chatUuid, name: 'w', content: 'c'.repeat(k) }, z: 'at-cap' },
      to,
    );
    expect(refused.text).toBe(err(20, 'at-cap'));
    expect(host.store.getChat(chatUuid)?.messageCount).toBe(before);

    const accepted = await probe.askOnce(
      { m: 'r', t: 's', d: 'm', a: { chatUuid, name: 'w', content: 'c'.repeat(k - 1) }, z: 'under-cap' },
      to,
    );
    expect(accepted.text).toBe(err(0, 'under-cap'));
    expect(listSize(host, chatUuid)).toBe(cap - 4);

    const tiny = await probe.askOnce(
      { m: 'r', t: 's', d: 'm', a: { chatUuid, name: 'w', content: '.' }, z: 'tiny' },
      to,
    );
    expect(tiny.text).toBe(err(20, 'tiny'));
    expect(listSize(host, chatUuid)).toBe(cap - 4);
  }

  it('refuses with 20 a post that would make the base64 JSON list reach the cap (config cap)', async () => {
    const cap = 4000;
    const { host, to, probe } = world('peer', { config: { chatCapBytes: cap } });
    await h.settle(host.peer.createChat('small', 'hello', 'first'));
    await checkBoundary(host, to, probe, cap);
  });

  it('refuses with 20 at the real default cap of 819,200 bytes', async () => {
    const cap = 819_200;
    const { host, to, probe } = world();
    const chat = await h.settle(host.peer.createChat('huge', 'hello', 'first'));
    // Fill locally to within one datagram of the cap, then cross it over the wire.
    while (listSize(host, chat.uuid) < cap - 40_000) {
      const room = Math.floor(((cap - 40_000 - listSize(host, chat.uuid)) * 3) / 4);
      await h.settle(
        host.peer.postMessage(null, chat.uuid, 'w', 'f'.repeat(Math.max(1, Math.min(40_000, room)))),
      );
    }
    const localFull = await h.settleError(host.peer.postMessage(null, chat.uuid, 'w', 'f'.repeat(40_000)));
    expect(localFull).toMatchObject({ kind: 'full', code: 20 });
    await checkBoundary(host, to, probe, cap);
  });
});

describe('message size', () => {
  it('accepts the largest message a g/m answer can carry, refuses a bigger one with 2, and the chat stays readable', async () => {
    const { host, to, probe } = world();
    const reader = h.addPeer();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'first'));
    const arrival = h.clock.now() + 5;
    const k = MAX_MESSAGE_JSON_BYTES - messageJsonBytes('n', 0, arrival);
    const big = await probe.askOnce(
      { m: 'r', t: 's', d: 'm', a: { chatUuid: chat.uuid, name: 'n', content: 'b'.repeat(k) }, z: 'big' },
      to,
    );
    expect(big.text).toBe(err(0, 'big'));
    const over = await probe.askOnce(
      {
        m: 'r',
        t: 's',
        d: 'm',
        a: { chatUuid: chat.uuid, name: 'n', content: 'b'.repeat(k + 1) },
        z: 'over',
      },
      to,
    );
    expect(over.text).toBe(err(2, 'over'));
    expect(host.store.getChat(chat.uuid)?.messageCount).toBe(2);

    const uuidZ = '0b5e8f2c-8d7e-4a53-9a3c-0f4e5b6a7c8d';
    const base = await probe.askOnce({ m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid }, z: uuidZ }, to);
    expect((c(base).messages as { content: string }[]).at(-1)?.content).toHaveLength(k);
    const paged = await probe.askOnce(
      { m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid, after: 1 }, z: uuidZ.replace('0', '1') },
      to,
    );
    expect(paged.obj.r).toBe(0);
    const read = await h.settle(reader.peer.readChat(to, chat.uuid));
    expect(read.map((m) => m.content.length)).toEqual([5, k]);
  });

  it('refuses an oversized local post or first message with too-large', async () => {
    const { host } = world();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'first'));
    const post = await h.settleError(
      host.peer.postMessage(null, chat.uuid, 'n', 'b'.repeat(MAX_MESSAGE_JSON_BYTES)),
    );
    expect(post).toMatchObject({ name: 'NanceError', kind: 'too-large' });
    const create = await h.settleError(
      host.peer.createChat('room', 'b'.repeat(MAX_MESSAGE_JSON_BYTES), 'first'),
    );
    expect(create).toMatchObject({ name: 'NanceError', kind: 'too-large' });
    expect(host.store.listChats(10)).toHaveLength(1);
  });
});

describe('malformed datagrams', () => {
  it.each([
    ['not base64', '!!!! not base64 ####'],
    ['base64 of bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x80]).toString('base64')],
    ['base64 of text that is not JSON', Buffer.from('hello world').toString('base64')],
    ['base64 of a JSON array', Buffer.from('[1,2,3]').toString('base64')],
    ['base64 of a JSON string', Buffer.from('"p"').toString('base64')],
    ['base64 of null', Buffer.from('null').toString('base64')],
    ['base64 of an object with an unknown mode and no z', Buffer.from('{"m":"x"}').toString('base64')],
    ['an empty datagram', ''],
    ['raw JSON without base64', '{"m":"p","z":"raw"}'],
  ])('drops %s without answering', async (_, text) => {
    const { to, probe } = world();
    await silence(probe, text, to);
    // And it is still alive.
    expect((await probe.askOnce({ m: 'p', z: 'alive' }, to)).obj.r).toBe(0);
  });

  it.each([
    ['an unknown mode', { m: 'x', z: 'z1' }, 'z1'],
    ['mode c (listed in the README, never defined)', { m: 'c', t: 'g', d: 'c', a: {}, z: 'z2' }, 'z2'],
    ['mode s', { m: 's', z: 'z3' }, 'z3'],
    ['no mode', { t: 'g', d: 'c', a: { maxChatsLength: 1 }, z: 'z4' }, 'z4'],
    ['a request missing a', { m: 'r', t: 'g', d: 'c', z: 'z5' }, 'z5'],
    ['a request whose a is not an object', { m: 'r', t: 'g', d: 'c', a: [1], z: 'z6' }, 'z6'],
    ['a request missing t', { m: 'r', d: 'c', a: { maxChatsLength: 1 }, z: 'z7' }, 'z7'],
    ['a request missing d', { m: 'r', t: 'g', a: { maxChatsLength: 1 }, z: 'z8' }, 'z8'],
    ['an unknown t/d', { m: 'r', t: 'x', d: 'y', a: {}, z: 'z9' }, 'z9'],
    [
      'd:"p" for messages (the README list is wrong)',
      { m: 'r', t: 'g', d: 'p', a: { chatUuid: 'c' }, z: 'z10' },
      'z10',
    ],
  ])('answers 2 with the z to %s', async (_, message, z) => {
    const { to, probe } = world();
    const answer = await probe.askOnce(message, to);
    expect(answer.text).toBe(err(2, z));
  });

  it('answers 2 without z to something that looks like a request but has no z', async () => {
    const { to, probe } = world();
    const [answer, ...more] = await probe.ask({ t: 'g', d: 'c', a: {} }, to);
    expect(more).toEqual([]);
    expect(answer?.text).toBe('{"m":"R","r":2,"c":{}}');
  });

  it('answers 2 (without echoing it) to a request whose z is not a usable string', async () => {
    const { to, probe } = world();
    for (const z of [5, '', 'z'.repeat(257), { a: 1 }]) {
      const before = probe.received.length;
      probe.send({ m: 'p', z }, to);
      await h.advance(100);
      expect(probe.received.slice(before).map((r) => r.text)).toEqual(['{"m":"R","r":2,"c":{}}']);
    }
  });

  it.each([
    ['a success response', { m: 'R', r: 0, c: {}, z: 'resp1' }],
    ['an error response', { m: 'R', r: 2, c: {}, z: 'resp2' }],
    ['a response without c', { m: 'R', r: 1, z: 'resp3' }],
    ['a response with a bad r', { m: 'R', r: 'bad', z: 'resp4' }],
    ['a response without z', { m: 'R', r: 0, c: {} }],
  ])('never answers %s', async (_, message) => {
    const { to, probe } = world();
    await silence(probe, encodeWire(message), to);
  });

  it('two peers exchanging only responses stay quiet (no loops)', async () => {
    h = new SimHarness({ peers: [{}, {}] });
    const [a, b] = h.peers;
    if (!a || !b) throw new Error('two peers');
    const probe = h.probe();
    await h.settle(a.peer.syncNow());
    // Spoof nothing; just feed a stray response into b from a probe and check b sends nothing back.
    const before = b.tap.sent.length;
    probe.send({ m: 'R', r: 0, c: {}, z: 'stray' }, b.endpoint);
    await h.advance(200);
    expect(b.tap.sent.slice(before)).toEqual([]);
  });
});

describe('bootstrap role', () => {
  it.each([
    ['g/c', { t: 'g', d: 'c', a: { maxChatsLength: 10 } }],
    ['g/m', { t: 'g', d: 'm', a: { chatUuid: 'c' } }],
    ['s/m', { t: 's', d: 'm', a: { chatUuid: 'c', name: 'n', content: 'x' } }],
    ['g/m paged', { t: 'g', d: 'm', a: { chatUuid: 'c', after: 0 } }],
  ])('answers 2 to %s', async (_, req) => {
    const { host, to, probe } = world('bootstrap');
    const answer = await probe.askOnce({ m: 'r', ...req, z: 'boot' }, to);
    expect(answer.text).toBe(err(2, 'boot'));
    expect(host.store.listChats(10)).toEqual([]);
  });

  it('answers p, g/i and r/i', async () => {
    const { to, probe } = world('bootstrap');
    expect((await probe.askOnce({ m: 'p', z: '1' }, to)).obj.r).toBe(0);
    const member = h.probe({ host: '198.51.100.30', port: 1234 }).answerPings();
    const reg = await member.askOnce(
      { m: 'r', t: 'r', d: 'i', a: { natConeType: 'Restricted Cone' }, z: '2' },
      to,
      2000,
    );
    expect(reg.text).toBe(err(0, '2'));
    const list = await h
      .probe(PUBLIC_ASKER)
      .askOnce({ m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 3 }, z: '3' }, to);
    expect(c(list).peers).toStrictEqual([
      { natConeType: 'Restricted Cone', ip: '198.51.100.30', port: 1234 },
    ]);
  });
});

describe('code 1 (an exception while handling)', () => {
  it('answers 1 with the z, once, when the store fails, and keeps serving what it can', async () => {
    const { host, to, probe } = world();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'first'));
    host.store.close(); // every store call now throws
    for (const [z, req] of [
      ['x1', { m: 'r', t: 'g', d: 'c', a: { maxChatsLength: 5 } }],
      ['x2', { m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid } }],
      ['x3', { m: 'r', t: 's', d: 'm', a: { chatUuid: chat.uuid, name: 'n', content: 'c' } }],
      ['x4', { m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 5 } }],
    ] as const) {
      const answer = await probe.askOnce({ ...req, z }, to);
      expect(answer.text).toBe(err(1, z));
    }
    expect((await probe.askOnce({ m: 'p', z: 'still' }, to)).obj.r).toBe(0);
    expect(host.logs.filter((l) => l.level === 'error').length).toBeGreaterThanOrEqual(4);
  });
});

describe('exactly one answer per request', () => {
  it('answers a mixed burst of 200 distinct requests once each, with the right z', async () => {
    const { host, to, probe } = world();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'first'));
    const kinds = [
      { m: 'p' },
      { m: 'r', t: 'g', d: 'c', a: { maxChatsLength: 5 } },
      { m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid } },
      { m: 'r', t: 's', d: 'm', a: { chatUuid: chat.uuid, name: 'n', content: 'c' } },
      { m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 5 } },
      { m: 'r', t: 'g', d: 'm', a: { chatUuid: 'none' } },
      { m: 'r', t: 'q', d: 'q', a: {} },
    ];
    for (let i = 0; i < 200; i++) probe.send({ ...kinds[i % kinds.length], z: `burst-${i}` }, to);
    await h.advance(500);
    const zs = probe.responses().map((r) => r.obj?.z);
    expect(zs).toHaveLength(200);
    expect(new Set(zs).size).toBe(200);
    expect(host.store.getChat(chat.uuid)?.messageCount).toBe(1 + Math.ceil((200 - 3) / 7));
  });
});
