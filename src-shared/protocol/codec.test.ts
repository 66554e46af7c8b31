// Example-based tests of the wire codec against /work/shared/protocol.md.
// Buffer is used only as an independent base64/UTF-8 oracle; the code under test never touches it.
import { describe, expect, it } from 'vitest';
import { base64Length, base64ToBytes, bytesToBase64 } from './base64.js';
import {
  DatagramTooLargeError,
  decodeDatagram,
  decodeObject,
  encodeObject,
  encodeRequest,
  encodeResponse,
} from './codec.js';
import { ResultCode, WIRE_CODES } from './codes.js';
import { MAX_DATAGRAM_BYTES, MAX_NAME_LENGTH, MAX_REQUEST_ID_LENGTH, NAT_TYPES } from './limits.js';
import type { Decoded, Request } from './messages.js';
import { timestampSchema } from './schemas.js';
import { formatTimestamp, parseTimestamp } from './timestamps.js';

const utf8 = new TextEncoder();

/** base64(utf8(text)) as the bytes of a datagram. */
function datagramOfText(text: string): Uint8Array {
  return utf8.encode(Buffer.from(text, 'utf8').toString('base64'));
}

/** A datagram carrying `value` as JSON, the way any peer would send it. */
function datagram(value: unknown): Uint8Array {
  return datagramOfText(JSON.stringify(value));
}

/** The JSON text inside a datagram (to compare the exact wire form). */
function wireText(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('latin1');
  expect(text).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
  expect(text.length % 4).toBe(0);
  return Buffer.from(text, 'base64').toString('utf8');
}

function decode(value: unknown): Decoded {
  return decodeDatagram(datagram(value));
}

const Z = 'f79826df-27b1-9ee4-1b2d-c9ccf097137f';

describe('requests: every row of protocol.md decodes to its typed Request', () => {
  const rows: Array<[string, Record<string, unknown>, Request]> = [
    ['ping', { m: 'p' }, { type: 'ping' }],
    ['g/c', { m: 'r', t: 'g', d: 'c', a: { maxChatsLength: 10 } }, { type: 'getChats', maxChatsLength: 10 }],
    [
      'g/m',
      { m: 'r', t: 'g', d: 'm', a: { chatUuid: '3b0d4a1e-1111-4222-8333-944455556666' } },
      { type: 'getMessages', chatUuid: '3b0d4a1e-1111-4222-8333-944455556666' },
    ],
    ['g/i', { m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 30 } }, { type: 'getPeers', maxPeersLength: 30 }],
    [
      'g/i in the README typo form m:"g",t:"r"',
      { m: 'g', t: 'r', d: 'i', a: { maxPeersLength: 30 } },
      { type: 'getPeers', maxPeersLength: 30 },
    ],
    [
      'r/i',
      { m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' } },
      { type: 'register', natConeType: 'Full Cone' },
    ],
    [
      's/m',
      { m: 'r', t: 's', d: 'm', a: { chatUuid: 'chat-1', name: 'alice', content: 'hello' } },
      { type: 'postMessage', chatUuid: 'chat-1', name: 'alice', content: 'hello' },
    ],
  ];

  it.each(rows)('%s without z', (_name, wire, req) => {
    const d = decode(wire);
    expect(d).toStrictEqual({ kind: 'request', request: req });
    expect('z' in d).toBe(false);
  });

  it.each(rows)('%s with z', (_name, wire, req) => {
    expect(decode({ ...wire, z: Z })).toStrictEqual({ kind: 'request', request: req, z: Z });
  });

  it('g/m without paging fields carries no page (a base peer request)', () => {
    const d = decode({ m: 'r', t: 'g', d: 'm', a: { chatUuid: 'c' } });
    expect(d.kind === 'request' && 'page' in d.request).toBe(false);
  });

  it.each(NAT_TYPES)('r/i accepts natConeType %j', (natConeType) => {
    expect(decode({ m: 'r', t: 'r', d: 'i', a: { natConeType }, z: Z })).toStrictEqual({
      kind: 'request',
      request: { type: 'register', natConeType },
      z: Z,
    });
  });

  it.each([['Full cone'], ['full cone'], [''], [1], [null], [['Full Cone']]])(
    'r/i rejects natConeType %j with reply',
    (natConeType) => {
      expect(decode({ m: 'r', t: 'r', d: 'i', a: { natConeType }, z: Z })).toMatchObject({
        kind: 'invalid',
        reply: true,
        z: Z,
      });
    },
  );

  it('ignores unknown fields on receipt (extension rule)', () => {
    expect(
      decode({ m: 'r', t: 'g', d: 'c', a: { maxChatsLength: 5, future: [1, 2] }, x: 'y', z: Z }),
    ).toStrictEqual({ kind: 'request', request: { type: 'getChats', maxChatsLength: 5 }, z: Z });
    expect(decode({ m: 'p', a: 'anything', t: 7 })).toStrictEqual({
      kind: 'request',
      request: { type: 'ping' },
    });
  });

  it('accepts surrounding whitespace around the base64 text', () => {
    const bytes = utf8.encode(` ${Buffer.from('{"m":"p"}').toString('base64')}\n`);
    expect(decodeDatagram(bytes)).toStrictEqual({ kind: 'request', request: { type: 'ping' } });
  });

  it('decodes non-ASCII text (Japanese, emoji) in arguments', () => {
    const a = { chatUuid: 'チャット', name: '名無しさん', content: 'こんにちは 👋🏽🎉 世界' };
    expect(decode({ m: 'r', t: 's', d: 'm', a, z: Z })).toStrictEqual({
      kind: 'request',
      request: { type: 'postMessage', ...a },
      z: Z,
    });
  });
});

