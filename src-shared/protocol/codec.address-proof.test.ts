// The address-proof envelope field `k` (docs/protocol.md, "Address proof") and the answer that asks
// for it (code 4): exact JSON out, the token back on decode, and a malformed token ignored without
// losing the request. Buffer is only an independent base64 oracle here.
import { describe, expect, it } from 'vitest';
import { addressProofAsked, decodeDatagram, encodeRequest, encodeResponse } from './codec.js';
import { ResultCode, WIRE_CODES } from './codes.js';
import type { Request } from './messages.js';
import { requestTypeOf, wireRequests } from './wire-requests.js';

const wireText = (bytes: Uint8Array) =>
  Buffer.from(Buffer.from(bytes).toString('latin1'), 'base64').toString();
const datagramOf = (value: unknown) =>
  new Uint8Array(Buffer.from(Buffer.from(JSON.stringify(value), 'utf8').toString('base64')));

const TOKEN = 'Zk3_-q9';
const GET_MESSAGES: Request = { type: 'getMessages', chatUuid: 'c1' };

describe('requests carrying k', () => {
  it('encodeRequest writes k at the top level, after z', () => {
    expect(wireText(encodeRequest(GET_MESSAGES, 'q', TOKEN))).toBe(
      `{"m":"r","t":"g","d":"m","a":{"chatUuid":"c1"},"z":"q","k":"${TOKEN}"}`,
    );
    expect(wireText(encodeRequest({ type: 'ping' }, undefined, TOKEN))).toBe(`{"m":"p","k":"${TOKEN}"}`);
  });

  it('without a proof nothing changes on the wire', () => {
    expect(wireText(encodeRequest(GET_MESSAGES, 'q'))).toBe(
      '{"m":"r","t":"g","d":"m","a":{"chatUuid":"c1"},"z":"q"}',
    );
  });

  it.each<Request>([
    { type: 'ping' },
    GET_MESSAGES,
    { type: 'register', natConeType: 'Full Cone' },
    { type: 'knock', token: '0f8fad5b-d9cb-469f' },
  ])('%o decodes with its proof', (request) => {
    expect(decodeDatagram(encodeRequest(request, 'q', TOKEN))).toStrictEqual({
      kind: 'request',
      request,
      z: 'q',
      proof: TOKEN,
    });
  });

  it('accepts a token of exactly 1 and 64 characters', () => {
    for (const k of ['a', 'A'.repeat(64)]) {
      expect(decodeDatagram(datagramOf({ m: 'p', k }))).toStrictEqual({
        kind: 'request',
        request: { type: 'ping' },
        proof: k,
      });
    }
  });

  it.each<[string, unknown]>([
    ['empty', ''],
    ['65 characters', 'A'.repeat(65)],
    ['a character outside [A-Za-z0-9_-]', 'abc.def'],
    ['whitespace', 'abc def'],
    ['a non-ASCII letter', 'é'],
    ['a number', 12345],
    ['an array', ['abc']],
    ['null', null],
  ])('a malformed k (%s) is ignored: the request still decodes, without proof', (_, k) => {
    const wire = { m: 'r', t: 'g', d: 'm', a: { chatUuid: 'c1' }, z: 'q', k };
    expect(decodeDatagram(datagramOf(wire))).toStrictEqual({
      kind: 'request',
      request: GET_MESSAGES,
      z: 'q',
    });
  });

  it('k does not rescue a malformed request', () => {
    const wire = { m: 'r', t: 'g', d: 'm', a: {}, z: 'q', k: TOKEN };
    expect(decodeDatagram(datagramOf(wire))).toStrictEqual({
      kind: 'invalid',
      reply: true,
      reason: 'g/m needs chatUuid (and valid paging fields)',
      z: 'q',
    });
  });
});

describe('the "prove your address" answer (code 4)', () => {
  it('is a wire code', () => {
    expect(ResultCode.ProveAddress).toBe(4);
    expect(WIRE_CODES.has(ResultCode.ProveAddress)).toBe(true);
  });

  it('decodes with c.k available, and addressProofAsked gives the token', () => {
    const bytes = encodeResponse({ r: ResultCode.ProveAddress, c: { k: TOKEN } }, 'q');
    expect(wireText(bytes)).toBe(`{"m":"R","r":4,"c":{"k":"${TOKEN}"},"z":"q"}`);
    const d = decodeDatagram(bytes);
    expect(d).toStrictEqual({ kind: 'response', response: { r: 4, c: { k: TOKEN } }, z: 'q' });
    if (d.kind !== 'response') throw new Error('not a response');
    expect(addressProofAsked(d.response)).toBe(TOKEN);
  });

  it('addressProofAsked gives nothing for other codes or a malformed c.k', () => {
    expect(addressProofAsked({ r: ResultCode.Ok, c: { k: TOKEN } })).toBeUndefined();
    expect(addressProofAsked({ r: ResultCode.ProveAddress, c: {} })).toBeUndefined();
    expect(addressProofAsked({ r: ResultCode.ProveAddress, c: { k: 'no spaces' } })).toBeUndefined();
    expect(addressProofAsked({ r: ResultCode.ProveAddress, c: { k: 'A'.repeat(65) } })).toBeUndefined();
  });

  it('a response never carries a proof, even with a top-level k', () => {
    expect(decodeDatagram(datagramOf({ m: 'R', r: 0, c: {}, k: TOKEN }))).toStrictEqual({
      kind: 'response',
      response: { r: 0, c: {} },
    });
  });
});

describe('the wire table', () => {
  it('spells every request type with its own t/d, and requestTypeOf reads each back', () => {
    const spellings = Object.values(wireRequests).map(({ t, d }) => `${t}/${d}`);
    expect(new Set(spellings).size).toBe(spellings.length);
    for (const [type, { t, d }] of Object.entries(wireRequests)) expect(requestTypeOf(t, d)).toBe(type);
  });

  it('requestTypeOf knows nothing but the table, and no non-string t/d', () => {
    expect(requestTypeOf('n', 'x')).toBeUndefined();
    expect(requestTypeOf(['n'], 'r')).toBeUndefined();
    expect(requestTypeOf('constructor', '')).toBeUndefined();
    expect(requestTypeOf('n', 'r')).toBe('relay');
    expect(requestTypeOf('n', 'f')).toBe('forwarded');
  });
});
