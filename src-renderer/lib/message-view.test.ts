// The message view's pure parts: rows (date separators, author runs), links, collapsing, day labels.
import { describe, expect, it } from 'vitest';
import type { MessageDto } from '../../src-shared/api';
import { safeLink } from '../../src-shared/safe-link';
import { COLLAPSE_CHARS, COLLAPSE_LINES, collapsedHead } from './collapse';
import { dayLabel } from './format';
import { linkParts } from './links';
import { GROUP_GAP_MS, messageRows } from './message-rows';

/** Local wall-clock times, so the calendar days hold in any time zone the tests run in. */
const at = (day: number, hour: number, minute = 0) => new Date(2026, 0, day, hour, minute).getTime();
const msg = (uuid: string, name: string, createdAt: number, extra: object = {}): MessageDto =>
  ({ uuid, name, content: uuid, createdAt, ...extra }) as MessageDto;

describe('message rows', () => {
  it('puts a date separator before the first message of each local day, and only there', () => {
    const rows = messageRows([
      msg('a', 'Ann', at(14, 23, 50)),
      msg('b', 'Ann', at(14, 23, 52)),
      msg('c', 'Ann', at(15, 0, 1)),
      msg('d', 'Bob', at(15, 9)),
    ]);
    expect(rows.map((r) => (r.kind === 'day' ? `day:${new Date(r.at).getDate()}` : r.key))).toEqual([
      'day:14',
      'a',
      'b',
      'day:15',
      'c',
      'd',
    ]);
  });

  it('groups consecutive messages by one author within a few minutes; another author, a gap or a new day starts a group', () => {
    const rows = messageRows([
      msg('a1', 'Ann', at(14, 10, 0)),
      msg('a2', 'Ann', at(14, 10, 1)),
      msg('a3', 'Ann', at(14, 10, 4)),
      msg('b1', 'Bob', at(14, 10, 5)),
      msg('a4', 'Ann', at(14, 10, 6)),
      msg('a5', 'Ann', at(14, 10, 6) + GROUP_GAP_MS + 1),
    ]);
    const starts = Object.fromEntries(
      rows.flatMap((r) => (r.kind === 'message' ? [[r.key, r.groupStart]] : [])),
    );
    expect(starts).toEqual({ a1: true, a2: false, a3: false, b1: true, a4: true, a5: true });
  });

  it('never joins a signed post and an unsigned one, or two keys, under one name', () => {
    const rows = messageRows([
      msg('s1', 'Ann', at(14, 10), { author: { key: 'K1', fingerprint: 'f', hue: 1 } }),
      msg('s2', 'Ann', at(14, 10), { author: { key: 'K1', fingerprint: 'f', hue: 1 } }),
      msg('u1', 'Ann', at(14, 10), { author: null }),
      msg('s3', 'Ann', at(14, 10), { author: { key: 'K2', fingerprint: 'g', hue: 2 } }),
    ]);
    expect(rows.filter((r) => r.kind === 'message').map((r) => r.kind === 'message' && r.groupStart)).toEqual(
      [true, false, true, true],
    );
  });
});

describe('links', () => {
  const links = (text: string) => linkParts(text).filter((p) => p.kind === 'link');

  it('makes http and https addresses links, and keeps the text around them', () => {
    const parts = linkParts('see https://example.com/a?b=1. and http://例え.jp/x too');
    expect(parts.map((p) => p.text).join('')).toBe('see https://example.com/a?b=1. and http://例え.jp/x too');
    expect(
      links('see https://example.com/a?b=1. and http://例え.jp/x too').map(
        (p) => p.kind === 'link' && p.href,
      ),
    ).toEqual(['https://example.com/a?b=1', 'http://xn--r8jz45g.jp/x']);
  });

  it('never makes javascript:, data:, file:, mailto:, ftp: or a custom scheme clickable', () => {
    for (const text of [
      'javascript:alert(1)',
      'JavaScript://example.com/%0Aalert(1)',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      'mailto:a@example.com',
      'ftp://example.com/x',
      'nance://join/1.2.3.4:5/k/c#s',
      'vbscript:msgbox',
      '//example.com/protocol-relative',
    ]) {
      expect(links(text), text).toEqual([]);
      expect(
        linkParts(text)
          .map((p) => p.text)
          .join(''),
      ).toBe(text);
    }
  });

  it('leaves an address that hides characters, or carries credentials, as text', () => {
    expect(links('https://example.com/\u202Egnp.exe')).toEqual([]);
    expect(links('https://exa\u200Bmple.com/')).toEqual([]);
    // Credentials: never opened as such (the shell checks the same rule again).
    expect(safeLink('https://bank.example:pw@evil.example/')).toBeNull();
    expect(safeLink('https://bank.example@evil.example/')).toBeNull();
    // ...and what the window links is only the part before them, so the link shows where it goes.
    for (const p of links('https://bank.example:pw@evil.example/ https://bank.example@evil.example/'))
      expect(p.kind === 'link' && new URL(p.href).hostname).toBe('bank.example');
  });
});

describe('show more', () => {
  it('shows a short message whole', () => {
    expect(collapsedHead('hello')).toBeNull();
    expect(collapsedHead('x'.repeat(COLLAPSE_CHARS))).toBeNull();
    expect(collapsedHead(Array(COLLAPSE_LINES).fill('line').join('\n'))).toBeNull();
  });

  it('collapses a long message to its head, cut between graphemes (never inside an emoji)', () => {
    const family = '👩‍👩‍👧‍👦';
    const text = family.repeat(COLLAPSE_CHARS);
    const head = collapsedHead(text) as string;
    expect(head.length).toBeLessThanOrEqual(COLLAPSE_CHARS);
    expect(head.length % family.length).toBe(0);
    expect(text.startsWith(head)).toBe(true);
  });

  it('collapses a message of many short lines after the line limit', () => {
    const text = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n');
    expect(collapsedHead(text)?.split('\n')).toHaveLength(COLLAPSE_LINES);
  });
});

describe('day labels', () => {
  const now = at(15, 12);
  it('says today and yesterday in words, other days as dates, in both languages', () => {
    expect(dayLabel(at(15, 1), now, 'en')).toBe('Today');
    expect(dayLabel(at(14, 23), now, 'en')).toBe('Yesterday');
    expect(dayLabel(at(15, 1), now, 'ja')).toBe('今日');
    expect(dayLabel(at(14, 23), now, 'ja')).toBe('昨日');
    expect(dayLabel(at(12, 9), now, 'en')).toBe('Mon, January 12');
    expect(dayLabel(new Date(2025, 11, 31).getTime(), now, 'en')).toContain('2025');
  });
});