describe('requests: encodeRequest produces the exact wire form', () => {
  const rows: Array<[string, Request, string | undefined, string]> = [
    ['ping', { type: 'ping' }, undefined, '{"m":"p"}'],
    ['ping with z', { type: 'ping' }, Z, `{"m":"p","z":"${Z}"}`],
    [
      'g/c',
      { type: 'getChats', maxChatsLength: 10 },
      Z,
      `{"m":"r","t":"g","d":"c","a":{"maxChatsLength":10},"z":"${Z}"}`,
    ],
    [
      'g/m',
      { type: 'getMessages', chatUuid: 'abc' },
      Z,
      `{"m":"r","t":"g","d":"m","a":{"chatUuid":"abc"},"z":"${Z}"}`,
    ],
    [
      'g/i (real form, never the typo)',
      { type: 'getPeers', maxPeersLength: 30 },
      Z,
      `{"m":"r","t":"g","d":"i","a":{"maxPeersLength":30},"z":"${Z}"}`,
    ],
    [
      'r/i',
      { type: 'register', natConeType: 'Restricted Cone' },
      Z,
      `{"m":"r","t":"r","d":"i","a":{"natConeType":"Restricted Cone"},"z":"${Z}"}`,
    ],
    [
      's/m',
      { type: 'postMessage', chatUuid: 'c1', name: 'bob', content: 'hi' },
      Z,
      `{"m":"r","t":"s","d":"m","a":{"chatUuid":"c1","name":"bob","content":"hi"},"z":"${Z}"}`,
    ],
    [
      's/m without z',
      { type: 'postMessage', chatUuid: 'c1', name: 'bob', content: 'hi' },
      undefined,
      '{"m":"r","t":"s","d":"m","a":{"chatUuid":"c1","name":"bob","content":"hi"}}',
    ],
    [
      's/m with Japanese and emoji (raw UTF-8, not \\u escapes)',
      { type: 'postMessage', chatUuid: 'c1', name: '太郎', content: 'やあ 🎉' },
      undefined,
      '{"m":"r","t":"s","d":"m","a":{"chatUuid":"c1","name":"太郎","content":"やあ 🎉"}}',
    ],
  ];

  it.each(rows)('%s', (_name, req, z, expected) => {
    const bytes = encodeRequest(req, z);
    expect(wireText(bytes)).toBe(expected);
    expect(decodeDatagram(bytes)).toStrictEqual(
      z === undefined ? { kind: 'request', request: req } : { kind: 'request', request: req, z },
    );
  });

  it('encodes as standard padded base64 of UTF-8 (same bytes as an independent encoder)', () => {
    const req: Request = { type: 'postMessage', chatUuid: 'c', name: 'n', content: '日本語 🍣' };
    const json = JSON.stringify({
      m: 'r',
      t: 's',
      d: 'm',
      a: { chatUuid: 'c', name: 'n', content: '日本語 🍣' },
    });
    expect(Buffer.from(encodeRequest(req)).toString('latin1')).toBe(Buffer.from(json).toString('base64'));
  });
});

