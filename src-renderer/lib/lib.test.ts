import { describe, expect, it } from 'vitest';
import type { ChatListDto } from '../../src-shared/api';
import { groupChats, hostHealth, STALE_AFTER_MS } from './chat-groups';
import { countdown, relativeTime } from './format';
import { checkBootstrapList, checkDisplayName, checkKeepalive } from './validate';

describe('format', () => {
  it('counts down as H:MM:SS and never below zero', () => {
    expect(countdown(0)).toBe('0:00:00');
    expect(countdown(-5_000)).toBe('0:00:00');
    expect(countdown(61_999)).toBe('0:01:01');
    expect(countdown(23 * 3_600_000 + 59 * 60_000 + 59_000)).toBe('23:59:59');
  });

  it('says ages in both languages', () => {
    const now = 1_700_000_000_000;
    expect(relativeTime(now - 3 * 60_000, now, 'en')).toBe('3 minutes ago');
    expect(relativeTime(now - 3 * 60_000, now, 'ja')).toBe('3 分前');
    expect(relativeTime(now - 2_000, now, 'en')).toBe('now');
    expect(relativeTime(now - 2 * 3_600_000, now, 'en')).toBe('2 hours ago');
    expect(relativeTime(now + 30_000, now, 'en')).toBe('in 30 seconds');
  });
});

describe('validate', () => {
  it('reads a bootstrap list, one per line', () => {
    expect(checkBootstrapList(' a.b:1\n\nc.d:2 , e.f:3 ')).toEqual({
      value: ['a.b:1', 'c.d:2', 'e.f:3'],
      error: null,
    });
    expect(checkBootstrapList('').value).toEqual([]);
    expect(checkBootstrapList('nope').error?.key).toBe('validation.hostPort');
    expect(checkBootstrapList(Array.from({ length: 17 }, (_, i) => `h:${i + 1}`).join('\n')).error?.key).toBe(
      'validation.tooManyBootstraps',
    );
  });

  it('wants a display name of 1..64 characters', () => {
    expect(checkDisplayName('  Aiko  ')).toEqual({ value: 'Aiko', error: null });
    expect(checkDisplayName('   ').error?.key).toBe('validation.nameRequired');
    expect(checkDisplayName('x'.repeat(65)).error?.key).toBe('validation.nameTooLong');
  });

  it('wants a keepalive of 0..3600 whole seconds, like the contract', () => {
    expect(checkKeepalive(' 20 ')).toEqual({ value: 20, error: null });
    expect(checkKeepalive('0')).toEqual({ value: 0, error: null });
    expect(checkKeepalive('3600')).toEqual({ value: 3600, error: null });
    for (const bad of ['', '-1', '3601', '1.5', '1e3', 'abc', '99999999']) {
      expect(checkKeepalive(bad).error, bad).toEqual({ key: 'validation.keepalive', params: { max: 3600 } });
    }
  });
});

describe('chat groups', () => {
  const now = 1_700_000_000_000;
  const list: ChatListDto = {
    rooms: [],
    mine: [
      { uuid: 'm1', name: 'Old mine', createdAt: now - 5_000 },
      { uuid: 'm2', name: 'New mine', createdAt: now - 1_000 },
    ],
    hosts: [
      {
        host: { host: '192.0.2.1', port: 5000 },
        chats: [{ uuid: 'a1', name: 'Alpha', createdAt: now - 9_000 }],
        fetchedAt: now - 10_000,
        error: null,
        path: { kind: 'direct', via: null, actual: null, family: 'ipv4' },
      },
      {
        host: { host: '192.0.2.2', port: 5000 },
        chats: [
          { uuid: 'b1', name: 'Beta 🍣', createdAt: now - 3_000 },
          { uuid: 'b2', name: '日本語のチャット', createdAt: now - 2_000 },
        ],
        fetchedAt: now - STALE_AFTER_MS - 1,
        error: null,
        path: { kind: 'relayed', via: '198.51.100.10:3490', actual: null, family: 'ipv4' },
      },
      { host: { host: '192.0.2.3', port: 5000 }, chats: [], fetchedAt: null, error: 'timeout', path: null },
    ],
  };

  it('puts my chats first, then hosts by their newest chat, each newest first', () => {
    const groups = groupChats(list, '', now);
    expect(groups.map((g) => g.id)).toEqual(['mine', '192.0.2.2:5000', '192.0.2.1:5000', '192.0.2.3:5000']);
    expect(groups[0]?.entries.map((e) => e.chat.uuid)).toEqual(['m2', 'm1']);
    expect(groups[1]?.entries.map((e) => e.chat.uuid)).toEqual(['b2', 'b1']);
    expect(groups[1]?.entries[0]?.key).toBe('192.0.2.2:5000/b2');
  });

  it('marks stale and unreachable hosts', () => {
    const groups = groupChats(list, '', now);
    expect(groups[1]?.health).toEqual({ kind: 'stale', fetchedAt: now - STALE_AFTER_MS - 1 });
    expect(groups[2]?.health).toEqual({ kind: 'fresh' });
    expect(groups[3]?.health).toEqual({ kind: 'unreachable', fetchedAt: null });
    expect(hostHealth(null, null, now)).toEqual({ kind: 'pending' });
    expect(hostHealth(now - 1_000, 'timeout', now)).toEqual({ kind: 'unreachable', fetchedAt: now - 1_000 });
  });

  it("carries each host's path; my chats have none", () => {
    const groups = groupChats(list, '', now);
    expect(groups.map((g) => g.path?.kind ?? null)).toEqual([null, 'relayed', 'direct', null]);
    expect(groups[1]?.path?.via).toBe('198.51.100.10:3490');
  });

  it('filters by chat name (any case, any script) or host address', () => {
    expect(groupChats(list, 'MINE', now).flatMap((g) => g.entries.map((e) => e.chat.uuid))).toEqual([
      'm2',
      'm1',
    ]);
    expect(groupChats(list, '日本語', now).flatMap((g) => g.entries.map((e) => e.chat.uuid))).toEqual(['b2']);
    expect(groupChats(list, '192.0.2.1', now).map((g) => g.id)).toEqual(['192.0.2.1:5000']);
    expect(groupChats(list, 'nothing', now)).toEqual([]);
  });
});
