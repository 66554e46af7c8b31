// A private room's whole session on real UDP (127.0.0.1): its host, an invitee, a third Nance peer
// without the key and a base peer (test/interop/base-peer.ts). Every datagram any of them sends or
// receives is captured, and none may carry the room's title, a message or an author's name, in its
// raw bytes, its base64 decoding, or any base64 / base64url string inside it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NancePeer } from '../../src-main/core/peer.js';
import type { DatagramHandler, Endpoint, Transport } from '../../src-main/core/ports.js';
import type { RetryPolicy } from '../../src-main/core/request-engine.js';
import { systemClock } from '../../src-main/net/system-clock.js';
import { UdpTransport } from '../../src-main/net/udp-transport.js';
import { NanceService } from '../../src-main/service/nance-service.js';
import { SqliteStore } from '../../src-main/store/sqlite-store.js';
import type { ChatListDto, ChatReadDto, InviteDto } from '../../src-shared/api.js';
import { formatInviteLink, parseInviteLink } from '../../src-shared/invite-link.js';
import { BasePeer } from '../interop/base-peer.js';

const HOST = '127.0.0.1';
const FAST_RETRY: RetryPolicy = { timeoutMs: 100, attempts: 3, backoff: 1.5, jitter: 0.1 };

// Distinctive, so a hit can only be a leak.
const TITLE = 'Title-Quokka-Expedition';
const FIRST = 'Secret-First-Message-Marmalade';
const REPLY = 'Secret-Reply-Tangerine-Orbit';
const HOST_NAME = 'Author-Alice-Zebrafinch';
const GUEST_NAME = 'Author-Bob-Narwhal';
const SECRETS = [TITLE, FIRST, REPLY, HOST_NAME, GUEST_NAME];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Every datagram through every captured socket, in both directions. */
const wire: Uint8Array[] = [];

/** A socket that records what it sends and receives. */
function captured(inner: Transport): Transport {
  return {
    send: (data, to) => {
      wire.push(Uint8Array.from(data));
      inner.send(data, to);
    },
    onDatagram: (handler: DatagramHandler) =>
      inner.onDatagram((data, from) => {
        wire.push(Uint8Array.from(data));
        handler(data, from);
      }),
    localEndpoint: () => inner.localEndpoint(),
    close: () => inner.close(),
  };
}

async function startOurs(): Promise<{ service: NanceService; peer: NancePeer; endpoint: Endpoint }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nance-room-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const transport = captured(await UdpTransport.bind({ host: HOST, port: 0 }));
  const store = SqliteStore.open({ path: path.join(dir, 'nance.db'), now: Date.now, durability: 'normal' });
  const endpoint = transport.localEndpoint();
  const peer = new NancePeer(
    { transport, clock: systemClock, store },
    { retry: FAST_RETRY, pingBack: { timeoutMs: 100, attempts: 2, backoff: 1.5 }, publicEndpoint: endpoint },
  );
  cleanups.push(async () => {
    await peer.close();
    store.close();
  });
  return { service: new NanceService(peer, store), peer, endpoint };
}

async function call<T>(service: NanceService, command: string, args: unknown): Promise<T> {
  const reply = await service.dispatch(command, args);
  if (!reply.ok) throw new Error(`${command}: ${reply.error.kind}: ${reply.error.message}`);
  return reply.result as T;
}