describe('responses', () => {
  it('decodes a success with c', () => {
    const c = { chats: [{ uuid: 'u', name: 'n', timestamp: '1732412345.123456' }] };
    expect(decode({ m: 'R', r: 0, c, z: Z })).toStrictEqual({
      kind: 'response',
      response: { r: 0, c },
      z: Z,
    });
  });

  it('decodes a response without z', () => {
    expect(decode({ m: 'R', r: 0, c: {} })).toStrictEqual({ kind: 'response', response: { r: 0, c: {} } });
  });

  it.each([1, 2, 3, 10, 20])('accepts error %i without c (the original omits it), c becomes {}', (r) => {
    expect(decode({ m: 'R', r, z: Z })).toStrictEqual({ kind: 'response', response: { r, c: {} }, z: Z });
  });

  it('keeps r as an integer, including codes it does not know', () => {
    const d = decode({ m: 'R', r: 42, c: {} });
    expect(d).toStrictEqual({ kind: 'response', response: { r: 42, c: {} } });
    expect(decode({ m: 'R', r: 2.0, c: {} })).toMatchObject({ kind: 'response', response: { r: 2 } });
  });

  it('tolerates r as a string of an integer', () => {
    expect(decode({ m: 'R', r: '2', c: {} })).toStrictEqual({ kind: 'response', response: { r: 2, c: {} } });
  });

  it.each([
    ['r missing', { m: 'R', c: {} }],
    ['r fractional', { m: 'R', r: 1.5, c: {} }],
    ['r non-numeric string', { m: 'R', r: 'ok', c: {} }],
    ['r string with spaces', { m: 'R', r: ' 0', c: {} }],
    ['r null', { m: 'R', r: null, c: {} }],
    ['r boolean', { m: 'R', r: false, c: {} }],
    ['c null', { m: 'R', r: 0, c: null }],
    ['c array', { m: 'R', r: 0, c: [] }],
    ['c string', { m: 'R', r: 0, c: 'x' }],
  ])('malformed response (%s) is invalid and never answered', (_name, wire) => {
    expect(decode(wire)).toMatchObject({ kind: 'invalid', reply: false });
    expect(decode({ ...wire, z: Z })).toMatchObject({ kind: 'invalid', reply: false, z: Z });
  });

  it('a response is never marked reply:true, whatever else it carries', () => {
    const odd = [
      { m: 'R', t: 'g', d: 'c', a: { maxChatsLength: 1 }, z: Z },
      { m: 'R', z: '' },
      { m: 'R', z: 5, r: 'x' },
      { m: 'R', z: 'x'.repeat(MAX_REQUEST_ID_LENGTH + 1), r: [] },
    ];
    for (const o of odd) {
      const d = decode(o);
      expect(d.kind === 'invalid' && d.reply).toBe(false);
    }
  });

  it('drops an unusable z from a response rather than echoing it', () => {
    expect(decode({ m: 'R', r: 0, c: {}, z: 'x'.repeat(MAX_REQUEST_ID_LENGTH + 1) })).toStrictEqual({
      kind: 'response',
      response: { r: 0, c: {} },
    });
  });

  it('encodes the exact wire form', () => {
    expect(wireText(encodeResponse({ r: 0, c: {} }))).toBe('{"m":"R","r":0,"c":{}}');
    expect(wireText(encodeResponse({ r: 2, c: {} }, Z))).toBe(`{"m":"R","r":2,"c":{},"z":"${Z}"}`);
    expect(
      wireText(
        encodeResponse({ r: 0, c: { peers: [{ natConeType: 'Full Cone', ip: '1.2.3.4', port: 5 }] } }),
      ),
    ).toBe('{"m":"R","r":0,"c":{"peers":[{"natConeType":"Full Cone","ip":"1.2.3.4","port":5}]}}');
  });

  it('result codes match protocol.md and 90 never goes on the wire', () => {
    expect(ResultCode).toStrictEqual({
      Ok: 0,
      Exception: 1,
      UnknownFormat: 2,
      Unreachable: 3,
      ProveAddress: 4,
      NotFound: 10,
      Full: 20,
      Timeout: 90,
    });
    expect([...WIRE_CODES].sort((x, y) => x - y)).toStrictEqual([0, 1, 2, 3, 4, 10, 20]);
  });
});

