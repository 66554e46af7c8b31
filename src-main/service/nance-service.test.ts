// The service over real peers in the simulator: remote chats are read from the caller's cursor, and every
// host and peer carries how it is reached.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatListDto, ChatReadDto, PeerDto } from '../../src-shared/api.js';
import { SimHarness } from '../../test/support/sim-harness.js';
import type { Endpoint } from '../core/ports.js';
import type { PathInfo } from '../core/traversal/path-table.js';
import { DEFAULT_TRAVERSAL } from '../core/traversal/traversal.js';
import { NanceService, pathDto, savedPortMapping, savedTraversal } from './nance-service.js';

let h: SimHarness;
afterEach(async () => {
  await h?.close();
});

/** The `after` cursors of every paged g/m the reader sent. */
function pageCursors(sent: { obj?: unknown }[]): number[] {
  return sent
    .map((r) => r.obj as { t?: string; d?: string; a?: { after?: number } } | undefined)
    .filter((o) => o?.t === 'g' && o.d === 'm' && o.a?.after !== undefined)
    .map((o) => o?.a?.after as number);
}

describe('NanceService.readChat of a remote chat', () => {
  it('keeps no read state: a read with the cursor asks the host only for what follows it', async () => {
    h = new SimHarness();
    const host = h.addPeer();
    const reader = h.addPeer();
    const service = new NanceService(reader.peer, reader.store);
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'alice'));
    for (let i = 0; i < 5; i++) await h.settle(host.peer.postMessage(null, chat.uuid, 'alice', `m${i}`));
    const read = async (afterSeq?: number) => {
      const reply = await h.settle(
        service.dispatch('readChat', { host: host.endpoint, chatUuid: chat.uuid, afterSeq }),
      );
      if (!reply.ok) throw new Error(reply.error.message);
      const result = reply.result as ChatReadDto;
      return { ...result, contents: result.messages.map((m) => m.content) };
    };

    const first = await read();
    expect(first).toMatchObject({ lastSeq: 6, full: true });
    expect(first.contents).toEqual(['hello', 'm0', 'm1', 'm2', 'm3', 'm4']);
    // The push subscription made beside the read settles first (else its answer's "chat went on"
    // nudge is read by the service, a page request of its own).
    await h.advance(100);
    await h.settle(host.peer.postMessage(null, chat.uuid, 'bob', 'new'));
    const sentBefore = reader.tap.sent.length;
    const next = await read(first.lastSeq);
    expect(next).toMatchObject({ contents: ['new'], lastSeq: 7, full: false });
    // One page request on the wire, for what follows the sixth message.
    expect(pageCursors(reader.tap.sent.slice(sentBefore))).toEqual([6]);
    // Nothing new: still one small page, and an empty answer.
    expect(await read(next.lastSeq)).toMatchObject({ contents: [], lastSeq: 7, full: false });
    // Without a cursor the service reads the whole chat again: it remembers nothing per caller.
    expect((await read()).contents).toHaveLength(7);
  });

  it('refuses a cursor that is not a whole number ≥ 0', async () => {
    h = new SimHarness();
    const reader = h.addPeer();
    const service = new NanceService(reader.peer, reader.store);
    for (const afterSeq of [-1, 1.5, '3', Number.POSITIVE_INFINITY]) {
      const reply = await service.dispatch('readChat', { host: null, chatUuid: 'c', afterSeq });
      expect(reply).toMatchObject({ ok: false, error: { kind: 'invalid-argument' } });
    }
  });
});

const key = (e: { host: string; port: number }) => `${e.host}:${e.port}`;

async function ok<T>(h: SimHarness, service: NanceService, command: string): Promise<T> {
  const reply = await h.settle(service.dispatch(command, {}));
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.result as T;
}

/** A bootstrap, a host with one chat and a reader that joined through it. */
async function joined() {
  h = new SimHarness({ seed: 7 });
  const boot = h.addPeer({ role: 'bootstrap', config: { sync: { intervalMs: 1000 } } });
  const host = h.addPeer({ config: { bootstrapPeers: [boot.endpoint], sync: { intervalMs: 1000 } } });
  const reader = h.addPeer({ config: { bootstrapPeers: [boot.endpoint], sync: { intervalMs: 1000 } } });
  await h.settle(host.peer.createChat('room', 'hello', 'alice'));
  await h.advance(10_000);
  return { boot, host, reader, service: new NanceService(reader.peer, reader.store) };
}

