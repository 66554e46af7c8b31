// Signed posts on the wire (docs/protocol.md, "Signed posts"), in the simulator: what a host of ours
// stores and refuses, what it serves to whom, and what a reader believes of a host's answer.
import { afterEach, describe, expect, it } from 'vitest';
import { decodeWire, SimHarness, type SimPeer } from '../../test/support/sim-harness.js';
import { KeyPair } from './identity/keys.js';
import { type PostFields, signPost } from './identity/post-signature.js';
import type { Endpoint } from './ports.js';

let h: SimHarness;
afterEach(() => h.close());

const DAY_MS = 24 * 60 * 60 * 1000;

async function hostWithChat() {
  h = new SimHarness();
  const host = h.addPeer();
  const chat = await h.settle(host.peer.createChat('room', 'hello', 'Owner'));
  return { host, chat };
}

/** An `s/m` from a Nance author: signed by `signer` for `host` (unless told otherwise). */
function signedPost(
  host: SimPeer,
  chatUuid: string,
  z: string,
  signer = KeyPair.generate(),
  change: { content?: string; skewMs?: number; claimKey?: string } = {},
) {
  const post: PostFields = {
    hostKey: host.peer.identity.publicKey,
    chatUuid,
    name: 'Alice',
    content: 'hi',
    z,
  };
  const author = signPost(signer, post, h.clock.now() + (change.skewMs ?? 0));
  if (change.claimKey) author.k = change.claimKey;
  const a = { chatUuid, name: post.name, content: change.content ?? post.content, author };
  return { message: { m: 'r', t: 's', d: 'm', a, z }, signer };
}

const stored = (host: SimPeer, chatUuid: string) => host.store.listMessages(chatUuid, 0, 100);

describe('a host of ours and signed posts', () => {
  it('stores a signed post with its signature, and serves it in pages but never in base answers', async () => {
    const { host, chat } = await hostWithChat();
    const probe = h.probe();
    const { message, signer } = signedPost(host, chat.uuid, 'z-ok');
    expect((await probe.askOnce(message, host.endpoint)).obj.r).toBe(0);
    const last = stored(host, chat.uuid).at(-1);
    expect(last?.author).toMatchObject({ k: signer.publicKey, z: 'z-ok' });

    const page = await probe.askOnce(
      { m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid, after: 1 }, z: 'pg' },
      host.endpoint,
    );
    const [entry] = (page.obj.c as { messages: Record<string, unknown>[] }).messages;
    expect(entry?.author).toEqual({
      k: signer.publicKey,
      s: message.a.author.s,
      t: message.a.author.t,
      z: 'z-ok',
    });

    const base = await probe.askOnce(
      { m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid }, z: 'b' },
      host.endpoint,
    );
    const all = (base.obj.c as { messages: Record<string, unknown>[] }).messages;
    expect(all).toHaveLength(2);
    for (const m of all) expect(Object.keys(m).sort()).toEqual(['content', 'name', 'timestamp', 'uuid']);
  });

  it.each([
    ['a forged signature (the content changed after signing)', { content: 'changed' }],
    ["another key's signature in the author's name", { claimKey: KeyPair.generate().publicKey }],
    ['a time 2 days ahead', { skewMs: 2 * DAY_MS }],
    ['a time 2 days behind', { skewMs: -2 * DAY_MS }],
  ])('refuses %s with 2 and stores nothing', async (_, change) => {
    const { host, chat } = await hostWithChat();
    const { message } = signedPost(host, chat.uuid, 'z-bad', KeyPair.generate(), change);
    expect((await h.probe().askOnce(message, host.endpoint)).obj.r).toBe(2);
    expect(stored(host, chat.uuid)).toHaveLength(1);
  });

  it('refuses a malformed author, and a signed post without z', async () => {
    const { host, chat } = await hostWithChat();
    const probe = h.probe();
    const { message } = signedPost(host, chat.uuid, 'z-m');
    const bad = { ...message, a: { ...message.a, author: { ...message.a.author, s: 'short' } } };
    expect((await probe.askOnce(bad, host.endpoint)).obj.r).toBe(2);
    const { z: _, ...withoutZ } = message;
    const answers = await probe.ask(withoutZ, host.endpoint);
    expect(answers.map((a) => a.obj?.r)).toEqual([2]);
    expect(stored(host, chat.uuid)).toHaveLength(1);
  });

  it('stores a replay from another address once, and answers it as the first', async () => {
    const { host, chat } = await hostWithChat();
    const { message } = signedPost(host, chat.uuid, 'z-once');
    expect((await h.probe().askOnce(message, host.endpoint)).obj.r).toBe(0);
    // Another address sends the very same datagram (a capture, replayed).
    expect((await h.probe({ host: '10.0.0.99' }).askOnce(message, host.endpoint)).obj.r).toBe(0);
    expect(stored(host, chat.uuid)).toHaveLength(2);
  });

  it('takes unsigned posts in public chats, as from original clients', async () => {
    const { host, chat } = await hostWithChat();
    const post = { m: 'r', t: 's', d: 'm', a: { chatUuid: chat.uuid, name: 'Owner', content: 'hi' }, z: 'u' };
    expect((await h.probe().askOnce(post, host.endpoint)).obj.r).toBe(0);
    expect(stored(host, chat.uuid).at(-1)?.author).toBeUndefined();
  });
});