describe('maxChatsLength / maxPeersLength', () => {
  const getChats = (v: unknown) => decode({ m: 'r', t: 'g', d: 'c', a: { maxChatsLength: v }, z: Z });
  const getPeers = (v: unknown) => decode({ m: 'r', t: 'g', d: 'i', a: { maxPeersLength: v }, z: Z });

  it.each([
    [1, 1],
    [50, 50],
    ['5', 5],
    [' 7 ', 7],
    ['0012', 12],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ])('accepts %j as %i', (v, n) => {
    expect(getChats(v)).toStrictEqual({
      kind: 'request',
      request: { type: 'getChats', maxChatsLength: n },
      z: Z,
    });
    expect(getPeers(v)).toStrictEqual({
      kind: 'request',
      request: { type: 'getPeers', maxPeersLength: n },
      z: Z,
    });
  });

  it('accepts a numeric string in the typo form too', () => {
    expect(decode({ m: 'g', t: 'r', d: 'i', a: { maxPeersLength: '9' } })).toStrictEqual({
      kind: 'request',
      request: { type: 'getPeers', maxPeersLength: 9 },
    });
  });

  it.each([
    [0],
    ['0'],
    [-0],
    ['-0'],
    [-1],
    ['-3'],
    [1.5],
    ['1.5'],
    ['1e3'],
    ['abc'],
    [''],
    ['   '],
    [null],
    [true],
    [[5]],
    [{ n: 5 }],
    [2 ** 60],
    ['1234567890123456'],
  ])('rejects %j with reply:true and the z', (v) => {
    expect(getChats(v)).toMatchObject({ kind: 'invalid', reply: true, z: Z });
    expect(getPeers(v)).toMatchObject({ kind: 'invalid', reply: true, z: Z });
  });

  it('rejects a missing value with reply:true', () => {
    expect(decode({ m: 'r', t: 'g', d: 'c', a: {} })).toMatchObject({ kind: 'invalid', reply: true });
    expect(decode({ m: 'r', t: 'g', d: 'i', a: { maxChatsLength: 5 } })).toMatchObject({
      kind: 'invalid',
      reply: true,
    });
  });
});

describe('s/m validation', () => {
  const ok = { chatUuid: 'c', name: 'n', content: 'x' };
  const post = (a: Record<string, unknown>) => decode({ m: 'r', t: 's', d: 'm', a, z: Z });

  it.each(['chatUuid', 'name', 'content'])('empty %s -> invalid, reply:true', (field) => {
    expect(post({ ...ok, [field]: '' })).toMatchObject({ kind: 'invalid', reply: true, z: Z });
  });

  it.each(['chatUuid', 'name', 'content'])('missing %s -> invalid, reply:true', (field) => {
    const a: Record<string, unknown> = { ...ok };
    delete a[field];
    expect(post(a)).toMatchObject({ kind: 'invalid', reply: true, z: Z });
  });

  it.each(['chatUuid', 'name', 'content'])('non-string %s -> invalid, reply:true', (field) => {
    expect(post({ ...ok, [field]: 5 })).toMatchObject({ kind: 'invalid', reply: true, z: Z });
    expect(post({ ...ok, [field]: null })).toMatchObject({ kind: 'invalid', reply: true, z: Z });
  });

  it('name up to MAX_NAME_LENGTH is accepted, longer is refused', () => {
    expect(post({ ...ok, name: 'n'.repeat(MAX_NAME_LENGTH) })).toMatchObject({ kind: 'request' });
    expect(post({ ...ok, name: 'n'.repeat(MAX_NAME_LENGTH + 1) })).toMatchObject({
      kind: 'invalid',
      reply: true,
    });
  });

  it('whitespace-only content is not empty', () => {
    expect(post({ ...ok, content: ' ' })).toMatchObject({ kind: 'request', request: { content: ' ' } });
  });
});

