// The abuse guard in virtual time: the anti-amplification rule (3× to an address that has not
// proven it receives), rate limits (a flooding source cannot starve a well-behaved one), bounded
// state, and small, pipelined, incremental chat reads. Each test breaks if its rule is switched off.
import { afterEach, describe, expect, it } from 'vitest';
import { NO_TOKEN_YET } from '../../src-main/core/given-tokens.js';
import { DEFAULT_GUARD, type GuardSettings } from '../../src-main/core/guard/index.js';
import { PAGE_BYTES } from '../../src-main/core/peer-client.js';
import { ResultCode } from '../../src-shared/protocol/index.js';
import { type Probe, SimHarness, type SimPeer } from '../support/sim-harness.js';

let h: SimHarness;
afterEach(async () => {
  await h?.close();
});

const guarded = (over: Partial<GuardSettings> = {}): { guard: GuardSettings } => ({
  guard: { ...DEFAULT_GUARD, ...over },
});

/** Fills a chat the host owns until it refuses with 20 (the 819,200-byte cap). */
async function fullChat(host: SimPeer, contentChars = 1000): Promise<{ uuid: string; count: number }> {
  const chat = await host.peer.createChat('big', 'x'.repeat(contentChars), 'first');
  let count = 1;
  for (let i = 0; i < 10_000; i++) {
    try {
      await host.peer.postMessage(null, chat.uuid, `n${i}`, `${i} ${'y'.repeat(contentChars)}`);
      count++;
    } catch {
      break;
    }
  }
  return { uuid: chat.uuid, count };
}

/** Sends `count` base g/m requests for `uuid` from `victim` (as a spoofer naming it would), `gapMs` apart; the bytes sent. */
async function forgeReads(
  victim: Probe,
  host: SimPeer,
  uuid: string,
  count: number,
  gapMs: number,
): Promise<number> {
  let sent = 0;
  for (let i = 0; i < count; i++) {
    const req = { m: 'r', t: 'g', d: 'm', a: { chatUuid: uuid }, z: `z-${i}-${'q'.repeat(30)}` };
    victim.send(req, host.endpoint);
    sent += Buffer.from(JSON.stringify(req)).toString('base64').length;
    await h.advance(gapMs);
  }
  return sent;
}

const bytesOf = (records: { bytes: Uint8Array }[]) => records.reduce((n, r) => n + r.bytes.length, 0);