describe('paths in the chat list and the peer list', () => {
  it('maps every kind of path, with addresses as "ip:port" and the family it travels in', () => {
    const relay = { host: '198.51.100.10', port: 3490 };
    const actual = { host: '203.0.113.9', port: 61_000 };
    const v4 = { family: 'ipv4' as const };
    expect(pathDto(null)).toBeNull();
    expect(pathDto({ kind: 'direct', since: 1, ...v4 })).toEqual({
      kind: 'direct',
      via: null,
      actual: null,
      ...v4,
    });
    expect(pathDto({ kind: 'mapped', since: 1, ...v4 })).toEqual({
      kind: 'mapped',
      via: null,
      actual: null,
      ...v4,
    });
    expect(pathDto({ kind: 'punched', since: 1, ...v4 })).toEqual({
      kind: 'punched',
      via: null,
      actual: null,
      ...v4,
    });
    expect(pathDto({ kind: 'punched', actual, since: 1, ...v4 })).toEqual({
      kind: 'punched',
      via: null,
      actual: '203.0.113.9:61000',
      ...v4,
    });
    expect(pathDto({ kind: 'relayed', via: relay, since: 1, ...v4 })).toEqual({
      kind: 'relayed',
      via: '198.51.100.10:3490',
      actual: null,
      ...v4,
    });
    const at6 = { host: '2001:db8::7', port: 4000 };
    expect(pathDto({ kind: 'direct', actual: at6, since: 1, family: 'ipv6' })).toEqual({
      kind: 'direct',
      via: null,
      actual: '[2001:db8::7]:4000',
      family: 'ipv6',
    });
  });

  it("fills each host's and each peer's path from the peer's own answer, null when unknown", async () => {
    const { boot, host, reader, service } = await joined();
    const relay = { host: '198.51.100.10', port: 3490 };
    const paths = new Map<string, PathInfo>([
      [key(host.endpoint), { kind: 'relayed', via: relay, family: 'ipv4', since: 5 }],
      [key(boot.endpoint), { kind: 'direct', family: 'ipv4', since: 5 }],
    ]);
    const pathTo = vi
      .spyOn(reader.peer, 'pathTo')
      .mockImplementation((e: Endpoint) => paths.get(key(e)) ?? null);

    const relayed = { kind: 'relayed', via: '198.51.100.10:3490', actual: null, family: 'ipv4' };
    for (const command of ['listChats', 'refreshChats']) {
      const list = await ok<ChatListDto>(h, service, command);
      const entry = list.hosts.find((e) => key(e.host) === key(host.endpoint));
      expect(
        entry?.chats.map((c) => c.name),
        command,
      ).toEqual(['room']);
      expect(entry?.path, command).toEqual(relayed);
    }
    const peers = await ok<PeerDto[]>(h, service, 'listPeers');
    expect(peers.find((p) => key(p) === key(host.endpoint))?.path).toEqual(relayed);
    expect(peers.find((p) => key(p) === key(boot.endpoint))?.path).toEqual({
      kind: 'direct',
      via: null,
      actual: null,
      family: 'ipv4',
    });
    expect(pathTo).toHaveBeenCalledWith(host.endpoint);

    paths.clear();
    expect((await ok<ChatListDto>(h, service, 'listChats')).hosts.every((e) => e.path === null)).toBe(true);
    expect((await ok<PeerDto[]>(h, service, 'listPeers')).every((p) => p.path === null)).toBe(true);
  });

  // Depends on the core recording routes: a host reached in a sync round is "direct".
  it('shows a host reached in a sync round as direct (core path table)', async () => {
    const { host, service } = await joined();
    const list = await ok<ChatListDto>(h, service, 'refreshChats');
    const entry = list.hosts.find((e) => key(e.host) === key(host.endpoint));
    expect(entry?.chats.map((c) => c.name)).toEqual(['room']);
    expect(entry?.path).toEqual({ kind: 'direct', via: null, actual: null, family: 'ipv4' });
    const peers = await ok<PeerDto[]>(h, service, 'listPeers');
    expect(peers.find((p) => key(p) === key(host.endpoint))?.path).toEqual({
      kind: 'direct',
      via: null,
      actual: null,
      family: 'ipv4',
    });
  });
});