describe('g/m paging extension (after, limit, maxBytes)', () => {
  const getMessages = (a: Record<string, unknown>) =>
    decode({ m: 'r', t: 'g', d: 'm', a: { chatUuid: 'c', ...a } });

  it.each([
    [{ after: 5 }, { after: 5 }],
    [{ after: 0 }, { after: 0 }],
    [{ after: '-0' }, { after: 0 }],
    [{ after: '17' }, { after: 17 }],
    [{ limit: 10 }, { after: 0, limit: 10 }],
    [{ maxBytes: 1200 }, { after: 0, maxBytes: 1200 }],
    [
      { after: 3, limit: 1, maxBytes: 512 },
      { after: 3, limit: 1, maxBytes: 512 },
    ],
    [
      { after: 3, limit: 10_000, maxBytes: MAX_DATAGRAM_BYTES },
      { after: 3, limit: 10_000, maxBytes: MAX_DATAGRAM_BYTES },
    ],
    [
      { limit: '20', maxBytes: '4000' },
      { after: 0, limit: 20, maxBytes: 4000 },
    ],
  ])('parses %j', (fields, page) => {
    expect(getMessages(fields)).toStrictEqual({
      kind: 'request',
      request: { type: 'getMessages', chatUuid: 'c', page },
    });
  });

  it('-0 reads as 0, so the request re-encodes to itself', () => {
    const d = getMessages({ after: '-0' });
    if (d.kind !== 'request' || d.request.type !== 'getMessages') throw new Error('expected g/m');
    expect(Object.is(d.request.page?.after, 0)).toBe(true);
    expect(decodeDatagram(encodeRequest(d.request))).toStrictEqual(d);
  });

  it.each([
    [{ after: -1 }],
    [{ after: 1.5 }],
    [{ after: 'x' }],
    [{ after: null }],
    [{ limit: 0 }],
    [{ limit: -1 }],
    [{ limit: 10_001 }],
    [{ limit: 2.5 }],
    [{ maxBytes: 511 }],
    [{ maxBytes: MAX_DATAGRAM_BYTES + 1 }],
    [{ maxBytes: 'lots' }],
    [{ after: 1, limit: 10, maxBytes: 100 }],
  ])('rejects %j with reply:true', (fields) => {
    expect(getMessages(fields)).toMatchObject({ kind: 'invalid', reply: true });
  });

  it('rejects an empty chatUuid', () => {
    expect(decode({ m: 'r', t: 'g', d: 'm', a: { chatUuid: '' }, z: Z })).toMatchObject({
      kind: 'invalid',
      reply: true,
      z: Z,
    });
  });

  it('encodes the page fields into a', () => {
    expect(
      wireText(
        encodeRequest(
          { type: 'getMessages', chatUuid: 'c', page: { after: 3, limit: 50, maxBytes: 8000 } },
          'q',
        ),
      ),
    ).toBe('{"m":"r","t":"g","d":"m","a":{"chatUuid":"c","after":3,"limit":50,"maxBytes":8000},"z":"q"}');
    expect(wireText(encodeRequest({ type: 'getMessages', chatUuid: 'c', page: { after: 0 } }))).toBe(
      '{"m":"r","t":"g","d":"m","a":{"chatUuid":"c","after":0}}',
    );
  });
});

describe('unknown or incomplete requests get error 2 (reply:true)', () => {
  it.each([
    ['unknown t', { m: 'r', t: 'x', d: 'c', a: {} }],
    ['unknown d', { m: 'r', t: 'g', d: 'x', a: {} }],
    ['g/p (the README list is wrong)', { m: 'r', t: 'g', d: 'p', a: {} }],
    ['s/c', { m: 'r', t: 's', d: 'c', a: {} }],
    ['r/m', { m: 'r', t: 'r', d: 'm', a: {} }],
    ['uppercase T', { m: 'r', t: 'G', d: 'c', a: { maxChatsLength: 1 } }],
    ['missing t', { m: 'r', d: 'c', a: { maxChatsLength: 1 } }],
    ['missing d', { m: 'r', t: 'g', a: { maxChatsLength: 1 } }],
    ['missing a', { m: 'r', t: 'g', d: 'c' }],
    ['a is an array', { m: 'r', t: 'g', d: 'c', a: [] }],
    ['a is a string', { m: 'r', t: 'g', d: 'c', a: 'maxChatsLength=1' }],
    ['a is null', { m: 'r', t: 'g', d: 'c', a: null }],
    ['t and d as arrays', { m: 'r', t: ['g'], d: ['c'], a: { maxChatsLength: 1 } }],
    ['t/d smuggled in t', { m: 'r', t: 'g/c', a: { maxChatsLength: 1 } }],
    ['typo form with another d', { m: 'g', t: 'r', d: 'c', a: { maxChatsLength: 1 } }],
  ])('%s', (_name, wire) => {
    expect(decode(wire)).toMatchObject({ kind: 'invalid', reply: true });
    expect('z' in decode(wire)).toBe(false);
    expect(decode({ ...wire, z: Z })).toMatchObject({ kind: 'invalid', reply: true, z: Z });
  });
});

