// The client half of the protocol: z on every request, answers matched by z, retries with the same
// z on a backed-off, jittered schedule (checked in virtual time), 90 after the last attempt.
import { afterEach, describe, expect, it } from 'vitest';
import type { Request } from '../../src-shared/protocol/index.js';
import { SimClock } from '../../test/support/sim-clock.js';
import { decodeWire, SimHarness } from '../../test/support/sim-harness.js';
import { NanceError } from './errors.js';
import { NO_TOKEN_YET } from './given-tokens.js';
import type { Endpoint, Transport } from './ports.js';
import { RequestEngine, type RetryPolicy } from './request-engine.js';

const HOST: Endpoint = { host: '10.0.0.9', port: 7000 };
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PING: Request = { type: 'ping' };
const NO_JITTER: Partial<RetryPolicy> = { timeoutMs: 100, attempts: 4, backoff: 2, jitter: 0 };

/** A transport that only records what is sent, and when. */
class RecordingTransport implements Transport {
  readonly sent: { at: number; to: Endpoint; obj: Record<string, unknown> }[] = [];
  constructor(private readonly clock: SimClock) {}
  send(data: Uint8Array, to: Endpoint): void {
    const { obj } = decodeWire(data);
    if (!obj) throw new Error('engine sent something that is not base64 JSON');
    this.sent.push({ at: this.clock.now(), to, obj });
  }
  onDatagram(): void {}
  localEndpoint(): Endpoint {
    return { host: '10.0.0.1', port: 7000 };
  }
  async close(): Promise<void> {}
}

function setup(policy: Partial<RetryPolicy> = NO_JITTER, random: () => number = Math.random) {
  const clock = new SimClock(0);
  const transport = new RecordingTransport(clock);
  const engine = new RequestEngine(
    transport,
    clock,
    { timeoutMs: 300, attempts: 4, backoff: 2, jitter: 0.2, ...policy },
    random,
  );
  return { clock, transport, engine };
}

/** Tracks a promise's outcome and the virtual time it settled at. */
function track<T>(clock: SimClock, promise: Promise<T>) {
  const state: { value?: T; error?: unknown; at?: number } = {};
  promise.then(
    (value) => {
      state.value = value;
      state.at = clock.now();
    },
    (error: unknown) => {
      state.error = error;
      state.at = clock.now();
    },
  );
  return state;
}