describe('traversal settings (keepalive, relay for others)', () => {
  async function update(service: NanceService, args: unknown) {
    return h.settle(service.dispatch('updateSettings', args));
  }

  it('shows what the peer runs with: 20 s and auto by default', () => {
    h = new SimHarness();
    const p = h.addPeer();
    const service = new NanceService(p.peer, p.store);
    expect(service.settings()).toMatchObject({ keepaliveSeconds: 20, relayForOthers: 'auto' });
  });

  it('persists them and applies them to the running peer at once', async () => {
    h = new SimHarness();
    const p = h.addPeer();
    const service = new NanceService(p.peer, p.store);
    const reply = await update(service, { keepaliveSeconds: 45, relayForOthers: 'always' });
    expect(reply.ok && reply.result).toMatchObject({ keepaliveSeconds: 45, relayForOthers: 'always' });
    expect(p.peer.config.traversal.keepaliveMs).toBe(45_000);
    expect(p.peer.config.traversal.relay.offer).toBe('always');
    // The relay budgets are kept, and the defaults shared by every peer are not touched.
    expect(p.peer.config.traversal.relay.totalBytesPerSecond).toBe(
      DEFAULT_TRAVERSAL.relay.totalBytesPerSecond,
    );
    expect(DEFAULT_TRAVERSAL.keepaliveMs).toBe(20_000);
    expect(DEFAULT_TRAVERSAL.relay.offer).toBe('auto');
    expect(p.store.getSetting('settings')).toMatchObject({ keepaliveSeconds: 45, relayForOthers: 'always' });

    // One at a time: the other stays as it was.
    await update(service, { keepaliveSeconds: 0 });
    expect(p.peer.config.traversal.keepaliveMs).toBe(0);
    expect(p.peer.config.traversal.relay.offer).toBe('always');
    await update(service, { relayForOthers: 'never', displayName: 'Aiko' });
    expect(p.peer.config.traversal.keepaliveMs).toBe(0);
    expect(p.peer.config.traversal.relay.offer).toBe('never');
    expect(service.settings()).toMatchObject({
      displayName: 'Aiko',
      keepaliveSeconds: 0,
      relayForOthers: 'never',
    });
    expect(p.store.getSetting('settings')).toMatchObject({ keepaliveSeconds: 0, relayForOthers: 'never' });
    expect(savedTraversal(p.store)).toEqual({ keepaliveMs: 0, relay: 'never' });
  });

  it('a peer offers to relay as soon as the setting says so (its ping answer advertises it)', async () => {
    h = new SimHarness();
    const p = h.addPeer();
    const probe = h.probe();
    const service = new NanceService(p.peer, p.store);
    const ext = async (z: string) => {
      const [answer] = await probe.ask({ m: 'p', z }, p.endpoint);
      return (answer?.obj as { c?: { nance?: { ext?: string[] } } } | undefined)?.c?.nance?.ext;
    };
    // An open peer relays by default ('auto'): 'never' first, to see the setting switch it on.
    await update(service, { relayForOthers: 'never' });
    expect(await ext('a')).not.toContain('relay');
    await update(service, { relayForOthers: 'always' });
    expect(await ext('b')).toContain('relay');
    await update(service, { relayForOthers: 'never' });
    expect(await ext('c')).not.toContain('relay');
  });

  it('refuses a keepalive out of 0..3600 s or not whole, and an unknown relay choice', async () => {
    h = new SimHarness();
    const p = h.addPeer();
    const service = new NanceService(p.peer, p.store);
    for (const args of [
      { keepaliveSeconds: -1 },
      { keepaliveSeconds: 3601 },
      { keepaliveSeconds: 1.5 },
      { keepaliveSeconds: '20' },
      { relayForOthers: 'sometimes' },
    ]) {
      const reply = await update(service, args);
      expect(reply.ok, JSON.stringify(args)).toBe(false);
      if (!reply.ok) {
        expect(reply.error.kind).toBe('invalid-argument');
        expect(reply.error.message).toMatch(/^(keepaliveSeconds|relayForOthers): /);
      }
    }
    expect(p.peer.config.traversal.keepaliveMs).toBe(20_000);
    expect(p.peer.config.traversal.relay.offer).toBe('auto');
    expect(p.store.getSetting('settings')).toBeUndefined();
    expect(savedTraversal(p.store)).toEqual({});
    // The bounds themselves are fine.
    expect((await update(service, { keepaliveSeconds: 3600 })).ok).toBe(true);
    expect((await update(service, { keepaliveSeconds: 0 })).ok).toBe(true);
  });
});