describe('modes', () => {
  it.each(['c', 's', 'x', 'P', 'g', ''])('mode %j is unknown: reply:true with a usable z', (m) => {
    expect(decode({ m, z: Z })).toStrictEqual({
      kind: 'invalid',
      reply: true,
      z: Z,
      reason: expect.any(String),
    });
  });

  it.each(['c', 's', 'x'])('mode %j without z and without request fields is dropped', (m) => {
    expect(decode({ m })).toMatchObject({ kind: 'invalid', reply: false });
  });

  it.each([[1], [null], [['p']], [{ m: 'p' }]])('non-string m %j is unknown', (m) => {
    expect(decode({ m, z: Z })).toMatchObject({ kind: 'invalid', reply: true, z: Z });
    expect(decode({ m })).toMatchObject({ kind: 'invalid', reply: false });
  });

  it('a request missing m is answered 2, not dropped (it looks like a request)', () => {
    expect(decode({ t: 'g', d: 'c', a: { maxChatsLength: 5 } })).toMatchObject({
      kind: 'invalid',
      reply: true,
    });
    expect(decode({ a: {} })).toMatchObject({ kind: 'invalid', reply: true });
  });

  it('an object with only a usable z is answered', () => {
    expect(decode({ z: Z })).toMatchObject({ kind: 'invalid', reply: true, z: Z });
  });

  it('an object with nothing request-like is dropped', () => {
    expect(decode({})).toMatchObject({ kind: 'invalid', reply: false });
    expect(decode({ hello: 'world' })).toMatchObject({ kind: 'invalid', reply: false });
    expect(decode({ m: 'x', z: 5 })).toMatchObject({ kind: 'invalid', reply: false });
  });
});

describe('z', () => {
  it('is echoed up to MAX_REQUEST_ID_LENGTH chars, including non-ASCII', () => {
    const long = 'z'.repeat(MAX_REQUEST_ID_LENGTH);
    expect(decode({ m: 'p', z: long })).toStrictEqual({
      kind: 'request',
      request: { type: 'ping' },
      z: long,
    });
    expect(decode({ m: 'p', z: '要求-🎉' })).toStrictEqual({
      kind: 'request',
      request: { type: 'ping' },
      z: '要求-🎉',
    });
  });

  it.each([[''], ['z'.repeat(MAX_REQUEST_ID_LENGTH + 1)], [5], [null], [['a']], [{}]])(
    'an unusable z %j on a request gets reply:true without z',
    (z) => {
      const d = decode({ m: 'r', t: 'g', d: 'c', a: { maxChatsLength: 1 }, z });
      expect(d).toMatchObject({ kind: 'invalid', reply: true });
      expect('z' in d).toBe(false);
      expect(decode({ m: 'p', z })).toMatchObject({ kind: 'invalid', reply: true });
    },
  );
});

