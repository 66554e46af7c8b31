import { describe, expect, it } from 'vitest';
import { formatInviteLink, InviteLinkError, parseInviteLink } from './invite-link.js';

const KEY = `${'Ab3_-Z'.padEnd(42, 'x')}A`;
const SECRET = `${'Qq9'.padEnd(42, 'y')}w`;
const UUID = '8c1e4f3a-7b2d-4c9e-a1f0-123456789abc';
const good = `nance://join/192.0.2.7:7000/${KEY}/${UUID}#${SECRET}`;

describe('invite links', () => {
  it('round-trips, the secret only in the fragment', () => {
    const link = parseInviteLink(`  ${good}\n`);
    expect(link).toEqual({
      host: { host: '192.0.2.7', port: 7000 },
      hostKey: KEY,
      chatUuid: UUID,
      secret: SECRET,
    });
    expect(formatInviteLink(link)).toBe(good);
    expect(good.split('#')[0]).not.toContain(SECRET);
  });

  const bad: [string, string, RegExp][] = [
    ['another scheme', good.replace('nance://join/', 'https://join/'), /starts with nance:\/\/join\//],
    ['no fragment', good.split('#')[0] as string, /no room key/],
    ['a missing part', `nance://join/192.0.2.7:7000/${UUID}#${SECRET}`, /expected nance:\/\/join/],
    ['an extra part', `nance://join/192.0.2.7:7000/${KEY}/${UUID}/x#${SECRET}`, /expected/],
    ['a name, not an address', good.replace('192.0.2.7', 'example.com'), /IPv4/],
    ['an octet over 255', good.replace('192.0.2.7', '192.0.2.256'), /IPv4/],
    ['port 0', good.replace(':7000', ':0'), /IPv4/],
    ['port 65536', good.replace(':7000', ':65536'), /IPv4/],
    ['no port', good.replace(':7000', ''), /IPv4/],
    ['a short host key', good.replace(KEY, KEY.slice(1)), /host's key/],
    ['a host key of 33 bytes', good.replace(KEY, `${KEY.slice(0, 42)}B`), /host's key/],
    ['a room id that is not a uuid', good.replace(UUID, 'room-1'), /room's id/],
    ['a short secret', good.replace(SECRET, SECRET.slice(2)), /room's key/],
    ['a secret with other characters', good.replace(SECRET, `${SECRET.slice(0, 41)}+w`), /room's key/],
  ];
  for (const [what, text, message] of bad) {
    it(`refuses ${what} with a clear error`, () => {
      expect(() => parseInviteLink(text)).toThrow(InviteLinkError);
      expect(() => parseInviteLink(text)).toThrow(message);
    });
  }
});