/** Every text a datagram could hide a secret in: itself, its base64 decoding, and decodings of its strings. */
function readableForms(datagram: Uint8Array): string[] {
  const raw = Buffer.from(datagram).toString('latin1');
  const json = Buffer.from(raw.trim(), 'base64').toString('utf8');
  const forms = [raw, json];
  const strings: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  try {
    walk(JSON.parse(json));
  } catch {
    // Not JSON: the raw and decoded forms are checked all the same.
  }
  for (const s of strings) {
    forms.push(s);
    for (const part of s.split(/[.#/]/)) {
      forms.push(
        Buffer.from(part, 'base64').toString('latin1'),
        Buffer.from(part, 'base64url').toString('latin1'),
      );
    }
  }
  return forms;
}

describe('a private room on the wire', () => {
  it('carries no title, message or author name in any datagram; strangers get no listing and nothing readable', async () => {
    wire.length = 0;
    const host = await startOurs();
    const guest = await startOurs();
    const stranger = await startOurs();
    const base = await BasePeer.start();
    cleanups.push(() => base.close());
    // The base peer's own socket, captured from its records (it sends and receives outside ours).
    const baseWire = () => [...base.sent, ...base.received].map((d) => JSON.stringify(d.obj ?? ''));

    // A public chat beside the room: the listing still works, and shows only it.
    await call(host.service, 'createChat', { name: 'Public lobby', message: 'hi', author: 'x' });
    const room = await call<{ uuid: string }>(host.service, 'createChat', {
      name: TITLE,
      message: FIRST,
      author: HOST_NAME,
      private: true,
    });
    const { link } = await call<InviteDto>(host.service, 'getInviteLink', {
      host: null,
      chatUuid: room.uuid,
    });

    // The invitee joins by the link, reads the host's first message and answers.
    const joined = await call<{ title: string }>(guest.service, 'joinRoom', { link });
    expect(joined.title).toBe(TITLE);
    const target = { host: host.endpoint, chatUuid: room.uuid };
    await call(guest.service, 'postMessage', { ...target, name: GUEST_NAME, content: REPLY });
    const guestRead = await call<ChatReadDto>(guest.service, 'readChat', target);
    expect(guestRead.messages.map((m) => [m.name, m.content, m.mine])).toEqual([
      [HOST_NAME, FIRST, false],
      [GUEST_NAME, REPLY, true],
    ]);
    expect(guestRead.messages[0]?.author?.key).toBe(host.peer.identity.publicKey);
    const hostRead = await call<ChatReadDto>(host.service, 'readChat', { host: null, chatUuid: room.uuid });
    expect(hostRead.messages.map((m) => [m.name, m.content, m.mine])).toEqual([
      [HOST_NAME, FIRST, true],
      [GUEST_NAME, REPLY, false],
    ]);
    const guestList = await call<ChatListDto>(guest.service, 'listChats', {});
    expect(guestList.rooms).toMatchObject([{ host: host.endpoint, chatUuid: room.uuid, title: TITLE }]);

    // A third Nance peer: the room is not in the host's list ...
    await call(stranger.service, 'refreshChats', {});
    await stranger.peer.refreshChats(host.endpoint);
    const strangerList = await call<ChatListDto>(stranger.service, 'listChats', {});
    const listed = strangerList.hosts.flatMap((h) => h.chats.map((c) => c.uuid));
    expect(listed).toHaveLength(1);
    expect(listed).not.toContain(room.uuid);
    // ... and even told its id (a proven reader), it reads only sealed texts under a blank name.
    const strangerRead = await call<ChatReadDto>(stranger.service, 'readChat', target);
    expect(strangerRead.messages).toHaveLength(2);
    for (const m of strangerRead.messages) {
      expect(m.name).toBe('private');
      expect(m.content).toMatch(/^r1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    }
    // A link with another key does not open it.
    const parts = parseInviteLink(link);
    const wrongKey = formatInviteLink({ ...parts, secret: `${'A'.repeat(42)}A` });
    const refused = await stranger.service.dispatch('joinRoom', { link: wrongKey });
    expect(refused).toMatchObject({ ok: false, error: { kind: 'wrong-key' } });

    // A base peer: no listing, and the room does not exist for it, for reading or posting.
    const baseList = await base.listChats(host.endpoint);
    expect(baseList.r).toBe(0);
    const baseListed = ((baseList.c?.chats ?? []) as { uuid: string }[]).map((c) => c.uuid);
    expect(baseListed).toHaveLength(1);
    expect(baseListed).not.toContain(room.uuid);
    expect((await base.readChat(host.endpoint, room.uuid)).r).toBe(10);
    expect((await base.post(host.endpoint, room.uuid, 'Mallory', 'spam')).r).toBe(10);
    expect(hostRead.messages).toHaveLength(2);

    // The capture: every datagram of the session, none readable.
    expect(wire.length).toBeGreaterThan(20);
    const leaks: string[] = [];
    for (const datagram of wire) {
      for (const form of readableForms(datagram)) {
        for (const secret of SECRETS)
          if (form.includes(secret)) leaks.push(`${secret} in ${form.slice(0, 120)}`);
      }
    }
    for (const text of baseWire()) {
      for (const secret of SECRETS) if (text.includes(secret)) leaks.push(`${secret} seen by the base peer`);
    }
    expect(leaks).toEqual([]);
    // The capture is not blind: the public chat's name does travel in clear.
    expect(wire.some((d) => readableForms(d).some((f) => f.includes('Public lobby')))).toBe(true);
  });
});