describe('port mapping setting and status', () => {
  async function update(service: NanceService, args: unknown) {
    return h.settle(service.dispatch('updateSettings', args));
  }

  it('is on by default, saved by updateSettings and returned in the settings', async () => {
    h = new SimHarness();
    const p = h.addPeer();
    const service = new NanceService(p.peer, p.store);
    expect(service.settings().portMapping).toBe(true);
    expect(savedPortMapping(p.store)).toBe(true);

    const reply = await update(service, { portMapping: false });
    expect(reply.ok && reply.result).toMatchObject({ portMapping: false });
    expect(service.settings().portMapping).toBe(false);
    expect(p.store.getSetting('settings')).toMatchObject({ portMapping: false });
    expect(savedPortMapping(p.store)).toBe(false);

    // Other changes keep it.
    await update(service, { displayName: 'Aiko' });
    expect(savedPortMapping(p.store)).toBe(false);
    await update(service, { portMapping: true });
    expect(savedPortMapping(p.store)).toBe(true);
  });

  it('refuses anything but a boolean', async () => {
    h = new SimHarness();
    const p = h.addPeer();
    const service = new NanceService(p.peer, p.store);
    for (const portMapping of ['true', 1, 0, null, {}]) {
      const reply = await update(service, { portMapping });
      expect(reply.ok, JSON.stringify(portMapping)).toBe(false);
      if (!reply.ok) {
        expect(reply.error.kind).toBe('invalid-argument');
        expect(reply.error.message).toMatch(/^portMapping: /);
      }
    }
    expect(p.store.getSetting('settings')).toBeUndefined();
    expect(service.settings().portMapping).toBe(true);
  });

  it('status reports the mapping the host made at start, null when none', () => {
    h = new SimHarness();
    const p = h.addPeer();
    const service = new NanceService(p.peer, p.store);
    expect(service.status().portMapping).toBeNull();
    const external = { host: '198.51.100.25', port: 40000 };
    service.reportPortMapping({ method: 'nat-pmp', external });
    expect(service.status().portMapping).toEqual({ method: 'nat-pmp', external });
    external.port = 1; // a copy, not the caller's object
    expect(service.status().portMapping?.external.port).toBe(40000);
    service.reportPortMapping(undefined);
    expect(service.status().portMapping).toBeNull();
  });
});

describe('updates (the desktop app reports them; other hosts have none)', () => {
  it('without an updater: no update in the status, restartToUpdate is not supported, checks default on', async () => {
    h = new SimHarness();
    const p = h.addPeer();
    const service = new NanceService(p.peer, p.store);
    expect(service.status().update).toBeNull();
    expect(service.settings().autoUpdate).toBe(true);
    const reply = await h.settle(service.dispatch('restartToUpdate', {}));
    expect(reply.ok === false && reply.error.kind).toBe('not-supported');
    const off = await h.settle(service.dispatch('updateSettings', { autoUpdate: false }));
    expect(off.ok && off.result).toMatchObject({ autoUpdate: false });
  });

  it('with one: the status carries its offer, a change reaches the window, restart asks the updater', async () => {
    h = new SimHarness();
    const p = h.addPeer();
    const service = new NanceService(p.peer, p.store);
    let offer: { version: string; action: 'restart'; releaseUrl: null } | null = null;
    let changed = () => {};
    const restart = vi.fn(() => offer !== null);
    service.attachUpdates({ offer: () => offer, restart, onChange: (l) => (changed = l) });
    const statuses: unknown[] = [];
    service.events.on('statusChanged', (s) => statuses.push(s.update));
    expect((await h.settle(service.dispatch('restartToUpdate', {}))).ok && true).toBe(true);
    expect(restart).toHaveLastReturnedWith(false);
    offer = { version: '0.2.0', action: 'restart', releaseUrl: null };
    changed();
    expect(statuses).toEqual([offer]);
    const reply = await h.settle(service.dispatch('restartToUpdate', {}));
    expect(reply.ok && reply.result).toBe(true);
  });
});
