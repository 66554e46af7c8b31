// Everything expires: all chats and messages are deleted once per retention period, counted from the
// store's first start, which a restart neither resets nor skips. Virtual time, real SQLite files.
import { afterEach, describe, expect, it } from 'vitest';
import { SimHarness, type SimPeer } from '../../test/support/sim-harness.js';

const T0 = 1_700_000_000_000;
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
// Sync rarely, so a simulated day costs few timers.
const QUIET = { sync: { intervalMs: 6 * HOUR } };

let h: SimHarness;
afterEach(() => h.close());

function peerAt(
  host = '10.0.0.1',
  store = 'temp',
  config: Parameters<SimHarness['addPeer']>[0] = {},
): SimPeer {
  return h.addPeer({ host, store, ...config, config: { ...QUIET, ...config.config } });
}

async function chatWithMessages(p: SimPeer, name: string) {
  const chat = await h.settle(p.peer.createChat(name, 'first words', 'first'));
  await h.settle(p.peer.postMessage(null, chat.uuid, 'bob', 'a reply'));
  return chat;
}

describe('the daily wipe', () => {
  it('deletes every chat and message when the retention period passes, and only then', async () => {
    h = new SimHarness({ epochMs: T0 });
    const p = peerAt();
    expect(p.peer.nextWipeAt()).toBe(T0 + DAY);
    const chat = await chatWithMessages(p, 'today');
    let changes = 0;
    p.peer.events.on('chatsChanged', () => changes++);
    const probe = h.probe();

    await h.advance(T0 + DAY - 1 - h.clock.now());
    expect(p.peer.myChats().map((c) => c.name)).toEqual(['today']);
    expect(p.store.listMessages(chat.uuid, 0, 10)).toHaveLength(2);
    expect(changes).toBe(0);

    await h.advance(1);
    expect(p.peer.myChats()).toEqual([]);
    expect(p.store.listMessages(chat.uuid, 0, 10)).toEqual([]);
    expect(p.peer.nextWipeAt()).toBe(T0 + 2 * DAY);
    expect(changes).toBe(1);
    // Gone on the wire too.
    const gm = await probe.askOnce(
      { m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid }, z: 'gone' },
      p.endpoint,
    );
    expect(gm.text).toBe('{"m":"R","r":10,"c":{},"z":"gone"}');
    const gc = await probe.askOnce(
      { m: 'r', t: 'g', d: 'c', a: { maxChatsLength: 10 }, z: 'list' },
      p.endpoint,
    );
    expect((gc.obj.c as { chats: unknown[] }).chats).toEqual([]);

    // The next day's chats live until the next boundary.
    await h.advance(HOUR);
    await chatWithMessages(p, 'tomorrow');
    await h.advance(T0 + 2 * DAY - 1 - h.clock.now());
    expect(p.peer.myChats().map((c) => c.name)).toEqual(['tomorrow']);
    await h.advance(1);
    expect(p.peer.myChats()).toEqual([]);
    expect(p.peer.nextWipeAt()).toBe(T0 + 3 * DAY);
  });

  it('keeps known peers and forgets what it knew of remote chats', async () => {
    h = new SimHarness({ epochMs: T0 });
    const p = peerAt('10.0.0.1');
    const friend = h.probe({ host: '10.0.0.2', port: 7000 }).answerPings();
    p.store.upsertPeer({
      ...friend.endpoint,
      natType: 'Full Cone',
      role: 'peer',
      firstSeen: T0,
      lastSeen: T0,
      failures: 0,
    });
    const other = peerAt('10.0.0.3', ':memory:');
    await h.settle(other.peer.createChat('elsewhere', 'x', 'first'));
    await h.settle(p.peer.refreshChats(other.endpoint));
    expect(p.peer.remoteChats().map((r) => r.chats.length)).toEqual([1]);

    await h.advance(DAY);
    expect(p.peer.knownPeers().map((k) => `${k.host}:${k.port}`)).toContain('10.0.0.2:7000');
    expect(p.peer.remoteChats()).toEqual([]);
  });

  it('honours a configured retention period', async () => {
    h = new SimHarness({ epochMs: T0 });
    const p = peerAt('10.0.0.1', ':memory:', { config: { retentionMs: HOUR, sync: { intervalMs: HOUR } } });
    await chatWithMessages(p, 'short');
    expect(p.peer.nextWipeAt()).toBe(T0 + HOUR);
    await h.advance(HOUR - 1);
    expect(p.peer.myChats()).toHaveLength(1);
    await h.advance(1);
    expect(p.peer.myChats()).toEqual([]);
    expect(p.peer.nextWipeAt()).toBe(T0 + 2 * HOUR);
  });
});

describe('restarts', () => {
  it('a restart before the boundary keeps the epoch and the chats, and wipes on time', async () => {
    h = new SimHarness({ epochMs: T0 });
    const first = peerAt();
    await chatWithMessages(first, 'survivor');
    await h.advance(10 * HOUR);
    await first.peer.close();
    await h.advance(HOUR); // down for an hour

    const second = peerAt('10.0.0.1', first.storePath);
    expect(second.store.epoch()).toBe(T0);
    expect(second.peer.nextWipeAt()).toBe(T0 + DAY);
    await h.advance(0);
    expect(second.peer.myChats().map((c) => c.name)).toEqual(['survivor']);
    await h.advance(T0 + DAY - 1 - h.clock.now());
    expect(second.peer.myChats()).toHaveLength(1);
    await h.advance(1);
    expect(second.peer.myChats()).toEqual([]);
  });

  it.each([
    ['one boundary', 30 * HOUR, T0 + 2 * DAY],
    ['two boundaries', 50 * HOUR, T0 + 3 * DAY],
  ])(
    'a peer that was down across %s wipes at once on start, without resetting the clock',
    async (_, downUntil, next) => {
      h = new SimHarness({ epochMs: T0 });
      const first = peerAt();
      await chatWithMessages(first, 'stale');
      first.store.upsertPeer({
        host: '10.0.5.5',
        port: 7000,
        natType: 'Full Cone',
        role: 'peer',
        firstSeen: T0,
        lastSeen: T0,
        failures: 0,
      });
      await h.advance(HOUR);
      await first.peer.close();
      await h.advance(T0 + downUntil - h.clock.now());

      const second = peerAt('10.0.0.1', first.storePath, { start: false });
      expect(second.peer.myChats().map((c) => c.name)).toEqual(['stale']);
      second.peer.start();
      expect(second.peer.myChats()).toEqual([]);
      expect(second.store.epoch()).toBe(T0);
      expect(second.peer.nextWipeAt()).toBe(next);
      expect(second.store.getPeer('10.0.5.5', 7000)).toBeDefined();

      // A chat made after the restart lives until the next boundary.
      await chatWithMessages(second, 'fresh');
      await h.advance(next - 1 - h.clock.now());
      expect(second.peer.myChats().map((c) => c.name)).toEqual(['fresh']);
      await h.advance(1);
      expect(second.peer.myChats()).toEqual([]);
    },
  );

  it('the first start of a new store wipes nothing', async () => {
    h = new SimHarness({ epochMs: T0 });
    const p = peerAt('10.0.0.1', 'temp', { start: false });
    await h.settle(p.peer.createChat('before start', 'x', 'first'));
    p.peer.start();
    await h.advance(HOUR);
    expect(p.peer.myChats()).toHaveLength(1);
  });
});
