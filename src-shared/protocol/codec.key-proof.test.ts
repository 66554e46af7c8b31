// The ping's key challenge `ch` (docs/protocol.md, "Key proof") on the wire.
import { describe, expect, it } from 'vitest';
import { decodeObject, requestToWire } from './codec.js';

const CH = 'x3Jq9_Zk-0aBcDeFgHiJkL'; // 22 base64url characters, as our peers send

describe('ping challenge ch', () => {
  it('is written as a top-level field of the ping, beside z and k', () => {
    expect(requestToWire({ type: 'ping', challenge: CH }, 'z1', 'tok')).toStrictEqual({
      m: 'p',
      ch: CH,
      z: 'z1',
      k: 'tok',
    });
    expect(requestToWire({ type: 'ping' }, 'z1')).toStrictEqual({ m: 'p', z: 'z1' });
  });

  it('is read back from a ping', () => {
    expect(decodeObject({ m: 'p', z: 'z1', ch: CH })).toStrictEqual({
      kind: 'request',
      request: { type: 'ping', challenge: CH },
      z: 'z1',
    });
  });

  it.each([
    ['too short', 'a'.repeat(15)],
    ['too long', 'a'.repeat(33)],
    ['not base64url', `${'a'.repeat(20)}+/`],
    ['not a string', 1_234_567_890_123_456],
    ['an object', { ch: CH }],
  ])('%s: ignored, the ping is still a ping (answered, unproven)', (_, ch) => {
    expect(decodeObject({ m: 'p', z: 'z1', ch })).toStrictEqual({
      kind: 'request',
      request: { type: 'ping' },
      z: 'z1',
    });
  });
});
