// The typed client API a window or CLI uses: readChat / postMessage / refreshChats / createChat,
// and the NanceError kinds they fail with.
import { afterEach, describe, expect, it } from 'vitest';
import { decodeDatagram } from '../../src-shared/protocol/index.js';
import { encodeWire, type Probe, SimHarness } from '../../test/support/sim-harness.js';
import { NanceError } from './errors.js';
import { PeerClient } from './peer-client.js';
import type { Endpoint } from './ports.js';
import { DEFAULT_RETRY, RequestEngine } from './request-engine.js';

let h: SimHarness;
afterEach(() => h.close());

const NOWHERE = { host: '10.0.9.9', port: 7000 };

function pair(hostConfig: Parameters<SimHarness['addPeer']>[0] = {}) {
  h = new SimHarness();
  const host = h.addPeer({ host: '10.0.0.1', ...hostConfig });
  const me = h.addPeer({ host: '10.0.0.2', config: { retry: { jitter: 0 } } });
  return { host, me };
}

/** A probe that behaves like a base peer: answers pings with c:{} and every request with `answer`. */
function basePeer(answer: (obj: Record<string, unknown>) => object): Probe {
  const probe = h.probe({ host: '10.0.0.7', port: 7000 }).answerPings();
  probe.transport.onDatagram((data, from) => {
    const obj = JSON.parse(Buffer.from(Buffer.from(data).toString('latin1'), 'base64').toString('utf8'));
    if (obj.m === 'r') probe.send(encodeWire({ ...answer(obj), z: obj.z }), from);
  });
  return probe;
}

async function failure(promise: Promise<unknown>, maxMs = 10_000): Promise<NanceError> {
  const err = await h.settleError(promise, maxMs);
  expect(err).toBeInstanceOf(NanceError);
  return err as NanceError;
}

