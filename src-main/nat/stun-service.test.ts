// The STUN client and service on real UDP sockets, on loopback: 127.0.0.1 and 127.0.0.2 play the
// service's two addresses (Linux answers for all of 127.0.0.0/8).
import dgram from 'node:dgram';
import stun from 'stun';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeRequest } from '../../src-shared/protocol/index.js';
import type { Endpoint } from '../core/ports.js';
import { DemuxTransport, isStunDatagram } from '../net/demux-transport.js';
import { UdpTransport } from '../net/udp-transport.js';
import { discoverNat } from './nat-discovery.js';
import { NatSetup } from './nat-setup.js';
import { StunClient } from './stun-client.js';
import { StunService } from './stun-service.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A peer-like socket with a STUN service; RFC 5780 when `alt` (needs port and port+1 free). */
async function serviceSocket(alt?: string, host6?: string): Promise<{ nat: NatSetup; at: Endpoint }> {
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const socket = await UdpTransport.bind({ host: '127.0.0.1', port, ...(host6 ? { host6 } : {}) }).catch(
      () => undefined,
    );
    if (!socket) continue;
    try {
      const nat = await NatSetup.start(socket, alt ? { altAddress: alt } : {});
      cleanups.push(() => nat.close());
      return { nat, at: { host: '127.0.0.1', port } };
    } catch (err) {
      await socket.close();
      if (attempt > 20) throw err;
    }
  }
}

async function clientSocket(host6?: string): Promise<{
  client: StunClient;
  transport: UdpTransport;
  stunChannel: ReturnType<DemuxTransport['channel']>;
}> {
  const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0, ...(host6 ? { host6 } : {}) });
  const demux = new DemuxTransport(transport);
  const stunChannel = demux.channel(isStunDatagram);
  const client = new StunClient(stunChannel);
  cleanups.push(async () => {
    client.close();
    await demux.close();
  });
  return { client, transport, stunChannel };
}

describe('STUN service (plain: one address)', () => {
  it('answers a Binding request with our address and its own', async () => {
    const { at } = await serviceSocket();
    const { client, transport } = await clientSocket();
    const r = await client.binding(at);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.mapped).toEqual(transport.localEndpoint());
    expect(r.from).toEqual(at);
    expect(r.responseOrigin).toEqual(at);
    expect(r.otherAddress).toBeUndefined();
  });

  it('refuses CHANGE-REQUEST with 420 (RFC 5780 6.1): it has no other address', async () => {
    const { at, nat } = await serviceSocket();
    const { client } = await clientSocket();
    const r = await client.binding(at, { changeIp: true, changePort: true });
    expect(r).toMatchObject({ ok: false, reason: 'error-response', errorCode: 420 });
    expect(nat.service.stats.errors).toBe(1);
  });

  it('shares the socket: Nance datagrams still reach the peer, STUN never does', async () => {
    const { at, nat } = await serviceSocket();
    const seen: Uint8Array[] = [];
    nat.peerTransport.onDatagram((d) => seen.push(d));
    const { client, transport } = await clientSocket();
    const ping = encodeRequest({ type: 'ping' }, 'z-1');
    transport.send(ping, at);
    expect((await client.binding(at)).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([ping]);
  });

  it('ignores garbage that looks like STUN and keeps answering', async () => {
    const { at, nat } = await serviceSocket();
    const raw = dgram.createSocket('udp4');
    cleanups.push(() => new Promise<void>((r) => raw.close(() => r())));
    await new Promise<void>((r) => raw.bind(0, '127.0.0.1', () => r()));
    // A header that passes isStunDatagram, with an attribute claiming more bytes than there are.
    const bad = Buffer.from('000100082112a442000000000000000000000000' + '0020ff00' + '00000000', 'hex');
    raw.send(bad, at.port, at.host);
    raw.send(
      Buffer.from(stun.encode(stun.createMessage(stun.constants.STUN_BINDING_INDICATION as number))),
      at.port,
      at.host,
    );
    const { client } = await clientSocket();
    expect((await client.binding(at)).ok).toBe(true);
    expect(nat.service.stats.answered).toBe(1);
  });
});

