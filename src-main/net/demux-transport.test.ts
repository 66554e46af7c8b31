import fc from 'fast-check';
import stun from 'stun';
import { describe, expect, it } from 'vitest';
import { encodeRequest, encodeResponse } from '../../src-shared/protocol/index.js';
import type { DatagramHandler, Endpoint, Transport } from '../core/ports.js';
import { DemuxTransport, isStunDatagram } from './demux-transport.js';

const bindingRequest = (): Uint8Array =>
  new Uint8Array(stun.encode(stun.createMessage(stun.constants.STUN_BINDING_REQUEST as number)));

/** A transport the test drives by hand. */
class FakeTransport implements Transport {
  readonly sent: Array<{ data: Uint8Array; to: Endpoint }> = [];
  readonly handlers: DatagramHandler[] = [];
  closed = 0;
  send(data: Uint8Array, to: Endpoint): void {
    this.sent.push({ data, to });
  }
  onDatagram(handler: DatagramHandler): void {
    this.handlers.push(handler);
  }
  localEndpoint(): Endpoint {
    return { host: '127.0.0.1', port: 4000 };
  }
  async close(): Promise<void> {
    this.closed++;
  }
  receive(data: Uint8Array, from: Endpoint = { host: '127.0.0.1', port: 5000 }): void {
    for (const h of this.handlers) h(data, from);
  }
}

describe('isStunDatagram', () => {
  it('recognises STUN messages the stun package builds', () => {
    expect(isStunDatagram(bindingRequest())).toBe(true);
    const withAttr = stun.createMessage(stun.constants.STUN_BINDING_REQUEST as number);
    withAttr.addAttribute(stun.constants.STUN_ATTR_CHANGE_REQUEST as number, 6);
    expect(isStunDatagram(new Uint8Array(stun.encode(withAttr)))).toBe(true);
  });

  it('rejects short, cookie-less, mis-sized and high-bit datagrams', () => {
    const ok = bindingRequest();
    expect(isStunDatagram(ok.slice(0, 19))).toBe(false);
    const noCookie = ok.slice();
    noCookie[5] = 0;
    expect(isStunDatagram(noCookie)).toBe(false);
    const highBits = ok.slice();
    highBits[0] = 0x40;
    expect(isStunDatagram(highBits)).toBe(false);
    const trailing = new Uint8Array(ok.byteLength + 4);
    trailing.set(ok);
    expect(isStunDatagram(trailing)).toBe(false);
  });

  it('never takes a Nance datagram (base64 JSON) for STUN', () => {
    const ascii = (s: string) => new TextEncoder().encode(s);
    expect(isStunDatagram(encodeRequest({ type: 'ping' }, 'z1'))).toBe(false);
    expect(isStunDatagram(encodeResponse({ r: 0, c: {} }, 'z1'))).toBe(false);
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = Buffer.from(JSON.stringify({ m: 'r', v })).toString('base64');
        return !isStunDatagram(ascii(text));
      }),
      { numRuns: 2000 },
    );
    // Any base64 text at all: bytes 4-7 are base64 characters, never 0x21 0x12 0xA4 0x42.
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 15, maxLength: 600 }), (bytes) => {
        return !isStunDatagram(ascii(Buffer.from(bytes).toString('base64')));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('DemuxTransport', () => {
  it('hands STUN to the STUN channel and everything else to the rest', () => {
    const inner = new FakeTransport();
    const demux = new DemuxTransport(inner);
    const stunChannel = demux.channel(isStunDatagram);
    const rest = demux.rest();
    const gotStun: Uint8Array[] = [];
    const gotRest: Uint8Array[] = [];
    stunChannel.onDatagram((d) => gotStun.push(d));
    rest.onDatagram((d) => gotRest.push(d));
    const ping = encodeRequest({ type: 'ping' }, 'z');
    inner.receive(bindingRequest());
    inner.receive(ping);
    inner.receive(new Uint8Array([1, 2, 3]));
    expect(gotStun).toHaveLength(1);
    expect(gotRest).toEqual([ping, new Uint8Array([1, 2, 3])]);
  });

  it('sends every channel on the one socket and reports its address', () => {
    const inner = new FakeTransport();
    const demux = new DemuxTransport(inner);
    const a = demux.channel(isStunDatagram);
    const b = demux.rest();
    a.send(new Uint8Array([1]), { host: '127.0.0.1', port: 1 });
    b.send(new Uint8Array([2]), { host: '127.0.0.1', port: 2 });
    expect(inner.sent.map((s) => s.to.port)).toEqual([1, 2]);
    expect(a.localEndpoint()).toEqual(inner.localEndpoint());
  });

  it('drops what a closed channel would have taken instead of passing it on', async () => {
    const inner = new FakeTransport();
    const demux = new DemuxTransport(inner);
    const stunChannel = demux.channel(isStunDatagram);
    const rest = demux.rest();
    const gotRest: Uint8Array[] = [];
    rest.onDatagram((d) => gotRest.push(d));
    await stunChannel.close();
    inner.receive(bindingRequest());
    expect(gotRest).toEqual([]);
    expect(demux.stats.unclaimed).toBe(1);
    stunChannel.send(new Uint8Array([1]), { host: '127.0.0.1', port: 1 });
    expect(inner.sent).toEqual([]);
    expect(inner.closed).toBe(0);
  });

  it('a closesAll channel closes the hooks and the socket, once', async () => {
    const inner = new FakeTransport();
    const demux = new DemuxTransport(inner);
    const stunChannel = demux.channel(isStunDatagram);
    const rest = demux.rest({ closesAll: true });
    let hooks = 0;
    demux.onClose(() => {
      hooks++;
    });
    demux.onClose(() => {
      throw new Error('a failing hook must not keep the socket open');
    });
    await rest.close();
    await demux.close();
    expect(hooks).toBe(1);
    expect(inner.closed).toBe(1);
    stunChannel.send(new Uint8Array([1]), { host: '127.0.0.1', port: 1 });
    expect(inner.sent).toEqual([]);
  });

  it('allows one rest channel only', () => {
    const demux = new DemuxTransport(new FakeTransport());
    demux.rest();
    expect(() => demux.rest()).toThrow(/already/);
  });
});
