// The NAT traversal requests (n/i, n/p, n/k, n/r, n/f) and g/i's `nat` flag on the wire: exact
// JSON out, exact typed form back, and every malformed variant answered 2 with its reason.
// Buffer is only an independent base64 oracle here.
import { describe, expect, it } from 'vitest';
import { datagramToObject, decodeDatagram, decodeObject, encodeRequest, requestToWire } from './codec.js';
import { MAX_DATAGRAM_BYTES } from './limits.js';
import type { Decoded, Request } from './messages.js';

const wireText = (bytes: Uint8Array) =>
  Buffer.from(Buffer.from(bytes).toString('latin1'), 'base64').toString();
const datagramOf = (text: string) =>
  new Uint8Array(Buffer.from(Buffer.from(text, 'utf8').toString('base64')));

const TOKEN = '0f8fad5b-d9cb-469f-a165-70867728950e';
const TARGET = { host: '198.51.100.20', port: 7000 };
const INNER = { m: 'r', t: 's', d: 'm', a: { chatUuid: 'c', name: 'n', content: 'hi' }, z: 'inner' };

const cases: [Request, string][] = [
  [
    { type: 'introduce', target: TARGET },
    '{"m":"r","t":"n","d":"i","a":{"ip":"198.51.100.20","port":7000},"z":"q"}',
  ],
  [
    { type: 'punch', target: TARGET, token: TOKEN },
    `{"m":"r","t":"n","d":"p","a":{"ip":"198.51.100.20","port":7000,"token":"${TOKEN}"},"z":"q"}`,
  ],
  [{ type: 'knock', token: TOKEN }, `{"m":"r","t":"n","d":"k","a":{"token":"${TOKEN}"},"z":"q"}`],
  [
    { type: 'relay', target: TARGET, msg: INNER },
    `{"m":"r","t":"n","d":"r","a":{"ip":"198.51.100.20","port":7000,"msg":${JSON.stringify(INNER)}},"z":"q"}`,
  ],
  [
    { type: 'forwarded', origin: TARGET, msg: INNER },
    `{"m":"r","t":"n","d":"f","a":{"ip":"198.51.100.20","port":7000,"msg":${JSON.stringify(INNER)}},"z":"q"}`,
  ],
];

describe('n/* requests round trip', () => {
  it.each(cases)('%o: exact wire JSON, and decodes back to itself', (request, text) => {
    const bytes = encodeRequest(request, 'q');
    expect(wireText(bytes)).toBe(text);
    expect(decodeDatagram(bytes)).toStrictEqual({ kind: 'request', request, z: 'q' });
    // Without z: none on the wire, none decoded.
    const bare = encodeRequest(request);
    expect(wireText(bare)).toBe(text.replace(',"z":"q"', ''));
    expect(decodeDatagram(bare)).toStrictEqual({ kind: 'request', request });
  });
});

const n = (d: string, a: unknown) => ({ m: 'r', t: 'n', d, a, z: 'bad' });
const invalid = (reason: string): Decoded => ({ kind: 'invalid', reply: true, reason, z: 'bad' });

describe('malformed n/* requests are answered 2 with a reason', () => {
  const good = { ip: '198.51.100.20', port: 7000 };
  const endpointVariants: [string, Record<string, unknown>][] = [
    ['missing ip', { port: 7000 }],
    ['missing port', { ip: '198.51.100.20' }],
    ['ip not an IP literal', { ...good, ip: 'example.org' }],
    ['ip out of range', { ...good, ip: '256.1.1.1' }],
    ['ip IPv6 with a zone', { ...good, ip: 'fe80::1%eth0' }],
    ['ip a number', { ...good, ip: 3325256724 }],
    ['port 0', { ...good, port: 0 }],
    ['port 65536', { ...good, port: 65_536 }],
    ['port a string', { ...good, port: '7000' }],
    ['port fractional', { ...good, port: 70.5 }],
  ];
  it.each(endpointVariants)('n/i with %s', (_, a) => {
    expect(decodeObject(n('i', a))).toStrictEqual(invalid('n/i needs ip and port'));
  });
  it.each(endpointVariants)('n/p with %s', (_, a) => {
    expect(decodeObject(n('p', { ...a, token: TOKEN }))).toStrictEqual(
      invalid('n/p needs ip, port and token'),
    );
  });
  it.each(endpointVariants)('n/r with %s', (_, a) => {
    expect(decodeObject(n('r', { ...a, msg: INNER }))).toStrictEqual(invalid('n/r needs ip, port and msg'));
  });
  it.each(endpointVariants)('n/f with %s', (_, a) => {
    expect(decodeObject(n('f', { ...a, msg: INNER }))).toStrictEqual(invalid('n/f needs ip, port and msg'));
  });

  const badTokens: [string, unknown][] = [
    ['missing', undefined],
    ['7 chars', 'abcdefg'],
    ['65 chars', 'x'.repeat(65)],
    ['a number', 12345678],
    ['null', null],
  ];
  it.each(badTokens)('token %s', (_, token) => {
    expect(decodeObject(n('k', { token }))).toStrictEqual(invalid('n/k needs token'));
    expect(decodeObject(n('p', { ...good, token }))).toStrictEqual(invalid('n/p needs ip, port and token'));
  });
  it('token bounds are inclusive (8 and 64 chars)', () => {
    for (const token of ['x'.repeat(8), 'x'.repeat(64)]) {
      expect(decodeObject(n('k', { token }))).toStrictEqual({
        kind: 'request',
        request: { type: 'knock', token },
        z: 'bad',
      });
    }
  });

  const badMsgs: [string, unknown][] = [
    ['missing', undefined],
    ['a string', 'eyJtIjoicCJ9'],
    ['a number', 1],
    ['an array', [{ m: 'p' }]],
    ['null', null],
  ];
  it.each(badMsgs)('msg %s', (_, msg) => {
    expect(decodeObject(n('r', { ...good, msg }))).toStrictEqual(invalid('n/r needs ip, port and msg'));
    expect(decodeObject(n('f', { ...good, msg }))).toStrictEqual(invalid('n/f needs ip, port and msg'));
  });

  it('an unknown n/x, and a missing a, are answered 2', () => {
    expect(decodeObject(n('x', {}))).toStrictEqual(invalid('unknown request n/x'));
    expect(decodeObject({ m: 'r', t: 'n', d: 'k', z: 'bad' })).toStrictEqual(
      invalid('missing arguments object a'),
    );
  });
});

