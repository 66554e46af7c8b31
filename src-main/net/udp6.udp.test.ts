// IPv6 over real sockets on ::1: the transport's udp6 socket beside the udp4 one, and two peers
// that chat over IPv6 (a read and a post), their budgets and address proof working on v6 sources.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NancePeer } from '../core/peer.js';
import type { Endpoint } from '../core/ports.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { systemClock } from './system-clock.js';
import { UdpTransport } from './udp-transport.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function bind(): Promise<UdpTransport> {
  const t = await UdpTransport.bind({ host: '127.0.0.1', host6: '::1' });
  open.push(t);
  return t;
}

describe('IPv6 on ::1', () => {
  it('the udp6 socket shares the udp4 port and carries datagrams both ways', async () => {
    const a = await bind();
    const b = await bind();
    const a6 = a.localEndpoint6() as Endpoint;
    const b6 = b.localEndpoint6() as Endpoint;
    expect(a6).toEqual({ host: '::1', port: a.localEndpoint().port });
    const got = new Promise<Endpoint>((resolve) => b.onDatagram((_d, from) => resolve(from)));
    a.send(new TextEncoder().encode('hi'), b6);
    expect(await got).toEqual(a6);
    expect(a.stats.sendErrors).toBe(0);
  });

  it('without a udp6 socket an IPv6 destination is a counted send error, not a throw', async () => {
    const t = await UdpTransport.bind({ host: '127.0.0.1' });
    open.push(t);
    expect(t.localEndpoint6()).toBeUndefined();
    t.send(new Uint8Array([1]), { host: '::1', port: 9 });
    expect(t.stats.sendErrors).toBe(1);
  });

  it('two peers chat over IPv6: read and post at [::1]', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-udp6-'));
    open.push({ close: async () => fs.rmSync(dir, { recursive: true, force: true }) });
    const peer = async (name: string) => {
      const transport = await bind();
      const store = SqliteStore.open({ path: path.join(dir, `${name}.db`), now: Date.now });
      // Default abuse limits: the v6 sources go through the guard's /64 budgets and address proof.
      const p = new NancePeer({ transport, store, clock: systemClock });
      open.push({ close: async () => (await p.close(), store.close()) });
      return { p, at6: transport.localEndpoint6() as Endpoint };
    };
    const host = await peer('host');
    const reader = await peer('reader');
    const chat = await host.p.createChat('over v6', 'hello over IPv6', 'host');
    const messages = await reader.p.readChat(host.at6, chat.uuid);
    expect(messages.map((m) => m.content)).toEqual(['hello over IPv6']);
    await reader.p.postMessage(host.at6, chat.uuid, 'reader', 'answer over IPv6');
    const local = await host.p.readChat(null, chat.uuid);
    expect(local.map((m) => m.content)).toEqual(['hello over IPv6', 'answer over IPv6']);
  });
});
