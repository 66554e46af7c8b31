// Peers as separate `nance --stdio` processes on 127.0.0.1, joined through a bootstrap process:
// discovery, reading and posting across processes, and the errors a caller sees over stdio.
import { afterAll, describe, expect, it } from 'vitest';
import type { EndpointDto } from '../../src-shared/api.js';
import { cleanupAll, eventually, isBuilt, NanceProcess, suiteName } from './cli-harness.js';

const SYNC_MS = 300;

const same = (a: EndpointDto, b: EndpointDto) => a.host === b.host && a.port === b.port;

/** Polls `peer`'s listChats until `host`'s chat `uuid` is listed. */
function findChat(peer: NanceProcess, host: NanceProcess, uuid: string) {
  return eventually(
    async () => {
      const list = await peer.ok('listChats', {});
      return list.hosts.find((h) => same(h.host, host.address))?.chats.find((c) => c.uuid === uuid);
    },
    `${peer.hostPort} to list chat ${uuid} of ${host.hostPort}`,
    { timeoutMs: 10_000, intervalMs: 150 },
  );
}

async function startNetwork(peers: number) {
  const boot = await NanceProcess.start({ bootstrap: true, syncIntervalMs: SYNC_MS });
  const started = await Promise.all(
    Array.from({ length: peers }, () =>
      NanceProcess.start({ bootstrapPeers: [boot.hostPort], syncIntervalMs: SYNC_MS }),
    ),
  );
  return { boot, peers: started };
}

describe.skipIf(!isBuilt)(suiteName('nance processes on a network'), () => {
  afterAll(cleanupAll);

  it('two peers: one finds the other through the bootstrap and posts to its chat', async () => {
    const { boot, peers } = await startNetwork(2);
    const [a, b] = peers as [NanceProcess, NanceProcess];
    expect(boot.ready.mode).toBe('bootstrap');

    const chat = await a.ok('createChat', { name: 'pair', message: 'hi B', author: 'alice' });
    const listed = await findChat(b, a, chat.uuid);
    expect(listed).toMatchObject({ uuid: chat.uuid, name: 'pair' });

    expect(
      await b.call('postMessage', { host: a.address, chatUuid: chat.uuid, name: 'bob', content: 'hi A' }),
    ).toEqual({ ok: true, result: null });
    const { messages } = await a.ok('readChat', { host: null, chatUuid: chat.uuid });
    expect(messages.map((m) => [m.name, m.content])).toEqual([
      ['alice', 'hi B'],
      ['bob', 'hi A'],
    ]);
    await a.waitFor(() => a.eventsOf('message').length === 1, 'A to get a message event');
    expect(a.eventsOf('message')[0]?.payload).toEqual({ host: null, chatUuid: chat.uuid });

    // A learns B too (through the bootstrap's peer list or B's registration with A).
    await eventually(async () => {
      const known = await a.ok('listPeers', {});
      return known.some((p) => p.port === b.address.port) || undefined;
    }, 'A to know B');

    for (const p of [a, b, boot]) expect(p.strayLines).toEqual([]);
    for (const p of [a, b, boot]) expect(await p.stop()).toEqual({ code: 0, signal: null });
  });

  it('three peers: B and C find, read and post to A’s chat; errors come back typed', async () => {
    const { boot, peers } = await startNetwork(3);
    const [a, b, c] = peers as [NanceProcess, NanceProcess, NanceProcess];

    const chat = await a.ok('createChat', { name: 'lobby', message: 'hello from A', author: 'alice' });
    const chatOfC = await c.ok('createChat', { name: 'c-room', message: 'hello from C', author: 'carol' });
    await Promise.all([findChat(b, a, chat.uuid), findChat(c, a, chat.uuid), findChat(b, c, chatOfC.uuid)]);

    const { messages: firstRead } = await b.ok('readChat', { host: a.address, chatUuid: chat.uuid });
    expect(firstRead.map((m) => [m.name, m.content])).toEqual([['alice', 'hello from A']]);

    // Sequential posts from two processes, interleaved: A must keep each once, in this order.
    const posts: [NanceProcess, string, string][] = [
      [b, 'bob', 'b1'],
      [c, 'carol', 'c1'],
      [b, 'bob', 'b2'],
      [c, 'carol', 'c2'],
      [b, 'bob', 'b3'],
    ];
    for (const [from, name, content] of posts) {
      const reply = await from.call('postMessage', { host: a.address, chatUuid: chat.uuid, name, content });
      expect(reply, `${name} posting ${content}`).toEqual({ ok: true, result: null });
    }

    const { messages: onA } = await a.ok('readChat', { host: null, chatUuid: chat.uuid });
    expect(onA.map((m) => [m.name, m.content])).toEqual([
      ['alice', 'hello from A'],
      ...posts.map(([, name, content]) => [name, content]),
    ]);
    expect(new Set(onA.map((m) => m.uuid)).size).toBe(onA.length);
    const createdAt = onA.map((m) => m.createdAt);
    expect(createdAt).toEqual([...createdAt].sort((x, y) => x - y));

    // Readers elsewhere see the same list as the host.
    const { messages: onC } = await c.ok('readChat', { host: a.address, chatUuid: chat.uuid });
    expect(onC.map((m) => m.uuid)).toEqual(onA.map((m) => m.uuid));

    const forChat = () => a.eventsOf('message').filter((e) => e.payload.chatUuid === chat.uuid);
    await a.waitFor(() => forChat().length >= posts.length, `${posts.length} message events on A`);
    expect(forChat()).toHaveLength(posts.length);
    expect(forChat().every((e) => e.payload.host === null)).toBe(true);

    // A chat A does not host: the host's 10 comes back as not-found.
    const missing = await b.call('postMessage', {
      host: a.address,
      chatUuid: '00000000-0000-4000-8000-000000000000',
      name: 'bob',
      content: 'anyone?',
    });
    expect(missing).toMatchObject({ ok: false, error: { kind: 'not-found', code: 10 } });

    // A host that is gone: no answer, 90 as timeout (after the request engine's retries).
    expect(await c.stop()).toEqual({ code: 0, signal: null });
    const gone = await b.call('readChat', { host: c.address, chatUuid: chatOfC.uuid });
    expect(gone).toMatchObject({ ok: false, error: { kind: 'timeout', code: 90 } });

    // B is still fine after the failures.
    expect((await b.call('getStatus', {})).ok).toBe(true);
    for (const p of [a, b, c, boot]) expect(p.strayLines).toEqual([]);
    for (const p of [a, b, boot]) expect(await p.stop()).toEqual({ code: 0, signal: null });
  });
});
