// Who the host serves a private room to: a requester with a valid address token (k) only. Without
// one, or with a made-up one, the room answers exactly as a chat that does not exist (10), for
// reading and for posting; a g/c never lists it, even to a proven requester.
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NancePeer } from '../../src-main/core/peer.js';
import { systemClock } from '../../src-main/net/system-clock.js';
import { UdpTransport } from '../../src-main/net/udp-transport.js';
import { NanceService } from '../../src-main/service/nance-service.js';
import { SqliteStore } from '../../src-main/store/sqlite-store.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Wire = Record<string, unknown>;

/** A bare socket that speaks JSON datagrams and waits for the answer with its z. */
async function rawClient(to: { host: string; port: number }) {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  const waiting = new Map<string, (answer: Wire) => void>();
  socket.on('message', (data) => {
    const answer = JSON.parse(Buffer.from(data.toString('ascii'), 'base64').toString('utf8')) as Wire;
    waiting.get(answer.z as string)?.(answer);
  });
  return (body: Wire): Promise<Wire> => {
    const z = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer')), 2000);
      waiting.set(z, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      socket.send(
        Buffer.from(Buffer.from(JSON.stringify({ ...body, z })).toString('base64')),
        to.port,
        to.host,
      );
    });
  };
}

describe('a private room at its host', () => {
  it('exists only for proven requesters, and is never listed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'nance-room-access-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    const store = SqliteStore.open({ path: path.join(dir, 'nance.db'), now: Date.now, durability: 'normal' });
    const peer = new NancePeer({ transport, clock: systemClock, store }, {});
    cleanups.push(async () => {
      await peer.close();
      store.close();
    });
    const service = new NanceService(peer, store);
    const reply = await service.dispatch('createChat', {
      name: 'R',
      message: 'm',
      author: 'a',
      private: true,
    });
    if (!reply.ok) throw new Error(reply.error.message);
    const room = (reply.result as { uuid: string }).uuid;
    const unknown = randomUUID();
    const ask = await rawClient(transport.localEndpoint());

    const read = (chatUuid: string, k?: string) =>
      ask({ m: 'r', t: 'g', d: 'm', a: { chatUuid }, ...(k ? { k } : {}) });
    const post = (chatUuid: string, k?: string) =>
      ask({ m: 'r', t: 's', d: 'm', a: { chatUuid, name: 'x', content: 'y' }, ...(k ? { k } : {}) });
    const shape = (a: Wire) => ({ r: a.r, c: a.c });

    // No k (a base peer), then a made-up k: the room and an unknown chat answer alike.
    for (const k of [undefined, '0'.repeat(48), `${'a'.repeat(5)}_${'B'.repeat(22)}`]) {
      expect(shape(await read(room, k))).toEqual({ r: 10, c: {} });
      expect(shape(await read(room, k))).toEqual(shape(await read(unknown, k)));
      expect(shape(await post(room, k))).toEqual({ r: 10, c: {} });
    }
    expect(store.getChat(room)?.messageCount).toBe(1);

    // Proven by the token of its ping answer: served.
    const ping = await ask({ m: 'p', k: '0'.repeat(48) });
    const token = ((ping.c as Wire).nance as Wire).k as string;
    const served = await read(room, token);
    expect(served.r).toBe(0);
    expect((served.c as { messages: unknown[] }).messages).toHaveLength(1);
    expect((await post(room, token)).r).toBe(0);
    const list = await ask({ m: 'r', t: 'g', d: 'c', a: { maxChatsLength: 10 }, k: token });
    expect(list).toMatchObject({ r: 0, c: { chats: [] } });
  });
});