describe('STUN service (RFC 5780: 127.0.0.1 + 127.0.0.2, port and port+1)', () => {
  it('reports OTHER-ADDRESS and RESPONSE-ORIGIN and honours every CHANGE-REQUEST', async () => {
    const { at, nat } = await serviceSocket('127.0.0.2');
    expect(nat.service.rfc5780).toBe(true);
    const other = { host: '127.0.0.2', port: at.port + 1 };
    const { client, transport } = await clientSocket();
    const cases: Array<[boolean, boolean, Endpoint]> = [
      [false, false, at],
      [true, true, other],
      [false, true, { host: '127.0.0.1', port: at.port + 1 }],
      [true, false, { host: '127.0.0.2', port: at.port }],
    ];
    for (const [changeIp, changePort, from] of cases) {
      const r = await client.binding(at, { changeIp, changePort });
      expect(r.ok, `change ip=${changeIp} port=${changePort}`).toBe(true);
      if (!r.ok) continue;
      expect(r.from).toEqual(from);
      expect(r.responseOrigin).toEqual(from);
      expect(r.otherAddress).toEqual(other);
      expect(r.mapped).toEqual(transport.localEndpoint());
    }
    // A request to an alternate socket reports the alternate of *that* socket.
    const atOther = await client.binding(other);
    expect(atOther.ok && atOther.otherAddress).toEqual(at);
    expect(nat.service.stats.changed).toBe(3);
  });

  it('discovery on loopback: no NAT, no filter → Open Internet, measured', async () => {
    const { at } = await serviceSocket('127.0.0.2');
    const { stunChannel } = await clientSocket();
    const result = await discoverNat(stunChannel, { servers: [at] });
    expect(result.natType).toBe('Open Internet');
    expect(result.mappingBehaviour).toBe('none');
    expect(result.filteringBehaviour).toBe('endpoint-independent');
    expect(result.confidence).toBe('high');
    expect(result.servers[0]).toMatchObject({
      answered: true,
      usedForRfc5780: true,
      otherAddressAttribute: 'OTHER-ADDRESS',
    });
    expect(result.durationMs).toBeLessThan(500);
  });

  it('refuses a configuration it cannot serve', async () => {
    const any = await UdpTransport.bind({ host: '0.0.0.0', port: 0 });
    cleanups.push(() => any.close());
    await expect(StunService.start(any, '127.0.0.2')).rejects.toThrow(/--host/);
    const one = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => one.close());
    await expect(StunService.start(one, 'not-an-ip')).rejects.toThrow(/IPv4/);
    await expect(StunService.start(one, '127.0.0.1')).rejects.toThrow(/differ/);
  });
});

describe('STUN over the udp6 socket (::1)', () => {
  it('answers an IPv6 Binding with the IPv6 mapped address; discovery per family says Open Internet', async () => {
    const { at, nat } = await serviceSocket('127.0.0.2', '::1');
    const { client, transport, stunChannel } = await clientSocket('::1');
    const local6 = transport.localEndpoint6();
    expect(local6, 'the client has a udp6 socket on ::1').toEqual({
      host: '::1',
      port: transport.localEndpoint().port,
    });
    const server6 = { host: '::1', port: at.port };
    const r = await client.binding(server6);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    expect(r.mapped).toEqual(local6);
    // The RFC 5780 sockets are IPv4: over IPv6 the service is plain (no OTHER-ADDRESS, and a change
    // request is refused rather than answered from an IPv4 socket the client cannot match).
    expect(r.otherAddress).toBeUndefined();
    const change = await client.binding(server6, { changeIp: true, changePort: true });
    expect(change.ok ? 'answered' : change.reason).toBe('error-response');
    expect(nat.service.stats.changed).toBe(0);

    const v6 = await discoverNat(stunChannel, {
      servers: [server6],
      family: 'ipv6',
      localAddresses: ['::1'],
    });
    expect(v6.publicEndpoint).toEqual(local6);
    expect([v6.natType, v6.mappingBehaviour, v6.confidence]).toEqual(['Open Internet', 'none', 'medium']);
    // The IPv4 family on the same socket is unchanged: measured by RFC 5780.
    const v4 = await discoverNat(stunChannel, { servers: [at], client });
    expect([v4.natType, v4.confidence, v4.publicEndpoint]).toEqual([
      'Open Internet',
      'high',
      transport.localEndpoint(),
    ]);
  });
});

describe('STUN client bounds', () => {
  it('gives up on a silent server after tries × RTO', async () => {
    const silent = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => silent.close());
    let received = 0;
    silent.onDatagram(() => received++);
    const { client } = await clientSocket();
    const t0 = Date.now();
    const r = await client.binding(silent.localEndpoint(), { rtoMs: 50, tries: 4 });
    const took = Date.now() - t0;
    expect(r).toMatchObject({ ok: false, reason: 'timeout', sent: 4 });
    expect(received).toBe(4);
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(600);
  });

  it('a whole discovery against silent servers stays under 2 s and says Blocked', async () => {
    const silent = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    const silent2 = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    cleanups.push(
      () => silent.close(),
      () => silent2.close(),
    );
    const { stunChannel } = await clientSocket();
    const result = await discoverNat(stunChannel, {
      servers: [silent.localEndpoint(), silent2.localEndpoint()],
    });
    expect(result.natType).toBe('Blocked');
    expect(result.publicEndpoint).toBeNull();
    expect(result.durationMs).toBeLessThan(2000);
  });

  it('close() ends transactions in flight', async () => {
    const silent = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => silent.close());
    const { client } = await clientSocket();
    const pending = client.binding(silent.localEndpoint(), { rtoMs: 1000, tries: 3 });
    client.close();
    expect(await pending).toMatchObject({ ok: false, reason: 'closed' });
  });
});
