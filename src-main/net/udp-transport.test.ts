import { afterEach, describe, expect, it } from 'vitest';
import type { Endpoint } from '../core/ports.js';
import { UdpTransport } from './udp-transport.js';

// Real sockets, loopback only.
const HOST = '127.0.0.1';
const open: UdpTransport[] = [];

async function bindLoopback(port = 0): Promise<UdpTransport> {
  const transport = await UdpTransport.bind({ host: HOST, port });
  open.push(transport);
  return transport;
}

/** Resolves with the first `count` datagrams the transport receives. */
function receive(transport: UdpTransport, count: number): Promise<{ data: Uint8Array; from: Endpoint }[]> {
  const received: { data: Uint8Array; from: Endpoint }[] = [];
  return new Promise((resolve) => {
    transport.onDatagram((data, from) => {
      received.push({ data: data.slice(), from });
      if (received.length === count) resolve(received);
    });
  });
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

describe('UdpTransport', () => {
  it('binds to an OS-chosen port and reports it', async () => {
    const t = await bindLoopback();
    const local = t.localEndpoint();
    expect(local.host).toBe(HOST);
    expect(local.port).toBeGreaterThan(0);
  });

  it('exchanges datagrams both ways and counts them', async () => {
    const a = await bindLoopback();
    const b = await bindLoopback();

    const atB = receive(b, 1);
    a.send(bytes('ping'), b.localEndpoint());
    const [ping] = await atB;
    expect(ping?.data).toEqual(bytes('ping'));
    expect(ping?.from).toEqual(a.localEndpoint());

    const atA = receive(a, 1);
    b.send(bytes('pong!'), ping?.from ?? a.localEndpoint());
    const [pong] = await atA;
    expect(pong?.data).toEqual(bytes('pong!'));
    expect(pong?.from).toEqual(b.localEndpoint());

    await expect.poll(() => a.stats.datagramsOut).toBe(1);
    expect(a.stats).toMatchObject({ datagramsIn: 1, bytesIn: 5, bytesOut: 4, sendErrors: 0 });
    expect(b.stats).toMatchObject({ datagramsIn: 1, bytesIn: 4, sendErrors: 0 });
  });

  it("sends to 'localhost' as 127.0.0.1", async () => {
    const a = await bindLoopback();
    const b = await bindLoopback();
    const atB = receive(b, 1);
    a.send(bytes('hi'), { host: 'localhost', port: b.localEndpoint().port });
    const [hi] = await atB;
    expect(hi?.from.host).toBe(HOST);
  });

  it('rejects binding a port in use with EADDRINUSE and the address', async () => {
    const a = await bindLoopback();
    const { port } = a.localEndpoint();
    const attempt = UdpTransport.bind({ host: HOST, port });
    await expect(attempt).rejects.toThrow(/EADDRINUSE/);
    await expect(attempt).rejects.toThrow(`${HOST}:${port}`);
  });

  it('rejects an invalid port with a clear error', async () => {
    await expect(UdpTransport.bind({ host: HOST, port: 70_000 })).rejects.toThrow(
      `Cannot bind UDP ${HOST}:70000`,
    );
  });

  it('refuses oversize datagrams and unusable addresses without throwing', async () => {
    const a = await bindLoopback();
    const b = await bindLoopback();
    a.send(new Uint8Array(65_508), b.localEndpoint());
    a.send(bytes('x'), { host: 'not-an-ip.invalid', port: 9 });
    a.send(bytes('x'), { host: HOST, port: 70_000 });
    expect(a.stats.sendErrors).toBe(3);
    expect(a.stats.datagramsOut).toBe(0);

    // The largest legal payload still goes through.
    const atB = receive(b, 1);
    a.send(new Uint8Array(65_507), b.localEndpoint());
    const [max] = await atB;
    expect(max?.data.byteLength).toBe(65_507);
  });

  it('closes idempotently and counts sends after close as errors', async () => {
    const a = await UdpTransport.bind({ host: HOST });
    const first = a.close();
    await Promise.all([first, a.close()]);
    await a.close();
    a.send(bytes('late'), { host: HOST, port: 9 });
    expect(a.stats.sendErrors).toBe(1);
    expect(a.localEndpoint().host).toBe(HOST);
  });

  it('delivers a burst of 256 datagrams on loopback', async () => {
    const a = await bindLoopback();
    const b = await bindLoopback();
    const count = 256;
    const atB = receive(b, count);
    for (let i = 0; i < count; i++) {
      const data = new Uint8Array(1200);
      new DataView(data.buffer).setUint16(0, i);
      a.send(data, b.localEndpoint());
    }
    const received = await atB;
    const ids = received.map(({ data }) => new DataView(data.buffer, data.byteOffset).getUint16(0));
    expect(new Set(ids).size).toBe(count);
    await expect.poll(() => a.stats.datagramsOut).toBe(count);
    expect(b.stats.bytesIn).toBe(count * 1200);
  });
});