describe('undecodable datagrams are dropped (reply:false)', () => {
  const dropped = (bytes: Uint8Array) => {
    const d = decodeDatagram(bytes);
    expect(d).toMatchObject({ kind: 'invalid', reply: false });
    expect('z' in d).toBe(false);
  };

  it('empty datagram', () => dropped(new Uint8Array(0)));
  it('whitespace only', () => dropped(utf8.encode('   \n')));
  it('not base64: bad characters', () => dropped(utf8.encode('!!!!')));
  it('not base64: length not a multiple of 4', () => dropped(utf8.encode('eyJtIjoicCJ9'.slice(0, 11))));
  it('not base64: unpadded', () =>
    dropped(utf8.encode(Buffer.from('{"m":"p"}!').toString('base64').replace(/=+$/, ''))));
  it('not base64: url-safe alphabet', () => dropped(utf8.encode('-_-_')));
  it('not base64: padding in the middle', () => dropped(utf8.encode('eyJt=Ijoi')));
  it('not base64: too much padding', () => dropped(utf8.encode('e===')));
  it('not base64: line break inside', () => {
    const b64 = Buffer.from('{"m":"p","z":"abc"}').toString('base64');
    dropped(utf8.encode(`${b64.slice(0, 8)}\n${b64.slice(8)}`));
  });
  it('not base64: raw JSON sent without base64', () => dropped(utf8.encode('{"m":"p","z":"abc"}')));
  it('not UTF-8', () => dropped(utf8.encode(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64'))));
  it('not UTF-8: lone surrogate encoded as CESU', () =>
    dropped(utf8.encode(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]).toString('base64'))));
  it('not JSON', () => dropped(datagramOfText('hello')));
  it('not JSON: truncated object', () => dropped(datagramOfText('{"m":"p","z":"abc"')));
  it('not JSON: NaN literal', () => dropped(datagramOfText('{"m":"R","r":NaN}')));
  it('JSON array', () => dropped(datagram([{ m: 'p', z: Z }])));
  it('JSON null', () => dropped(datagram(null)));
  it('JSON string', () => dropped(datagram('p')));
  it('JSON number', () => dropped(datagram(0)));
  it('JSON boolean', () => dropped(datagram(true)));
  it('larger than a UDP datagram can be', () => {
    const big = utf8.encode('A'.repeat(MAX_DATAGRAM_BYTES + 1));
    dropped(big);
  });
});

describe('encodeObject size limit', () => {
  // base64 of n JSON bytes is 4*ceil(n/3) long: 49,128 bytes -> 65,504, 49,129 -> 65,508.
  const objectOfJsonLength = (n: number) => {
    const overhead = JSON.stringify({ s: '' }).length;
    const o = { s: 'x'.repeat(n - overhead) };
    expect(JSON.stringify(o).length).toBe(n);
    return o;
  };

  it('accepts the largest object that fits', () => {
    const bytes = encodeObject(objectOfJsonLength(49_128));
    expect(bytes.length).toBe(65_504);
    expect(bytes.length).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
  });

  it('refuses one byte more with DatagramTooLargeError', () => {
    let error: unknown;
    try {
      encodeObject(objectOfJsonLength(49_129));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatagramTooLargeError);
    expect(error).toBeInstanceOf(Error);
    expect((error as DatagramTooLargeError).size).toBe(65_508);
  });

  it('counts UTF-8 bytes, not characters', () => {
    // 3 UTF-8 bytes per character: 20,000 chars is 60,000 bytes of JSON, well over the limit.
    expect(() => encodeObject({ s: '日'.repeat(20_000) })).toThrow(DatagramTooLargeError);
    expect(() => encodeObject({ s: 'x'.repeat(20_000) })).not.toThrow();
  });

  it('refuses oversized requests and responses', () => {
    expect(() =>
      encodeRequest({ type: 'postMessage', chatUuid: 'c', name: 'n', content: 'x'.repeat(70_000) }),
    ).toThrow(DatagramTooLargeError);
    expect(() => encodeResponse({ r: 0, c: { messages: ['x'.repeat(50_000)] } })).toThrow(
      DatagramTooLargeError,
    );
  });

  it('a maximal datagram still decodes', () => {
    const content = 'x'.repeat(49_000);
    const bytes = encodeRequest({ type: 'postMessage', chatUuid: 'c', name: 'n', content });
    expect(bytes.length).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    expect(decodeDatagram(bytes)).toMatchObject({ kind: 'request', request: { content } });
  });
});

describe('decodeObject', () => {
  it('is the same validation decodeDatagram applies after parsing', () => {
    const o = { m: 'r', t: 's', d: 'm', a: { chatUuid: 'c', name: 'n', content: 'x' }, z: Z };
    expect(decodeObject(o)).toStrictEqual(decode(o));
  });
});

describe('timestamps', () => {
  it('formats Unix seconds as a string of a float with 6 decimals', () => {
    expect(formatTimestamp(1_732_412_345_123)).toBe('1732412345.123000');
    expect(formatTimestamp(0)).toBe('0.000000');
    expect(formatTimestamp(1_732_412_345_123.456)).toBe('1732412345.123456');
    expect(formatTimestamp(Date.now())).toMatch(/^\d{10}\.\d{6}$/);
  });

  it('parses strings and numbers to epoch milliseconds', () => {
    expect(parseTimestamp('1732412345.123456')).toBeCloseTo(1_732_412_345_123.456, 2);
    expect(parseTimestamp(1732412345.5)).toBe(1_732_412_345_500);
    expect(parseTimestamp('1732412345')).toBe(1_732_412_345_000);
    expect(parseTimestamp(' 1.5 ')).toBe(1500);
    expect(parseTimestamp('1.7e9')).toBe(1.7e12);
    expect(parseTimestamp('-1')).toBe(-1000);
  });

  it.each([['abc'], [''], ['  '], ['0x10'], ['1,5'], ['1.2.3']])('%j is not a number (NaN)', (v) => {
    expect(parseTimestamp(v)).toBeNaN();
  });

  it('round-trips format -> parse within a microsecond', () => {
    for (const ms of [
      0,
      1,
      999,
      1_000,
      1_732_412_345_123,
      1_732_412_345_123.456,
      4_102_444_800_000,
      Date.now(),
    ]) {
      expect(Math.abs(parseTimestamp(formatTimestamp(ms)) - ms)).toBeLessThan(0.001);
    }
  });

  it('timestampSchema accepts numbers and numeric strings, refuses the rest', () => {
    expect(timestampSchema.parse('1732412345.123456')).toBeCloseTo(1732412345.123456, 5);
    expect(timestampSchema.parse(1732412345)).toBe(1732412345);
    for (const bad of ['', 'abc', '1e999', Number.POSITIVE_INFINITY, null, '0x10']) {
      expect(timestampSchema.safeParse(bad).success).toBe(false);
    }
  });
});

describe('base64 helpers', () => {
  it.each([
    [[], ''],
    [[0x4d], 'TQ=='],
    [[0x4d, 0x61], 'TWE='],
    [[0x4d, 0x61, 0x6e], 'TWFu'],
    [[0x4d, 0x61, 0x6e, 0x21], 'TWFuIQ=='],
    [[0x00], 'AA=='],
    [[0xff, 0xff, 0xff], '////'],
    [[0xfb, 0xef, 0xbe], '++++'],
  ])('%j <-> %j', (bytes, text) => {
    expect(bytesToBase64(Uint8Array.from(bytes))).toBe(text);
    expect(base64ToBytes(text)).toStrictEqual(Uint8Array.from(bytes));
    expect(base64Length(bytes.length)).toBe(text.length);
  });

  it.each([
    ['Japanese', '日本語のチャットです。こんにちは、世界！'],
    ['emoji', '👋🏽🎉👨‍👩‍👧‍👦'],
    ['mixed', 'a é 日 🍣 \u0000 \u{10ffff}'],
  ])('round-trips UTF-8 %s like an independent encoder', (_name, s) => {
    const bytes = utf8.encode(s);
    const b64 = bytesToBase64(bytes);
    expect(b64).toBe(Buffer.from(s, 'utf8').toString('base64'));
    const back = base64ToBytes(b64);
    expect(back).toBeDefined();
    expect(new TextDecoder().decode(back)).toBe(s);
  });

  it('handles arrays larger than its internal chunk', () => {
    const bytes = Uint8Array.from({ length: 0x8000 * 2 + 5 }, (_, i) => (i * 31 + 7) & 0xff);
    const b64 = bytesToBase64(bytes);
    expect(b64).toBe(Buffer.from(bytes).toString('base64'));
    expect(base64ToBytes(b64)).toStrictEqual(bytes);
  });

  it.each([
    ['T'],
    ['TQ'],
    ['TQ='],
    ['TQ=x'],
    ['T==='],
    ['===='],
    ['TQ==TQ=='],
    ['TW E'],
    ['TWFu\n'],
    ['-_-_'],
    ['TWF\u00fc'],
  ])('refuses %j', (text) => {
    expect(base64ToBytes(text)).toBeUndefined();
  });
});