describe('g/i and its nat flag', () => {
  const gi = (a: Record<string, unknown>) => ({ m: 'r', t: 'g', d: 'i', a, z: 'g' });

  it('nat:true decodes as allTypes and encodes back as nat:true', () => {
    const decoded = decodeObject(gi({ maxPeersLength: 5, nat: true }));
    expect(decoded).toStrictEqual({
      kind: 'request',
      request: { type: 'getPeers', maxPeersLength: 5, allTypes: true },
      z: 'g',
    });
    expect(requestToWire({ type: 'getPeers', maxPeersLength: 5, allTypes: true }, 'g')).toStrictEqual(
      gi({ maxPeersLength: 5, nat: true }),
    );
  });

  it('without nat (or allTypes false) there is no nat on the wire and no allTypes decoded', () => {
    expect(decodeObject(gi({ maxPeersLength: 5 }))).toStrictEqual({
      kind: 'request',
      request: { type: 'getPeers', maxPeersLength: 5 },
      z: 'g',
    });
    const text = wireText(encodeRequest({ type: 'getPeers', maxPeersLength: 5, allTypes: false }));
    expect(text).toBe('{"m":"r","t":"g","d":"i","a":{"maxPeersLength":5}}');
  });

  it.each([false, 'true', 1, null, {}])('nat: %o is answered 2', (nat) => {
    expect(decodeObject(gi({ maxPeersLength: 5, nat }))).toStrictEqual({
      kind: 'invalid',
      reply: true,
      reason: 'g/i needs maxPeersLength > 0',
      z: 'g',
    });
  });
});

describe('datagramToObject', () => {
  it.each<[string, Uint8Array, string]>([
    ['empty', new Uint8Array(0), 'empty datagram'],
    ['oversize', new Uint8Array(MAX_DATAGRAM_BYTES + 1).fill(65), 'datagram too large'],
    ['not base64', new Uint8Array(Buffer.from('!!!!', 'latin1')), 'not base64'],
    ['base64 with a bad length', new Uint8Array(Buffer.from('eyJ', 'latin1')), 'not base64'],
    [
      'base64 of invalid UTF-8',
      new Uint8Array(Buffer.from(Buffer.from([0xff, 0xfe]).toString('base64'))),
      'not UTF-8 JSON',
    ],
    ['base64 of not JSON', datagramOf('{"m":'), 'not UTF-8 JSON'],
    ['base64 of an array', datagramOf('[{"m":"p"}]'), 'not a JSON object'],
    ['base64 of null', datagramOf('null'), 'not a JSON object'],
    ['base64 of a string', datagramOf('"p"'), 'not a JSON object'],
  ])('%s -> %s', (_, bytes, reason) => {
    expect(datagramToObject(bytes)).toStrictEqual({ ok: false, reason });
  });

  it('a datagram of exactly the maximum size is still read', () => {
    // base64 "AAAA" repeated: decodes to zero bytes, which is not JSON; the point is it was not refused for size.
    const max = new Uint8Array(MAX_DATAGRAM_BYTES - (MAX_DATAGRAM_BYTES % 4)).fill(65);
    expect(datagramToObject(max)).toStrictEqual({ ok: false, reason: 'not UTF-8 JSON' });
  });

  it('the object of a well-formed datagram, unchanged', () => {
    expect(datagramToObject(datagramOf(JSON.stringify(INNER)))).toStrictEqual({ ok: true, object: INNER });
  });
});
