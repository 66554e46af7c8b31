// Push delivery in virtual time (docs/protocol.md, "push"): real peers and SQLite stores over the
// simulated network; probes play readers that misbehave.
import { afterEach, describe, expect, it } from 'vitest';
import { decodeWire, type Probe, SimHarness, type SimPeer } from '../../../test/support/sim-harness.js';
import { DEFAULT_GUARD } from '../guard/index.js';
import type { PeerConfig } from '../peer.js';
import { DEFAULT_PUSH, type PushSettings } from './push-host.js';
import type { Pushed } from './push-reader.js';

let h: SimHarness;
afterEach(() => h?.close());

const LATENCY = 5;

function world(push: Partial<PushSettings> = {}) {
  h = new SimHarness({ latencyMs: LATENCY });
  const config: Partial<PeerConfig> = { guard: DEFAULT_GUARD, push: { ...DEFAULT_PUSH, ...push } };
  const host = h.addPeer({ host: '10.0.0.1', config });
  const reader = h.addPeer({ host: '10.0.0.2', config });
  const pushed: Pushed[] = [];
  reader.peer.events.on('pushed', (p) => pushed.push(p));
  return { host, reader, pushed };
}

/** A chat on `host` that `reader` has read once (so it subscribed), and the subscription settled. */
async function readingChat(host: SimPeer, reader: SimPeer) {
  const chat = await h.settle(host.peer.createChat('room', 'hello', 'host'));
  const first = await h.settle(reader.peer.readChatSince(host.endpoint, chat.uuid, 0));
  await h.advance(50);
  expect(reader.peer.pushLive(host.endpoint, chat.uuid)).toBe(true);
  return { chat, cursor: first.lastSeq };
}

const pushesTo = (host: SimPeer, to: { host: string }) =>
  host.tap.sentWhere((o, r) => o.t === 'u' && o.d === 'p' && r.peer.host === to.host);

/** A probe that proved its address to the host and subscribed to `chatUuid` (it never acknowledges). */
async function probeSubscriber(host: SimPeer, chatUuid: string, probe: Probe, s = 'probe-sub-1') {
  await probe.prove(host.endpoint);
  return probe.ask({ m: 'r', t: 'u', d: 's', a: { chatUuid, after: 1, s }, z: `sub-${s}` }, host.endpoint);
}

