// Answers and key proofs a third party forges (issue 12, "Hosts are keys"), on real UDP sockets on
// 127.0.0.1: a peer composed as the CLI composes it asks a "host" that is a socket of this test;
// another socket of this test, which saw the request (as a relay or anyone on the path does), or
// the host itself, lies.
import dgram from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyPair } from '../../src-main/core/identity/keys.js';
import { provePing } from '../../src-main/core/identity/ping-proof.js';
import type { Endpoint } from '../../src-main/core/ports.js';
import type { ComposedPeer } from '../../src-main/host/compose.js';
import { ComposedPeers } from '../support/composed-peer.js';
import { decodeWire, encodeWire } from '../support/sim-harness.js';

type Wire = Record<string, unknown>;

/** A socket on 127.0.0.1 that answers what it receives with `answer` (nothing when it returns undefined). */
class FakeHost {
  readonly requests: Wire[] = [];
  private constructor(
    readonly socket: dgram.Socket,
    answer: (request: Wire) => Wire | undefined,
  ) {
    socket.on('message', (msg, rinfo) => {
      const { obj } = decodeWire(msg);
      if (!obj) return;
      this.requests.push(obj);
      const reply = answer(obj);
      if (reply) socket.send(encodeWire({ ...reply, z: obj.z }), rinfo.port, rinfo.address);
    });
  }

  static async open(answer: (request: Wire) => Wire | undefined = () => undefined): Promise<FakeHost> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new FakeHost(socket, answer);
  }

  get endpoint(): Endpoint {
    const { address, port } = this.socket.address();
    return { host: address, port };
  }

  send(obj: Wire, to: Endpoint): void {
    this.socket.send(encodeWire(obj), to.port, to.host);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

let dir: string;
let peers: ComposedPeers;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(() => {
  peers = new ComposedPeers();
  dir = peers.tempDir('nance-forged-');
});

afterEach(async () => {
  // The fake hosts (opened after the reader) close first, newest first; then the reader and its dir.
  for (const c of cleanups.splice(0).reverse()) await c();
  await peers.dispose();
});

const reader = (): Promise<ComposedPeer> => peers.compose(dir);

async function host(answer: (request: Wire) => Wire | undefined): Promise<FakeHost> {
  const h = await FakeHost.open(answer);
  cleanups.push(() => h.close());
  return h;
}

const AD = { v: 1, ext: ['page', 'proof', 'punch'], role: 'peer', nat: 'Open Internet' };
const chatList = (uuid: string) => ({ m: 'R', r: 0, c: { chats: [{ uuid, name: uuid, timestamp: '1' }] } });
const NO_CHATS = { m: 'R', r: 0, c: { chats: [] } };

describe('an answer is taken only from the address the request went to', () => {
  it('a forged answer carrying the request z from another socket is refused; the host own answer is taken', async () => {
    const me = await reader();
    const forger = await host(() => undefined);
    let gc: Wire | undefined;
    const real = await host((request) => {
      if (request.m === 'p') return { m: 'R', r: 0, c: { nance: AD } };
      if (request.d !== 'c') return undefined;
      gc = request;
      // The forger, who saw the z go by, answers first; the host a moment later.
      forger.send({ ...chatList('forged'), z: request.z }, me.peer.localEndpoint());
      setTimeout(() => real.send({ ...chatList('real'), z: request.z }, me.peer.localEndpoint()), 50);
      return undefined;
    });
    const listed = await me.peer.refreshChats(real.endpoint);
    expect(gc).toBeDefined();
    expect(listed.chats.map((c) => c.uuid)).toEqual(['real']);
  });
});

describe('a ping answer proves a key only with a signature over our fresh challenge', () => {
  const victim = KeyPair.generate();

  it('the genuine proof: the key is known for that address', async () => {
    const me = await reader();
    const h = await host((request) =>
      request.m === 'p' && typeof request.ch === 'string'
        ? { m: 'R', r: 0, c: { nance: { ...AD, ...provePing(victim, request.ch) } } }
        : NO_CHATS,
    );
    await me.peer.refreshChats(h.endpoint); // the learning ping challenges
    expect(h.requests[0]).toMatchObject({ m: 'p', ch: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
    expect(me.peer.keyAt(h.endpoint)).toBe(victim.publicKey);
  });

  it.each([
    ['a replayed proof (the key holder signature over another challenge)', provePing(victim, 'A'.repeat(22))],
    ['a claimed key with a made-up signature', { id: victim.publicKey, sig: 'B'.repeat(86) }],
    ['a claimed key without a signature', { id: victim.publicKey }],
  ])(
    '%s: the key stays unknown for that address',
    async (_, proof) => {
      const me = await reader();
      const h = await host((request) =>
        request.m === 'p' ? { m: 'R', r: 0, c: { nance: { ...AD, ...proof } } } : NO_CHATS,
      );
      await me.peer.refreshChats(h.endpoint);
      expect(h.requests[0]).toMatchObject({ m: 'p', ch: expect.any(String) });
      expect(me.peer.keyAt(h.endpoint)).toBeUndefined();
      expect(me.peer.resolveHost(h.endpoint, victim.publicKey)).toEqual(h.endpoint);
    },
    15_000,
  );
});