describe('RequestEngine', () => {
  it('puts a fresh UUID z on every request', () => {
    const { transport, engine } = setup();
    for (let i = 0; i < 5; i++) void engine.request(HOST, PING).catch(() => {});
    void engine.request(HOST, { type: 'getChats', maxChatsLength: 3 }).catch(() => {});
    const zs = transport.sent.map((s) => s.obj.z);
    expect(zs).toHaveLength(6);
    for (const z of zs) expect(z).toMatch(UUID_RE);
    expect(new Set(zs).size).toBe(6);
    expect(transport.sent[5]?.obj).toStrictEqual({
      m: 'r',
      t: 'g',
      d: 'c',
      a: { maxChatsLength: 3 },
      z: zs[5],
      k: NO_TOKEN_YET, // we hold no address token of HOST yet
    });
    engine.close();
  });

  it('resolves each request with the response carrying its z, whatever the order', async () => {
    const { clock, transport, engine } = setup();
    const a = track(clock, engine.request(HOST, PING));
    const b = track(clock, engine.request(HOST, PING));
    const [za, zb] = transport.sent.map((s) => s.obj.z as string);
    expect(engine.handleResponse({ r: 0, c: { who: 'b' } }, zb, HOST)).toBe(true);
    expect(engine.handleResponse({ r: 10, c: { who: 'a' } }, za, HOST)).toBe(true);
    await clock.advance(0);
    expect(a.value).toStrictEqual({ r: 10, c: { who: 'a' } });
    expect(b.value).toStrictEqual({ r: 0, c: { who: 'b' } });
    expect(engine.inFlight).toBe(0);
  });

  it('ignores responses with an unknown z, without z, duplicates and late ones', async () => {
    const { clock, transport, engine } = setup(NO_JITTER);
    const first = track(clock, engine.request(HOST, PING));
    const z1 = transport.sent[0]?.obj.z as string;
    expect(engine.handleResponse({ r: 0, c: { n: 'stray' } }, 'not-ours', HOST)).toBe(false);
    expect(engine.handleResponse({ r: 0, c: { n: 'anon' } }, undefined, HOST)).toBe(false);
    await clock.advance(0);
    expect(first.at).toBeUndefined();
    expect(engine.handleResponse({ r: 0, c: { n: 1 } }, z1, HOST)).toBe(true);
    // The original answers twice: a stray 2 with the same z. The first answer wins.
    expect(engine.handleResponse({ r: 2, c: {} }, z1, HOST)).toBe(false);
    await clock.advance(0);
    expect(first.value).toStrictEqual({ r: 0, c: { n: 1 } });

    const late = track(clock, engine.request(HOST, PING, { attempts: 1 }));
    const z2 = transport.sent.at(-1)?.obj.z as string;
    await clock.advance(100);
    expect(late.error).toMatchObject({ kind: 'timeout', code: 90 });
    expect(engine.handleResponse({ r: 0, c: {} }, z2, HOST)).toBe(false);
    await clock.advance(0);
    expect(late.value).toBeUndefined();
  });

  it('resends the SAME z with exponential backoff, then fails with 90 after the last attempt', async () => {
    const { clock, transport, engine } = setup(NO_JITTER);
    const p = track(clock, engine.request(HOST, { type: 'getChats', maxChatsLength: 1 }));
    await clock.advance(10_000);
    expect(transport.sent.map((s) => s.at)).toEqual([0, 100, 300, 700]);
    const zs = new Set(transport.sent.map((s) => s.obj.z));
    expect(zs.size).toBe(1);
    expect(
      transport.sent.every((s) => JSON.stringify(s.obj) === JSON.stringify(transport.sent[0]?.obj)),
    ).toBe(true);
    expect(transport.sent.every((s) => s.to.host === HOST.host && s.to.port === HOST.port)).toBe(true);
    expect(p.at).toBe(1500);
    expect(p.error).toBeInstanceOf(NanceError);
    expect(p.error).toMatchObject({ kind: 'timeout', code: 90 });
    expect(engine.inFlight).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('stops retrying once an answer arrives', async () => {
    const { clock, transport, engine } = setup(NO_JITTER);
    const p = track(clock, engine.request(HOST, PING));
    await clock.advance(150); // sent at 0 and 100
    engine.handleResponse({ r: 0, c: {} }, transport.sent[0]?.obj.z as string, HOST);
    await clock.advance(10_000);
    expect(transport.sent.map((s) => s.at)).toEqual([0, 100]);
    expect(p.value).toStrictEqual({ r: 0, c: {} });
    expect(p.at).toBe(150);
  });

  it('honours per-request policies (attempts: 1 means no retry)', async () => {
    const { clock, transport, engine } = setup(NO_JITTER);
    const p = track(clock, engine.request(HOST, PING, { timeoutMs: 50, attempts: 1 }));
    await clock.advance(1000);
    expect(transport.sent.map((s) => s.at)).toEqual([0]);
    expect(p.at).toBe(50);
    expect(p.error).toMatchObject({ kind: 'timeout', code: 90 });
  });

  it.each([
    ['shortest', () => 0, [0, 80, 240, 560], 1200],
    ['longest', () => 0.999_999, [0, 120, 360, 840], 1800],
  ])('keeps jitter within ±jitter of each wait (%s draw)', async (_, random, sends, failAt) => {
    const { clock, transport, engine } = setup({ ...NO_JITTER, jitter: 0.2 }, random);
    const p = track(clock, engine.request(HOST, PING));
    await clock.advance(10_000);
    expect(transport.sent.map((s) => s.at)).toEqual(sends);
    expect(p.at).toBe(failAt);
  });

  it('draws a different jitter for each wait, always within bounds', async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const { clock, transport, engine } = setup(
      { timeoutMs: 1000, attempts: 6, backoff: 1.5, jitter: 0.3 },
      random,
    );
    const p = track(clock, engine.request(HOST, PING));
    await clock.advance(100_000);
    const times = [...transport.sent.map((s) => s.at), p.at as number];
    expect(times).toHaveLength(7);
    const waits = times.slice(1).map((t, i) => t - (times[i] as number));
    waits.forEach((wait, i) => {
      const nominal = 1000 * 1.5 ** i;
      expect(wait).toBeGreaterThanOrEqual(Math.floor(nominal * 0.7));
      expect(wait).toBeLessThanOrEqual(Math.ceil(nominal * 1.3));
    });
    // Not all exactly nominal: the jitter is really applied.
    expect(waits.some((w, i) => w !== 1000 * 1.5 ** i)).toBe(true);
  });

  it("refuses a request that does not fit one datagram with 'too-large' and sends nothing", async () => {
    const { transport, engine } = setup();
    const huge: Request = { type: 'postMessage', chatUuid: 'c', name: 'n', content: 'x'.repeat(70_000) };
    await expect(engine.request(HOST, huge)).rejects.toMatchObject({ name: 'NanceError', kind: 'too-large' });
    expect(transport.sent).toEqual([]);
    expect(engine.inFlight).toBe(0);
  });

  it("close() rejects every pending request with 'closed', cancels the timers and refuses new ones", async () => {
    const { clock, transport, engine } = setup(NO_JITTER);
    const a = track(clock, engine.request(HOST, PING));
    const b = track(clock, engine.request(HOST, { type: 'getPeers', maxPeersLength: 5 }));
    engine.close();
    await clock.advance(0);
    expect(a.error).toMatchObject({ kind: 'closed' });
    expect(b.error).toMatchObject({ kind: 'closed' });
    expect(clock.pending()).toBe(0);
    await clock.advance(10_000);
    expect(transport.sent).toHaveLength(2);
    await expect(engine.request(HOST, PING)).rejects.toMatchObject({ kind: 'closed' });
    expect(transport.sent).toHaveLength(2);
  });
});

describe('RequestEngine against a peer on the simulator', () => {
  let h: SimHarness;
  afterEach(() => h.close());

  it('retries through loss with the same z and the host answers the retry', async () => {
    h = new SimHarness({ seed: 3 });
    const host = h.addPeer();
    const client = h.addPeer({ config: { retry: { jitter: 0 } } });
    // A ping first: it is one of ours, so the fast schedule applies (a base peer gets a gentle one).
    await h.settle(client.peer.readChat(host.endpoint, 'none').catch(() => undefined));
    // Lose the first request only.
    h.net.setLoss(client.endpoint, host.endpoint, 1);
    const start = h.clock.now();
    const reading = client.peer.refreshChats(host.endpoint);
    await h.advance(10);
    h.net.setLoss(client.endpoint, host.endpoint, 0);
    const result = await h.settle(reading, 5_000);
    expect(result.error).toBeUndefined();
    const asks = client.tap.sentWhere((o) => o.d === 'c');
    expect(asks.map((r) => r.at - start)).toEqual([0, 300]);
    expect(new Set(asks.map((r) => r.obj?.z)).size).toBe(1);
  });

  it('answers 90 (timeout) for a peer that is not there, after the whole (gentle) schedule', async () => {
    h = new SimHarness();
    const client = h.addPeer({ config: { retry: { jitter: 0 } } });
    const start = h.clock.now();
    const error = await h.settleError(
      client.peer.postMessage({ host: '10.9.9.9', port: 1 }, 'c', 'n', 'x'),
      30_000,
    );
    expect(error).toMatchObject({ kind: 'timeout', code: 90 });
    // Never pinged: first a learning ping (its own schedule); unanswered, so possibly a base peer:
    // 3 sends of the post, the first resend no sooner than 1.5 s, then ×2.
    const pings = client.tap.sentWhere((o) => o.m === 'p').map((r) => r.at - start);
    const at = client.tap.sentWhere((o) => o.t === 's').map((r) => r.at - start);
    expect(pings[0]).toBe(0);
    expect(at).toHaveLength(3);
    const [first = 0, second = 0, third = 0] = at;
    expect(first).toBeGreaterThan(pings.at(-1) ?? 0);
    expect(second - first).toBeGreaterThanOrEqual(1_500);
    expect(third - second).toBeGreaterThanOrEqual(3_000);
  });
});

describe('RequestEngine and address proof', () => {
  const TOKEN = 'abc_0123456789abcdefghijkl';

  it('answers "prove your address" by resending the same z with the token, and resolves with the real answer', async () => {
    const { transport, engine, clock } = setup();
    const read = track(clock, engine.request(HOST, { type: 'getChats', maxChatsLength: 3 }));
    const z = transport.sent[0]?.obj.z as string;
    expect(transport.sent[0]?.obj.k).toBe(NO_TOKEN_YET);
    expect(engine.handleResponse({ r: 4, c: { k: TOKEN } }, z, HOST)).toBe(true);
    expect(transport.sent).toHaveLength(2);
    expect(transport.sent[1]?.obj).toMatchObject({ z, k: TOKEN });
    engine.handleResponse({ r: 0, c: { chats: [] } }, z, HOST);
    await clock.advance(1);
    expect(read.value).toEqual({ r: 0, c: { chats: [] } });
    // Later requests carry the token from the start.
    void engine.request(HOST, { type: 'ping' }).catch(() => {});
    expect(transport.sent[2]?.obj.k).toBe(TOKEN);
  });

  it('a second "prove your address" for the same request is its answer: no loop', async () => {
    const { transport, engine, clock } = setup();
    const read = track(clock, engine.request(HOST, { type: 'getChats', maxChatsLength: 3 }));
    const z = transport.sent[0]?.obj.z as string;
    engine.handleResponse({ r: 4, c: { k: TOKEN } }, z, HOST);
    engine.handleResponse({ r: 4, c: { k: 'other_0123456789abcdefghijkl' } }, z, HOST);
    await clock.advance(1);
    expect(transport.sent).toHaveLength(2);
    expect(read.value).toMatchObject({ r: 4 });
  });

  it('a malformed token in "prove your address" is not sent back', async () => {
    const { transport, engine, clock } = setup();
    const read = track(clock, engine.request(HOST, { type: 'ping' }));
    const z = transport.sent[0]?.obj.z as string;
    engine.handleResponse({ r: 4, c: { k: '"}, "m": "x' } }, z, HOST);
    await clock.advance(1);
    expect(transport.sent).toHaveLength(1);
    expect(read.value).toMatchObject({ r: 4 });
  });

  it('a retry after the route changed carries the token given to our source at the new destination', async () => {
    // Sent while the peer was relayed (its name's token), retried after a direct IPv6 path was
    // proven: the IPv6 source's token goes with the retry, or the peer would not count it proven.
    const { transport, engine, clock } = setup();
    const v6: Endpoint = { host: '2001:db8::9', port: 7000 };
    engine.tokens.set(HOST, TOKEN);
    let route: Endpoint = HOST;
    engine.destinationOf = () => route;
    const read = track(clock, engine.request(HOST, { type: 'getChats', maxChatsLength: 3 }));
    const z = transport.sent[0]?.obj.z as string;
    expect(transport.sent[0]?.obj.k).toBe(TOKEN);
    route = v6;
    engine.tokens.set(v6, 'six_0123456789abcdefghijkl');
    await clock.advance(100);
    expect(transport.sent[1]?.obj).toMatchObject({ z, k: 'six_0123456789abcdefghijkl' });
    // An answer asking proof now is for the IPv6 source: its token is kept there, the name's stays.
    engine.handleResponse({ r: 4, c: { k: 'new_0123456789abcdefghijkl' } }, z, HOST);
    expect(engine.tokens.proofFor(HOST)).toBe(TOKEN);
    expect(engine.tokens.proofFor(HOST, v6)).toBe('new_0123456789abcdefghijkl');
    engine.handleResponse({ r: 0, c: { chats: [] } }, z, HOST);
    await clock.advance(1);
    expect(read.value).toEqual({ r: 0, c: { chats: [] } });
  });

  it('sends no k at all to a peer known not to speak the extension (a base peer)', () => {
    const { transport, engine } = setup();
    engine.tokens.set(HOST, null);
    void engine.request(HOST, { type: 'ping' }).catch(() => {});
    expect(transport.sent[0]?.obj).not.toHaveProperty('k');
  });
});