describe('reading and posting to a remote host', () => {
  it('reads a whole chat page by page and posts to it', async () => {
    const { host, me } = pair();
    const chat = await h.settle(host.peer.createChat('big', 'start', 'first'));
    for (let i = 1; i < 200; i++)
      await host.peer.postMessage(null, chat.uuid, 'w', `${i} ${'x'.repeat(1000)}`);
    await h.advance(10);
    const all = await h.settle(me.peer.readChat(host.endpoint, chat.uuid));
    expect(all).toHaveLength(200);
    expect(all.map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    // More than one page was needed (a datagram holds ~45 of these).
    expect(me.tap.sentWhere((o) => o.d === 'm' && o.t === 'g').length).toBeGreaterThan(4);
    await h.settle(me.peer.postMessage(host.endpoint, chat.uuid, 'me', 'appended'));
    expect(host.store.getChat(chat.uuid)?.messageCount).toBe(201);
  });

  it('asks a base peer (no ad in its ping answer) without the paging extension', async () => {
    h = new SimHarness();
    const me = h.addPeer({ host: '10.0.0.2' });
    const base = basePeer(() => ({
      m: 'R',
      r: 0,
      c: { messages: [{ uuid: 'u1', name: 'first', content: 'hi', timestamp: '1732412345.123456' }] },
    }));
    const messages = await h.settle(me.peer.readChat(base.endpoint, 'chat-1'));
    expect(messages).toEqual([{ uuid: 'u1', name: 'first', content: 'hi', timestamp: '1732412345.123456' }]);
    const asked = base.received.filter((r) => r.obj?.m === 'r').map((r) => r.obj?.a);
    expect(asked).toEqual([{ chatUuid: 'chat-1' }]);
  });
});

describe('typed errors', () => {
  it("an unknown chat is 'not-found' (10), remotely and locally", async () => {
    const { host, me } = pair();
    expect(await failure(me.peer.readChat(host.endpoint, 'ghost'))).toMatchObject({
      kind: 'not-found',
      code: 10,
    });
    expect(await failure(me.peer.postMessage(host.endpoint, 'ghost', 'n', 'c'))).toMatchObject({
      kind: 'not-found',
      code: 10,
    });
    expect(await failure(me.peer.readChat(null, 'ghost'))).toMatchObject({ kind: 'not-found', code: 10 });
    expect(await failure(me.peer.postMessage(null, 'ghost', 'n', 'c'))).toMatchObject({
      kind: 'not-found',
      code: 10,
    });
  });

  it("a full chat is 'full' (20), remotely and locally", async () => {
    const { host, me } = pair({ config: { chatCapBytes: 2000 } });
    const chat = await h.settle(host.peer.createChat('tiny', 'hello', 'first'));
    await h.settle(me.peer.postMessage(host.endpoint, chat.uuid, 'me', 'y'.repeat(700)));
    expect(await failure(me.peer.postMessage(host.endpoint, chat.uuid, 'me', 'y'.repeat(700)))).toMatchObject(
      {
        kind: 'full',
        code: 20,
      },
    );
    expect(await failure(host.peer.postMessage(null, chat.uuid, 'me', 'y'.repeat(700)))).toMatchObject({
      kind: 'full',
      code: 20,
    });
    expect(host.store.getChat(chat.uuid)?.messageCount).toBe(2);
  });

  it("silence is 'timeout' (90) after the retry schedule", async () => {
    const { me } = pair();
    const start = h.clock.now();
    expect(await failure(me.peer.readChat(NOWHERE, 'c'))).toMatchObject({ kind: 'timeout', code: 90 });
    expect(h.clock.now() - start).toBe(4500);
    // Never answered a ping, so treated as a base peer: the gentle schedule (≤ 17.5 s).
    expect(await failure(me.peer.postMessage(NOWHERE, 'c', 'n', 'x'), 20_000)).toMatchObject({
      kind: 'timeout',
      code: 90,
    });
    // refreshChats records the failure instead of throwing.
    const entry = await h.settle(me.peer.refreshChats(NOWHERE), 60_000, 100);
    expect(entry).toMatchObject({ chats: [], fetchedAt: undefined, error: 'timeout' });
  });

  it("a refused request is 'bad-request' (2)", async () => {
    const { host, me } = pair();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'first'));
    expect(await failure(me.peer.postMessage(host.endpoint, chat.uuid, 'me', ''))).toMatchObject({
      kind: 'bad-request',
      code: 2,
    });
    // A peer of ours in bootstrap mode refuses with 2 too, and says what it is when asked: the
    // reader is told exactly that (src-main/core/host-bootstrap.test.ts).
    const boot = h.addPeer({ host: '10.0.0.3', role: 'bootstrap' });
    expect(await failure(me.peer.readChat(boot.endpoint, 'c'))).toMatchObject({ kind: 'host-bootstrap' });
    expect(await failure(me.peer.postMessage(boot.endpoint, 'c', 'n', 'x'))).toMatchObject({
      kind: 'host-bootstrap',
    });
    expect(await h.settle(me.peer.refreshChats(boot.endpoint))).toMatchObject({ error: 'bad-request' });
  });

  it("a base host that cannot send a chat (answers 1) is 'exception' with a clear message", async () => {
    h = new SimHarness();
    const me = h.addPeer({ host: '10.0.0.2' });
    const base = basePeer(() => ({ m: 'R', r: 1 }));
    const err = await failure(me.peer.readChat(base.endpoint, 'chat-1'));
    expect(err).toMatchObject({ kind: 'exception', code: 1 });
    expect(err.message).toContain('this host cannot send this chat');
  });

  it("a post that does not fit one datagram is 'too-large' and is never sent", async () => {
    const { host, me } = pair();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'first'));
    const before = me.tap.sent.length;
    expect(
      await failure(me.peer.postMessage(host.endpoint, chat.uuid, 'me', 'z'.repeat(70_000))),
    ).toMatchObject({
      kind: 'too-large',
    });
    expect(me.tap.sent.slice(before).filter((r) => r.obj?.t === 's')).toEqual([]);
  });

  it("chat calls in bootstrap role are 'wrong-mode' until the role is peer again", async () => {
    h = new SimHarness();
    const boot = h.addPeer({ role: 'bootstrap' });
    const other = h.addPeer();
    const remote = await h.settle(other.peer.createChat('theirs', 'x', 'first'));
    expect(await failure(boot.peer.createChat('mine', 'x', 'first'))).toMatchObject({ kind: 'wrong-mode' });
    expect(await failure(boot.peer.readChat(other.endpoint, remote.uuid))).toMatchObject({
      kind: 'wrong-mode',
    });
    expect(await failure(boot.peer.postMessage(other.endpoint, remote.uuid, 'n', 'x'))).toMatchObject({
      kind: 'wrong-mode',
    });
    expect(await failure(boot.peer.refreshChats(other.endpoint))).toMatchObject({ kind: 'wrong-mode' });
    expect(boot.store.listChats(10)).toEqual([]);
    expect(other.tap.receivedWhere((o) => o.m === 'r' && o.d !== 'i')).toEqual([]);

    boot.peer.reconfigure({ role: 'peer' });
    const mine = await h.settle(boot.peer.createChat('mine', 'x', 'first'));
    expect(mine.name).toBe('mine');
    expect(await h.settle(boot.peer.readChat(other.endpoint, remote.uuid))).toHaveLength(1);
  });
});

describe('what the client remembers of other peers', () => {
  it('keeps the ping answers of at most its cap of peers, forgetting the least recently used', async () => {
    h = new SimHarness();
    const transport = h.net.bind({ host: '10.0.0.2', port: 7000 });
    const engine = new RequestEngine(transport, h.clock, { ...DEFAULT_RETRY, jitter: 0 });
    transport.onDatagram((data, from) => {
      const decoded = decodeDatagram(data);
      if (decoded.kind === 'response') engine.handleResponse(decoded.response, decoded.z, from);
    });
    const client = new PeerClient(engine, undefined, undefined, 3);
    const answering = Array.from({ length: 5 }, (_, i) => h.probe({ host: `10.0.2.${i + 1}` }).answerPings());
    for (const probe of answering.slice(0, 3)) await h.settle(client.ping(probe.endpoint));
    expect(client.known(answering[0]?.endpoint as Endpoint)).toBeDefined(); // now the most recent
    for (const probe of answering.slice(3)) await h.settle(client.ping(probe.endpoint));
    const remembered = answering.map((p) => client.known(p.endpoint) !== undefined);
    expect(remembered).toEqual([true, false, false, true, true]);
    engine.close();
  });
});