describe('push delivery', () => {
  it('pushes a post to a subscribed reader one network latency after it is stored, content and seq included, in one small datagram', async () => {
    const { host, reader, pushed } = world();
    const { chat } = await readingChat(host, reader);
    const postedAt = h.clock.now();
    await h.settle(host.peer.postMessage(null, chat.uuid, 'ken', 'やあ, pushed'));
    await h.advance(LATENCY + 1);
    expect(pushed).toEqual([
      {
        host: host.endpoint,
        chatUuid: chat.uuid,
        afterSeq: 1,
        lastSeq: 2,
        messages: [expect.objectContaining({ name: 'ken', content: 'やあ, pushed', seq: 2 })],
      },
    ]);
    const [push] = pushesTo(host, reader.endpoint);
    expect(push?.at).toBe(postedAt);
    expect(push?.bytes.length).toBeLessThanOrEqual(1_200);
    // Acknowledged: the host counts no miss.
    expect(reader.tap.sentWhere((o) => o.m === 'R' && o.z === push?.obj?.z && o.r === 0)).toHaveLength(1);
  });

  it('renews the lease while the window reads the chat, and lets it lapse when the window stops', async () => {
    const { host, reader, pushed } = world();
    const { chat, cursor } = await readingChat(host, reader);
    // The window's fallback poll every 5 s for 3 minutes: the subscription outlives three leases.
    for (let t = 0; t < 180_000; t += 5_000) {
      await h.settle(reader.peer.readChatSince(host.endpoint, chat.uuid, cursor));
      await h.advance(5_000);
    }
    const subscribes = reader.tap.sentWhere((o) => o.t === 'u' && o.d === 's');
    expect(subscribes.length).toBeGreaterThanOrEqual(6);
    expect(host.peer.pushSubscribers()).toBe(1);
    await h.settle(host.peer.postMessage(null, chat.uuid, 'ken', 'still live'));
    await h.advance(20);
    expect(pushed.map((p) => p.messages[0]?.content)).toEqual(['still live']);

    // The window closed the chat: no more reads, no renewal, the lease ends and posts push nothing.
    await h.advance(2 * DEFAULT_PUSH.leaseSeconds * 1000);
    const pushesBefore = pushesTo(host, reader.endpoint).length;
    await h.settle(host.peer.postMessage(null, chat.uuid, 'ken', 'nobody reads'));
    await h.advance(2_000);
    expect(pushesTo(host, reader.endpoint)).toHaveLength(pushesBefore);
    expect(host.peer.pushSubscribers()).toBe(0);
    expect(reader.peer.pushLive(host.endpoint, chat.uuid)).toBe(false);
  });

  it('drops a subscriber that stops acknowledging: after 3 unanswered pushes it gets nothing more', async () => {
    const { host } = world();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'host'));
    const mute = h.probe({ host: '10.0.7.1' });
    const [answer] = await probeSubscriber(host, chat.uuid, mute);
    expect(answer?.obj).toMatchObject({ r: 0, c: { lease: 60, seq: 1 } });
    for (let i = 0; i < 10; i++) {
      await h.settle(host.peer.postMessage(null, chat.uuid, 'ken', `post ${i}`));
      await h.advance(2_000);
    }
    const pushes = mute.received.filter((r) => r.obj?.t === 'u' && r.obj.d === 'p');
    // Three pushes, each sent twice (the first and one resend), then the subscriber is gone.
    expect(pushes).toHaveLength(3 * 2);
    expect(host.peer.pushSubscribers()).toBe(0);
  });

  it('recovers a gap: after a lost push the reader sees the next one skip a seq, hands on a nudge, and reads what it lacks', async () => {
    const { host, reader, pushed } = world();
    const { chat } = await readingChat(host, reader);
    h.net.setLoss(host.endpoint, reader.endpoint, 1);
    await h.settle(host.peer.postMessage(null, chat.uuid, 'ken', 'lost'));
    await h.advance(2_000);
    h.net.setLoss(host.endpoint, reader.endpoint, 0);
    await h.settle(host.peer.postMessage(null, chat.uuid, 'ken', 'after the gap'));
    await h.advance(20);
    // Seq 3 does not follow the 1 the reader holds: the window is told to read, not given 3 alone.
    expect(pushed).toEqual([
      { host: host.endpoint, chatUuid: chat.uuid, afterSeq: 1, lastSeq: 3, messages: [] },
    ]);
    const read = await h.settle(reader.peer.readChatSince(host.endpoint, chat.uuid, 1));
    expect(read.messages.map((m) => m.content)).toEqual(['lost', 'after the gap']);
  });

  it('a lost push with no post after it is recovered by the next (fallback) read', async () => {
    const { host, reader, pushed } = world();
    const { chat, cursor } = await readingChat(host, reader);
    h.net.setLoss(host.endpoint, reader.endpoint, 1);
    await h.settle(host.peer.postMessage(null, chat.uuid, 'ken', 'lost'));
    await h.advance(2_000);
    h.net.setLoss(host.endpoint, reader.endpoint, 0);
    expect(pushed).toEqual([]);
    const read = await h.settle(reader.peer.readChatSince(host.endpoint, chat.uuid, cursor));
    expect(read.messages.map((m) => m.content)).toEqual(['lost']);
  });

  it('sends a message too big for one small datagram as a nudge to read it', async () => {
    const { host, reader, pushed } = world();
    const { chat } = await readingChat(host, reader);
    await h.settle(host.peer.postMessage(null, chat.uuid, 'ken', 'x'.repeat(2_000)));
    await h.advance(20);
    expect(pushed).toEqual([
      { host: host.endpoint, chatUuid: chat.uuid, afterSeq: 1, lastSeq: 2, messages: [] },
    ]);
    for (const push of pushesTo(host, reader.endpoint)) expect(push.bytes.length).toBeLessThanOrEqual(1_200);
  });

  it('caps subscribers per chat, per IP address and in total (code 20), and keeps serving those it holds', async () => {
    const { host } = world({ perChat: 3, perIp: 2, total: 4 });
    const a = await h.settle(host.peer.createChat('a', 'hello', 'host'));
    const b = await h.settle(host.peer.createChat('b', 'hello', 'host'));
    const code = async (probe: Probe, chatUuid: string, s: string) =>
      (await probeSubscriber(host, chatUuid, probe, s))[0]?.obj?.r;
    // Per IP: two ports of one address, the third is refused.
    expect(await code(h.probe({ host: '10.0.8.1', port: 1 }), a.uuid, 'sub-ip-1')).toBe(0);
    expect(await code(h.probe({ host: '10.0.8.1', port: 2 }), a.uuid, 'sub-ip-2')).toBe(0);
    expect(await code(h.probe({ host: '10.0.8.1', port: 3 }), b.uuid, 'sub-ip-3')).toBe(20);
    // Per chat: a third reader of `a` fits, a fourth does not.
    expect(await code(h.probe({ host: '10.0.8.2' }), a.uuid, 'sub-chat-3')).toBe(0);
    expect(await code(h.probe({ host: '10.0.8.3' }), a.uuid, 'sub-chat-4')).toBe(20);
    // In total: one more (of chat b), then full.
    expect(await code(h.probe({ host: '10.0.8.4' }), b.uuid, 'sub-total-4')).toBe(0);
    expect(await code(h.probe({ host: '10.0.8.5' }), b.uuid, 'sub-total-5')).toBe(20);
    expect(host.peer.pushSubscribers()).toBe(4);
    // A renewal of a held subscription is not a new one.
    expect(await code(h.probes[0] as Probe, a.uuid, 'sub-ip-1')).toBe(0);
    expect(host.peer.pushSubscribers()).toBe(4);
  });

  it.each([
    ['per subscriber', { bytesPerSecond: 2_000 }],
    ['in total', { totalBytesPerSecond: 2_000 }],
  ])('caps push bytes %s: a burst of posts over the budget is not pushed', async (_, cap) => {
    const { host, reader, pushed } = world(cap);
    const { chat } = await readingChat(host, reader);
    for (let i = 0; i < 20; i++)
      await h.settle(host.peer.postMessage(null, chat.uuid, 'ken', `${i} ${'y'.repeat(500)}`));
    await h.advance(20);
    const bytes = pushesTo(host, reader.endpoint).reduce((n, r) => n + r.bytes.length, 0);
    // Within the burst (2 s of budget) and every send counted with its resend.
    expect(bytes * 2).toBeLessThanOrEqual(2 * 2_000);
    expect(pushed.length).toBeLessThan(20);
  });

  it('tells a reader where the chat ends as soon as the budget refills after a burst over it, not at the next post or poll', async () => {
    const { host, reader, pushed } = world({ bytesPerSecond: 2_000 });
    const { chat } = await readingChat(host, reader);
    for (let i = 0; i < 20; i++)
      await h.settle(host.peer.postMessage(null, chat.uuid, 'ken', `${i} ${'y'.repeat(500)}`));
    const burstEnd = h.clock.now();
    await h.advance(20);
    expect(pushed.at(-1)?.lastSeq).toBeLessThan(21);
    // One nudge (~200 bytes, twice with its resend) fits the refilled budget well within a second.
    await h.advance(1_000);
    expect(pushed.at(-1)?.lastSeq).toBe(21);
    const nudges = pushesTo(host, reader.endpoint).filter(
      (r) => r.at > burstEnd && !(r.obj?.a as { messages?: unknown[] } | undefined)?.messages?.length,
    );
    expect(nudges).toHaveLength(1);
    // Over the whole second, still within the budget: 2 s of burst plus 1 s of refill.
    const bytes = pushesTo(host, reader.endpoint).reduce((n, r) => n + r.bytes.length, 0);
    expect(bytes * 2).toBeLessThanOrEqual(3 * 2_000);
  });

  it('answers nothing to an unproven subscribe, so a spoofed one sends nothing to its victim', async () => {
    const { host } = world();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'host'));
    const victim = h.probe({ host: '10.0.9.9' });
    // A made-up token, and no token at all.
    victim.send(
      {
        m: 'r',
        t: 'u',
        d: 's',
        a: { chatUuid: chat.uuid, after: 0, s: 'spoofed-1' },
        z: 's1',
        k: 'forged_token',
      },
      host.endpoint,
    );
    victim.send(
      { m: 'r', t: 'u', d: 's', a: { chatUuid: chat.uuid, after: 0, s: 'spoofed-2' }, z: 's2' },
      host.endpoint,
    );
    await h.advance(100);
    for (let i = 0; i < 5; i++) await h.settle(host.peer.postMessage(null, chat.uuid, 'ken', `post ${i}`));
    await h.advance(2_000);
    expect(victim.received).toEqual([]);
    expect(host.peer.pushSubscribers()).toBe(0);
  });

  it('takes a push only from the host subscribed to, with its subscription id: a forged one is refused (10) and never reaches the window', async () => {
    const { host, reader, pushed } = world();
    const { chat } = await readingChat(host, reader);
    const forger = h.probe({ host: '10.0.6.6' });
    const forged = (s: string) => ({
      m: 'r',
      t: 'u',
      d: 'p',
      a: {
        chatUuid: chat.uuid,
        s,
        upTo: 2,
        messages: [{ uuid: 'x', name: 'host', content: 'forged', timestamp: '1.0', seq: 2 }],
      },
      z: `forged-${s}`,
    });
    // From another address, with a guessed id; and with the right id but not from the host.
    const [subscribe] = reader.tap.sentWhere((o) => o.t === 'u' && o.d === 's');
    const sub = String((subscribe?.obj?.a as { s?: string } | undefined)?.s);
    const [guessed] = await forger.ask(forged('a-guessed-id'), reader.endpoint);
    const [stolen] = await forger.ask(forged(sub), reader.endpoint);
    expect(guessed?.obj?.r).toBe(10);
    expect(stolen?.obj?.r).toBe(10);
    expect(pushed).toEqual([]);
  });
});

describe('toward base hosts', () => {
  it('never subscribes to a host that did not advertise push: it is polled as before', async () => {
    h = new SimHarness({ latencyMs: LATENCY });
    const reader = h.addPeer({ host: '10.0.0.2' });
    const base = h.probe({ host: '10.0.5.5' }).answerPings();
    const read = reader.peer.readChatSince(base.endpoint, 'chat-1', 0).catch(() => undefined);
    await h.settle(read, 60_000, 10);
    expect(base.received.filter((r) => decodeWire(r.bytes).obj?.t === 'u')).toEqual([]);
    expect(reader.peer.pushLive(base.endpoint, 'chat-1')).toBe(false);
  });
});