describe('anti-amplification', () => {
  const noAllowance = {
    amplification: { ...DEFAULT_GUARD.amplification, allowanceBurst: 0, globalAllowanceBurst: 0 },
  };

  it('always answers a ping from a new address, bare when the advertisement would break the rule', async () => {
    h = new SimHarness();
    const host = h.addPeer({ config: guarded(noAllowance) });
    const stranger = h.probe(); // answers nothing
    const tiny = await stranger.ask({ m: 'p', z: 'a' }, host.endpoint, 500);
    expect(tiny.map((r) => r.obj)).toEqual([{ m: 'R', r: 0, c: {}, z: 'a' }]);
    const sent = Buffer.from(JSON.stringify({ m: 'p', z: 'a' })).toString('base64').length;
    expect(tiny[0]?.bytes.length).toBeLessThanOrEqual(3 * sent);
    // Our own first ping is padded (k placeholder, as QUIC pads its Initial): room for the
    // advertisement and the address token.
    const full = await stranger.ask(
      { m: 'p', z: '0b6c1f0e-8f0e-4f6e-9d0e-2f5a3c1b7e11', k: NO_TOKEN_YET },
      host.endpoint,
      500,
    );
    expect(full[0]?.obj?.c).toHaveProperty('nance.k');
  });

  it('a spoofed victim that answers pings gets at most 3× plus the allowance, however many requests', async () => {
    h = new SimHarness();
    const host = h.addPeer({ config: guarded() });
    const { uuid } = await fullChat(host, 2000);
    // A live peer whose address a spoofer names: it answers any ping, as every peer does. That
    // once made it "validated" for good (388× measured); it proves liveness, not a request.
    const victim = h.probe().answerPings();
    const sentToHost = await forgeReads(victim, host, uuid, 40, 100);
    await h.advance(2000);
    const got = bytesOf(victim.received);
    const { allowanceBurst, allowancePerSecond } = DEFAULT_GUARD.amplification;
    expect(got).toBeLessThanOrEqual(3 * sentToHost + allowanceBurst + allowancePerSecond * 6);
    expect(victim.responses().length).toBeLessThan(3); // one or two full answers, not 40
    expect(host.peer.guardStats().amplificationBlocked).toBeGreaterThan(30);
  });

  it('a ping from a peer of ours whose token went stale (a new mapping) is asked to prove, never answered bare', async () => {
    h = new SimHarness();
    const host = h.addPeer({ config: guarded(noAllowance) });
    const first = h.probe();
    const [pong] = await first.ask({ m: 'p', z: 'p1', k: NO_TOKEN_YET }, host.endpoint, 200);
    const k = String((pong?.obj?.c as { nance?: { k?: string } } | undefined)?.nance?.k);
    // The same peer from a new mapping, with the token its old one was given, and a short z: the
    // advertisement does not fit 3x. Bare, it would read as a base peer's answer.
    const moved = h.probe();
    const [ask] = await moved.ask({ m: 'p', z: 'p2', k }, host.endpoint, 200);
    expect(ask?.obj).toMatchObject({ r: ResultCode.ProveAddress, c: { k: expect.any(String) } });
    const fresh = String((ask?.obj?.c as { k?: string } | undefined)?.k);
    const [now] = await moved.ask({ m: 'p', z: 'p2', k: fresh }, host.endpoint, 200);
    expect(now?.obj?.c).toHaveProperty('nance.k');
  });

  it('a forged request carrying a bogus k gets no allowance: only the small "prove your address"', async () => {
    h = new SimHarness();
    const host = h.addPeer({ config: guarded() });
    const { uuid } = await fullChat(host, 2000);
    // A Nance peer the host knows (it registered; the ping-back read its advertisement), and a
    // spoofer who adds a made-up k to its forged reads so they look like ours without a token.
    const victim = h
      .probe()
      .answerPings(undefined, { v: 1, ext: ['page', 'proof'], role: 'peer', k: 'x_0000000000000000000000' });
    await victim.ask(
      { m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' }, z: 'reg' },
      host.endpoint,
      1_000,
    );
    const before = victim.received.length;
    let sentToHost = 0;
    for (let i = 0; i < 20; i++) {
      const req = { m: 'r', t: 'g', d: 'm', a: { chatUuid: uuid }, z: `z-${i}`, k: NO_TOKEN_YET };
      victim.send(req, host.endpoint);
      sentToHost += Buffer.from(JSON.stringify(req)).toString('base64').length;
      await h.advance(100);
    }
    const got = victim.received.slice(before);
    expect(bytesOf(got)).toBeLessThanOrEqual(3 * sentToHost);
    expect(got.every((r) => r.obj?.r === ResultCode.ProveAddress)).toBe(true);
  });

  it('without the allowance nothing over 3× reaches an address that never proved it asked', async () => {
    h = new SimHarness();
    const host = h.addPeer({ config: guarded(noAllowance) });
    const { uuid } = await fullChat(host, 2000);
    const victim = h.probe().answerPings();
    const sentToHost = await forgeReads(victim, host, uuid, 20, 500);
    expect(bytesOf(victim.received)).toBeLessThanOrEqual(3 * sentToHost);
    expect(victim.responses()).toEqual([]);
  });

  it('a Nance requester that echoes its address token gets the whole answer; a stale one is asked to prove', async () => {
    h = new SimHarness();
    const host = h.addPeer({ config: guarded(noAllowance) });
    const { uuid } = await fullChat(host, 2000);
    const asker = h.probe();
    const [pong] = await asker.ask({ m: 'p', z: 'p1', k: NO_TOKEN_YET }, host.endpoint, 200);
    const k = String((pong?.obj?.c as { nance?: { k?: string } } | undefined)?.nance?.k);
    const read = { m: 'r', t: 'g', d: 'm', a: { chatUuid: uuid } };
    const [whole] = await asker.ask({ ...read, z: 'r1', k }, host.endpoint, 200);
    expect(whole?.obj).toMatchObject({ r: 0 });
    expect(whole?.bytes.length).toBeGreaterThan(30_000);
    // A token another address was given proves nothing here: asked to prove, with this address's token.
    const other = h.probe();
    const [ask] = await other.ask({ ...read, z: 'r2', k }, host.endpoint, 200);
    expect(ask?.obj).toMatchObject({ r: ResultCode.ProveAddress, c: { k: expect.any(String) } });
    const fresh = String((ask?.obj?.c as { k?: string } | undefined)?.k);
    expect(fresh).not.toBe(k);
    const [now] = await other.ask({ ...read, z: 'r2', k: fresh }, host.endpoint, 200);
    expect(now?.bytes.length).toBeGreaterThan(30_000);
  });

  it('a shuffle (g/i) with a stale token is asked to prove, though its answer would fit: the resend is a contact', async () => {
    h = new SimHarness();
    const host = h.addPeer({ config: guarded() });
    const asker = h.probe();
    const [pong] = await asker.ask({ m: 'p', z: 'p1', k: NO_TOKEN_YET }, host.endpoint, 200);
    const k = String((pong?.obj?.c as { nance?: { k?: string } } | undefined)?.nance?.k);
    const shuffle = { m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 4 } };
    const [listed] = await asker.ask({ ...shuffle, z: 's1', k }, host.endpoint, 200);
    expect(listed?.obj).toMatchObject({ r: 0, c: { peers: expect.any(Array) } });
    // The same token from a new mapping (a symmetric NAT's): asked to prove that one.
    const moved = h.probe();
    const [ask] = await moved.ask({ ...shuffle, z: 's2', k }, host.endpoint, 200);
    expect(ask?.obj).toMatchObject({ r: ResultCode.ProveAddress, c: { k: expect.any(String) } });
    const requestBytes = Buffer.byteLength(JSON.stringify({ ...shuffle, z: 's2', k }));
    expect(ask?.bytes.length ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(requestBytes);
    const fresh = String((ask?.obj?.c as { k?: string } | undefined)?.k);
    const [now] = await moved.ask({ ...shuffle, z: 's2', k: fresh }, host.endpoint, 200);
    expect(now?.obj).toMatchObject({ r: 0, c: { peers: expect.any(Array) } });
    // A base peer's shuffle (no token at all) is answered as ever.
    const [base] = await h.probe().ask({ ...shuffle, z: 's3' }, host.endpoint, 200);
    expect(base?.obj).toMatchObject({ r: 0 });
  });

  it('a base reader (no token) still reads a chat of one datagram, within the allowance', async () => {
    h = new SimHarness();
    const host = h.addPeer({ config: guarded() });
    const { uuid } = await fullChat(host, 2000);
    const base = h.probe().answerPings();
    const answers = await base.ask(
      { m: 'r', t: 'g', d: 'm', a: { chatUuid: uuid }, z: 'big' },
      host.endpoint,
      500,
    );
    expect(answers).toHaveLength(1);
    expect(answers[0]?.bytes.length).toBeGreaterThan(30_000);
  });

  it('small answers within 3× go out at once, with no ping', async () => {
    h = new SimHarness();
    const host = h.addPeer({ config: guarded(noAllowance) });
    const asker = h.probe();
    const z = '3f2b8c1e-8d4a-4c1b-9a7e-2b1f0c9d8e7a';
    const answers = await asker.ask({ m: 'p', z }, host.endpoint, 50);
    expect(answers).toHaveLength(1);
    expect(asker.received.filter((r) => r.obj?.m === 'p')).toHaveLength(0);
  });

  it('keeps per-address state bounded', async () => {
    h = new SimHarness();
    const host = h.addPeer({
      config: guarded({
        amplification: { ...DEFAULT_GUARD.amplification, maxAddresses: 500 },
        rate: { ...DEFAULT_GUARD.rate, maxSources: 500 },
      }),
    });
    const probe = h.probe();
    for (let i = 0; i < 2000; i++) {
      // Distinct source ports: as many addresses as a spoofer likes.
      const p = h.probe({ host: '10.0.9.1', port: 10_000 + i });
      p.send({ m: 'p', z: `a${i}` }, host.endpoint);
    }
    await h.advance(100);
    const s = host.peer.guardStats();
    expect(s.trackedAddresses).toBeLessThanOrEqual(500);
    expect(s.trackedSources).toBeLessThanOrEqual(500);
    expect(await probe.ask({ m: 'p', z: 'still-there-0123456789' }, host.endpoint, 50)).toHaveLength(1);
  });
});

describe('rate limits', () => {
  it('a flooding source is held to its rate and a well-behaved one beside it is still answered', async () => {
    h = new SimHarness();
    const rate = {
      ...DEFAULT_GUARD.rate,
      perSourceRate: 100,
      perSourceBurst: 200,
      globalRate: 10_000,
      globalBurst: 10_000,
    };
    const host = h.addPeer({ config: guarded({ rate }) });
    const flood = h.probe();
    const good = h.probe();
    const z = (i: number) => `${i}`.padStart(36, '0'); // long enough that 3× covers a ping answer
    for (let ms = 0; ms < 1000; ms += 10) {
      for (let i = 0; i < 50; i++) flood.send({ m: 'p', z: z(ms * 100 + i) }, host.endpoint);
      if (ms % 100 === 0) good.send({ m: 'p', z: z(ms) }, host.endpoint);
      await h.advance(10);
    }
    await h.advance(100);
    // 5,000 sent in 1 s: at most the burst plus one second of rate is answered.
    expect(flood.responses().length).toBeLessThanOrEqual(200 + 100 + 5);
    expect(flood.responses().length).toBeGreaterThan(250);
    expect(good.responses()).toHaveLength(10);
    expect(host.peer.guardStats().droppedPerSource).toBeGreaterThan(4000);
  });

  it('an expensive answer costs its sender more tokens (a full chat per request cannot be farmed)', async () => {
    h = new SimHarness();
    const host = h.addPeer({ config: guarded() });
    const { uuid } = await fullChat(host, 2000);
    // A proven asker (it echoes its address token), so only the rate limit holds it back.
    const asker = h.probe();
    const [pong] = await asker.ask({ m: 'p', z: 'p', k: NO_TOKEN_YET }, host.endpoint, 100);
    const k = String((pong?.obj?.c as { nance?: { k?: string } } | undefined)?.nance?.k);
    for (let i = 0; i < 1000; i++) {
      asker.send({ m: 'r', t: 'g', d: 'm', a: { chatUuid: uuid }, z: `big-${i}`, k }, host.endpoint);
      await h.advance(1);
    }
    await h.advance(500);
    // 1,000 requests in 1 s are within the burst by count, but each ~64 KB answer costs ~16 tokens
    // more: about (1,000 burst + 500 rate) / 17 ≈ 90 answers.
    const big = asker.responses().filter((r) => r.bytes.length > 30_000);
    expect(big.length).toBeGreaterThan(20);
    expect(big.length).toBeLessThan(150);
  });

  it('the global limit caps the total across sources', async () => {
    h = new SimHarness();
    const rate = {
      ...DEFAULT_GUARD.rate,
      perSourceRate: 1000,
      perSourceBurst: 1000,
      globalRate: 100,
      globalBurst: 100,
    };
    const host = h.addPeer({ config: guarded({ rate }) });
    const probes = Array.from({ length: 10 }, () => h.probe());
    for (const p of probes)
      for (let i = 0; i < 50; i++) p.send({ m: 'p', z: `${i}`.padStart(36, '0') }, host.endpoint);
    await h.advance(50);
    const answered = probes.reduce((n, p) => n + p.responses().length, 0);
    expect(answered).toBeLessThanOrEqual(100 + 10);
    expect(host.peer.guardStats().droppedGlobal).toBeGreaterThan(300);
  });
});

describe('large chats through the page extension', () => {
  it('reads a full 819,200-byte chat in pages ≤ 1,200 bytes under 10 % loss, then only what is new', async () => {
    h = new SimHarness({ lossRate: 0.1, latencyMs: 5, seed: 7 });
    const host = h.addPeer({ config: guarded() });
    const reader = h.addPeer({ config: guarded() });
    const { uuid, count } = await fullChat(host, 300);
    expect(count).toBeGreaterThan(1000);
    const all = await h.settle(reader.peer.readChat(host.endpoint, uuid), 600_000, 5);
    expect(all).toHaveLength(count);
    expect(all.map((m) => m.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    const pages = host.tap.sentWhere(
      (o) => o.m === 'R' && Array.isArray((o.c as { messages?: unknown })?.messages),
    );
    expect(pages.length).toBeGreaterThan(count / 2);
    // A page holds at least one message; with 300-character messages every page stays under PAGE_BYTES.
    for (const p of pages) expect(p.bytes.length).toBeLessThanOrEqual(PAGE_BYTES);

    // Incremental: nothing new, then one new message.
    const since = await h.settle(reader.peer.readChatSince(host.endpoint, uuid, count), 60_000, 5);
    expect(since.messages).toEqual([]);
    expect(since.lastSeq).toBe(count);
    expect(since.full).toBe(false);
  });

  it('answers to our own requests are not rate limited: a strict reader still loads a full chat at once', async () => {
    h = new SimHarness({ latencyMs: 5 });
    const host = h.addPeer({ config: guarded() });
    const strict = { ...DEFAULT_GUARD.rate, perSourceRate: 10, perSourceBurst: 10 };
    const reader = h.addPeer({ config: guarded({ rate: strict }) });
    const { uuid, count } = await fullChat(host, 300);
    const start = h.clock.now();
    const all = await h.settle(reader.peer.readChat(host.endpoint, uuid), 600_000, 5);
    expect(all).toHaveLength(count);
    expect(h.clock.now() - start).toBeLessThan(5_000);
    expect(reader.peer.guardStats().droppedPerSource).toBe(0);
  });

  it('readChatSince returns only newer messages, and the whole chat (full) from a base peer', async () => {
    h = new SimHarness();
    const host = h.addPeer({ config: guarded() });
    const reader = h.addPeer({ config: guarded() });
    const chat = await host.peer.createChat('c', 'hello', 'a');
    const first = await h.settle(reader.peer.readChatSince(host.endpoint, chat.uuid, 0));
    expect(first).toMatchObject({ lastSeq: 1, full: true });
    await host.peer.postMessage(null, chat.uuid, 'b', 'second');
    const next = await h.settle(reader.peer.readChatSince(host.endpoint, chat.uuid, first.lastSeq));
    expect(next.messages.map((m) => m.content)).toEqual(['second']);
    expect(next).toMatchObject({ lastSeq: 2, full: false });
  });
});
