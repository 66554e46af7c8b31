// The test helpers themselves: if these lie, every test built on them does.
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { RawUdp } from './raw-udp.js';
import { decodeWire, encodeWire, SimHarness } from './sim-harness.js';

describe('wire helpers', () => {
  it('encode base64 JSON and decode it back, tolerating garbage', () => {
    const bytes = encodeWire({ m: 'p', z: 'é' });
    expect(Buffer.from(bytes).toString('latin1')).toBe(Buffer.from('{"m":"p","z":"é"}').toString('base64'));
    expect(decodeWire(bytes)).toEqual({ text: '{"m":"p","z":"é"}', obj: { m: 'p', z: 'é' } });
    expect(decodeWire(Buffer.from('!!'))).toEqual({ text: undefined, obj: undefined });
    expect(decodeWire(Buffer.from(Buffer.from('[1]').toString('base64')))).toEqual({
      text: '[1]',
      obj: undefined,
    });
  });
});

describe('SimHarness', () => {
  let h: SimHarness;
  afterEach(() => h.close());

  it('builds peers at 10.0.0.N:7000 in both roles, each with its own store', async () => {
    h = new SimHarness({ peers: [{ role: 'bootstrap' }, {}, { host: '10.0.3.3', port: 7100 }] });
    expect(h.peers.map((p) => p.endpoint)).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7000 },
      { host: '10.0.3.3', port: 7100 },
    ]);
    expect(h.peers.map((p) => p.peer.role)).toEqual(['bootstrap', 'peer', 'peer']);
    await h.settle(h.peers[1]?.peer.createChat('a', 'b', 'c') as Promise<unknown>);
    expect(h.peers.map((p) => p.store.listChats(5).length)).toEqual([0, 1, 0]);
  });

  it('settle() advances virtual time only until the promise settles', async () => {
    h = new SimHarness({ latencyMs: 20 });
    const [host, client] = [h.addPeer(), h.addPeer()];
    const start = h.clock.now();
    await h.settle(client.peer.refreshChats(host.endpoint));
    // Two round trips of 2 × 20 ms: the learning ping (the client never pinged the host), then g/c.
    expect(h.clock.now() - start).toBe(80);
    const again = h.clock.now();
    await h.settle(client.peer.refreshChats(host.endpoint));
    expect(h.clock.now() - again).toBe(40);
    const err = await h.settleError(client.peer.readChat({ host: '10.9.9.9', port: 1 }, 'x'), 60_000);
    expect(err).toMatchObject({ kind: 'timeout' });
    await expect(h.settle(new Promise(() => {}), 50)).rejects.toThrow('still pending after 50 virtual ms');
  });

  it('probes record exact answers, answer pings on request, and see loss', async () => {
    h = new SimHarness({ peers: [{}] });
    const to = h.peers[0]?.endpoint ?? { host: '', port: 0 };
    const probe = h.probe();
    expect((await probe.askOnce({ m: 'p', z: 'x' }, to)).obj).toMatchObject({ m: 'R', r: 0, z: 'x' });
    const pinger = h.probe().answerPings();
    pinger.send({ m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' }, z: 'r' }, to);
    await h.advance(100);
    expect(pinger.responses('r').map((r) => r.text)).toEqual(['{"m":"R","r":0,"c":{},"z":"r"}']);
    h.net.setLoss(to, probe.endpoint, 1);
    expect(await probe.ask({ m: 'p', z: 'lost' }, to)).toEqual([]);
  });

  it('removes its temp store files on close', async () => {
    h = new SimHarness();
    const p = h.addPeer({ store: 'temp' });
    const fs = await import('node:fs');
    expect(fs.existsSync(p.storePath)).toBe(true);
    await h.close();
    expect(fs.existsSync(p.storePath)).toBe(false);
  });
});

describe('RawUdp', () => {
  it('sends base64 JSON to a loopback socket and collects its answers', async () => {
    const echo = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    echo.on('message', (msg, rinfo) => {
      const obj = JSON.parse(Buffer.from(msg.toString('latin1'), 'base64').toString('utf8'));
      const answer = Buffer.from(JSON.stringify({ m: 'R', r: 0, c: {}, z: obj.z })).toString('base64');
      echo.send(answer, rinfo.port, rinfo.address);
      echo.send(answer, rinfo.port, rinfo.address);
    });
    const raw = await RawUdp.open();
    try {
      const port = echo.address().port;
      const first = await raw.request({ m: 'p', z: 'one' }, port);
      expect(first?.text).toBe('{"m":"R","r":0,"c":{},"z":"one"}');
      expect(first?.peer).toEqual({ host: '127.0.0.1', port });
      const all = await raw.ask({ m: 'p', z: 'two' }, port, 100);
      expect(all.map((r) => r.obj?.z)).toEqual(['two', 'two']);
      expect(() => raw.send({ m: 'p' }, { host: '192.0.2.1', port })).toThrow('127.0.0.1 only');
      expect(await raw.waitFor(() => false, 20)).toBe(false);
    } finally {
      await raw.close();
      echo.close();
    }
  });
});