describe('peers of ours sign and verify', () => {
  it("signs a post to a host that advertised sig, its own chat's posts and its first message", async () => {
    h = new SimHarness();
    const host = h.addPeer();
    const me = h.addPeer();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'Owner'));
    await h.settle(me.peer.postMessage(host.endpoint, chat.uuid, 'Me', 'hi there'));
    await h.settle(host.peer.postMessage(null, chat.uuid, 'Owner', 'welcome'));
    const keys = stored(host, chat.uuid).map((m) => m.author?.k);
    expect(keys).toEqual([
      host.peer.identity.publicKey,
      me.peer.identity.publicKey,
      host.peer.identity.publicKey,
    ]);

    // Both read it back verified, each message with its own author.
    const read = await h.settle(me.peer.readChat(host.endpoint, chat.uuid));
    expect(read.map((m) => m.author?.k)).toEqual(keys);
    const own = await h.settle(host.peer.readChat(null, chat.uuid));
    expect(own.map((m) => m.author?.k)).toEqual(keys);
  });

  it('shows as unsigned what a lying host altered, and keeps what it served intact', async () => {
    h = new SimHarness();
    const reader = h.addPeer({ host: '10.0.0.2' });
    const liar = h.probe({ host: '10.0.0.7', port: 7000 });
    const liarKey = KeyPair.generate();
    const alice = KeyPair.generate();
    const signed = (content: string, z: string) => {
      const author = signPost(
        alice,
        { hostKey: liarKey.publicKey, chatUuid: 'c', name: 'Alice', content, z },
        h.clock.now(),
      );
      return { ...author, z };
    };
    const messages = [
      {
        uuid: 'm1',
        name: 'Alice',
        content: 'true words',
        timestamp: '1.0',
        seq: 1,
        author: signed('true words', 'z1'),
      },
      // Signed by Alice for other words: the host swapped the content.
      {
        uuid: 'm2',
        name: 'Alice',
        content: 'words she never said',
        timestamp: '1.0',
        seq: 2,
        author: signed('hi', 'z2'),
      },
      // A made-up author field.
      {
        uuid: 'm3',
        name: 'Alice',
        content: 'x',
        timestamp: '1.0',
        seq: 3,
        author: { k: alice.publicKey, s: 'A'.repeat(86), t: '1.000000', z: 'z3' },
      },
    ];
    serveChat(liar, liarKey.publicKey, messages);
    const read = await h.settle(reader.peer.readChat(liar.endpoint, 'c'));
    expect(read.map((m) => [m.content, m.author?.k ?? null])).toEqual([
      ['true words', alice.publicKey],
      ['words she never said', null],
      ['x', null],
    ]);
  });
});

/** A probe playing a host of ours that serves one page of `messages` for any chat. */
function serveChat(probe: ReturnType<SimHarness['probe']>, id: string, messages: object[]): void {
  probe.transport.onDatagram((data, from: Endpoint) => {
    const obj = decodeWire(data).obj;
    if (obj?.m === 'p') {
      probe.send(
        { m: 'R', r: 0, c: { nance: { v: 1, ext: ['page', 'sig'], role: 'peer', id } }, z: obj.z },
        from,
      );
    } else if (obj?.t === 'g' && obj.d === 'm') {
      probe.send({ m: 'R', r: 0, c: { messages, more: false }, z: obj.z }, from);
    }
  });
}
