// A resent post (same sender, same z) is stored once and answered the same; lost answers and
// retries never duplicate a message.
import { afterEach, describe, expect, it } from 'vitest';
import { SimHarness, type SimPeer } from '../../test/support/sim-harness.js';

let h: SimHarness;
afterEach(() => h.close());

function contents(host: SimPeer, chatUuid: string): string[] {
  return host.store.listMessages(chatUuid, 0, 100_000).map((m) => m.content);
}

describe('idempotent posts over a lossy host -> client path', () => {
  it('a post whose answers are lost is retried with the same z and stored exactly once', async () => {
    h = new SimHarness();
    const host = h.addPeer();
    const client = h.addPeer({ config: { retry: { jitter: 0 } } });
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'first'));
    await h.settle(client.peer.readChat(host.endpoint, chat.uuid)); // pinged: one of ours, fast retries
    h.net.setLoss(host.endpoint, client.endpoint, 1);
    const posting = client.peer.postMessage(host.endpoint, chat.uuid, 'alice', 'only once');
    await h.advance(1000); // attempts at 0, 300 and 900 reached the host; their answers were lost
    h.net.setLoss(host.endpoint, client.endpoint, 0);
    await h.settle(posting, 5000);

    const requests = host.tap.receivedWhere((o) => o.t === 's');
    expect(requests.length).toBe(4);
    expect(new Set(requests.map((r) => r.obj?.z)).size).toBe(1);
    const answers = host.tap.sentWhere((o) => o.m === 'R' && o.z === requests[0]?.obj?.z);
    expect(answers).toHaveLength(4);
    expect(new Set(answers.map((a) => a.text))).toEqual(new Set([answers[0]?.text]));
    expect(contents(host, chat.uuid)).toEqual(['hello', 'only once']);
  });

  it('under 60% loss of answers, 30 posts are each stored exactly once', async () => {
    h = new SimHarness({ seed: 42 });
    const host = h.addPeer();
    const client = h.addPeer();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'first'));
    await h.settle(client.peer.readChat(host.endpoint, chat.uuid)); // pinged: one of ours, fast retries
    h.net.setLoss(host.endpoint, client.endpoint, 0.6);
    const outcomes = await h.settle(
      Promise.allSettled(
        Array.from({ length: 30 }, (_, i) =>
          client.peer.postMessage(host.endpoint, chat.uuid, 'bob', `post ${i}`),
        ),
      ),
      20_000,
      10,
    );
    const stored = contents(host, chat.uuid).slice(1);
    expect(stored.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `post ${i}`).sort());
    // Retries really happened, and most posts still got their answer.
    expect(host.tap.receivedWhere((o) => o.t === 's').length).toBeGreaterThan(40);
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBeGreaterThan(20);
    for (const o of outcomes)
      if (o.status === 'rejected') expect(o.reason).toMatchObject({ kind: 'timeout' });
  });
});

describe('the same raw s/m datagram', () => {
  function setup() {
    h = new SimHarness();
    const host = h.addPeer();
    return { host, probe: h.probe({ host: '10.0.1.1', port: 9000 }) };
  }
  const post = (chatUuid: string, z: string, content = 'dup?') => ({
    m: 'r',
    t: 's',
    d: 'm',
    a: { chatUuid, name: 'n', content },
    z,
  });

  it('sent 3 times from one sender: one message, 3 identical answers', async () => {
    const { host, probe } = setup();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'first'));
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(...(await probe.ask(post(chat.uuid, 'same-z'), host.endpoint)));
    expect(answers.map((a) => a.text)).toEqual(Array(3).fill('{"m":"R","r":0,"c":{},"z":"same-z"}'));
    expect(contents(host, chat.uuid)).toEqual(['hello', 'dup?']);
  });

  it('sent 3 times at once: one message, and every answer the same', async () => {
    const { host, probe } = setup();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'first'));
    for (let i = 0; i < 3; i++) probe.send(post(chat.uuid, 'burst'), host.endpoint);
    await h.advance(100);
    const texts = probe.responses('burst').map((a) => a.text);
    expect(texts.length).toBeGreaterThanOrEqual(1);
    expect(new Set(texts)).toEqual(new Set(['{"m":"R","r":0,"c":{},"z":"burst"}']));
    expect(contents(host, chat.uuid)).toEqual(['hello', 'dup?']);
  });

  it('resent long after (the reply cache forgot it): still stored once', async () => {
    const { host, probe } = setup();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'first'));
    await probe.ask(post(chat.uuid, 'old-z'), host.endpoint);
    await h.advance(10 * 60_000);
    const again = await probe.askOnce(post(chat.uuid, 'old-z'), host.endpoint);
    expect(again.text).toBe('{"m":"R","r":0,"c":{},"z":"old-z"}');
    expect(contents(host, chat.uuid)).toEqual(['hello', 'dup?']);
  });

  it('resent to a restarted host (same store file): still stored once', async () => {
    h = new SimHarness();
    const first = h.addPeer({ store: 'temp', host: '10.0.0.1' });
    const probe = h.probe();
    const chat = await h.settle(first.peer.createChat('room', 'hello', 'first'));
    await probe.ask(post(chat.uuid, 'across-restart'), first.endpoint);
    await first.peer.close();
    const second = h.addPeer({ store: first.storePath, host: '10.0.0.1' });
    const again = await probe.askOnce(post(chat.uuid, 'across-restart'), second.endpoint);
    expect(again.text).toBe('{"m":"R","r":0,"c":{},"z":"across-restart"}');
    expect(contents(second, chat.uuid)).toEqual(['hello', 'dup?']);
  });

  it('the same z from a different sender is a different post', async () => {
    const { host, probe } = setup();
    const other = h.probe({ host: '10.0.1.2', port: 9000 });
    const samePortOtherHost = h.probe({ host: '10.0.1.1', port: 9001 });
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'first'));
    for (const p of [probe, other, samePortOtherHost]) {
      const answer = await p.askOnce(post(chat.uuid, 'shared-z'), host.endpoint);
      expect(answer.obj.r).toBe(0);
    }
    expect(contents(host, chat.uuid)).toEqual(['hello', 'dup?', 'dup?', 'dup?']);
  });

  it('a different z from the same sender is a different post', async () => {
    const { host, probe } = setup();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'first'));
    await probe.askOnce(post(chat.uuid, 'z-1'), host.endpoint);
    await probe.askOnce(post(chat.uuid, 'z-2'), host.endpoint);
    expect(contents(host, chat.uuid)).toEqual(['hello', 'dup?', 'dup?']);
  });
});
