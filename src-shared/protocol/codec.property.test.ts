// Property-based tests of the wire codec: decoding never throws, and what decodes re-encodes to itself.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDatagram, encodeRequest, encodeResponse } from './codec.js';
import { MAX_DATAGRAM_BYTES, MAX_NAME_LENGTH, MAX_REQUEST_ID_LENGTH, NAT_TYPES } from './limits.js';
import type { Decoded, Request, Response } from './messages.js';

const utf8 = new TextEncoder();

/** base64(utf8(text)) as datagram bytes (Buffer is an independent oracle here). */
function datagramOfText(text: string): Uint8Array {
  return utf8.encode(Buffer.from(text, 'utf8').toString('base64'));
}

function datagram(value: unknown): Uint8Array {
  return datagramOfText(JSON.stringify(value));
}

/** Structural sanity of any decode result; returns it for further checks. */
function checkShape(d: Decoded): Decoded {
  expect(['request', 'response', 'invalid']).toContain(d.kind);
  if (d.z !== undefined) {
    expect(typeof d.z).toBe('string');
    expect(d.z.length).toBeGreaterThan(0);
    expect(d.z.length).toBeLessThanOrEqual(MAX_REQUEST_ID_LENGTH);
  }
  if (d.kind === 'invalid') {
    expect(typeof d.reply).toBe('boolean');
    expect(typeof d.reason).toBe('string');
  }
  return d;
}

/** A decoded request must re-encode (real wire form) to exactly the same decode result. */
function checkRequestRoundTrip(d: Decoded): void {
  if (d.kind !== 'request') return;
  expect(decodeDatagram(encodeRequest(d.request, d.z, d.proof))).toStrictEqual(d);
}

function expected(request: Request, z: string | undefined): Decoded {
  return z === undefined ? { kind: 'request', request } : { kind: 'request', request, z };
}

// ---- arbitraries

/** fast-check 4 builds records without a prototype; decoded JSON has Object.prototype (toStrictEqual sees it). */
const plain = { noNullPrototype: true } as const;

/** Strings from several alphabets: ASCII, full Unicode graphemes, any code point, any UTF-16 unit. */
const anyText = (min: number, max: number) =>
  fc
    .oneof(
      fc.string({ minLength: min, maxLength: max }),
      fc.string({ minLength: min, maxLength: max, unit: 'grapheme' }),
      fc.string({ minLength: min, maxLength: max, unit: 'binary' }),
      fc.string({ minLength: min, maxLength: max, unit: fc.nat(0xffff).map((c) => String.fromCharCode(c)) }),
    )
    .filter((s) => s.length >= min && s.length <= max);

const zArb = fc.option(anyText(1, MAX_REQUEST_ID_LENGTH), { nil: undefined });
const positive = fc.oneof(
  fc.integer({ min: 1, max: 1000 }),
  fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
);

const pageArb = fc.record(
  {
    after: fc.oneof(fc.nat(1000), fc.nat({ max: Number.MAX_SAFE_INTEGER })),
    limit: fc.integer({ min: 1, max: 10_000 }),
    maxBytes: fc.integer({ min: 512, max: MAX_DATAGRAM_BYTES }),
  },
  { requiredKeys: ['after'], noNullPrototype: true },
);

const requestArb = (maxContent: number): fc.Arbitrary<Request> =>
  fc.oneof(
    fc.constant({ type: 'ping' as const }),
    fc.record({ type: fc.constant('getChats' as const), maxChatsLength: positive }, plain),
    fc.record(
      { type: fc.constant('getMessages' as const), chatUuid: anyText(1, 64), page: pageArb },
      { requiredKeys: ['type', 'chatUuid'], noNullPrototype: true },
    ),
    fc.record({ type: fc.constant('getPeers' as const), maxPeersLength: positive }, plain),
    fc.record({ type: fc.constant('register' as const), natConeType: fc.constantFrom(...NAT_TYPES) }, plain),
    fc.record(
      {
        type: fc.constant('postMessage' as const),
        chatUuid: fc.oneof(fc.uuid(), anyText(1, 64)),
        name: anyText(1, MAX_NAME_LENGTH),
        content: anyText(1, maxContent),
      },
      plain,
    ),
  );

/** Values that are sometimes right and often subtly wrong for a request field. */
const fuzzyField = (...good: unknown[]) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...good) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', '0', '-0', '-1', ' 5 ', '1.5', '1e3', 0, -0, -1, 1.5, null, true),
    },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.integer().map(String) },
    { weight: 1, arbitrary: fc.string() },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );

/** Objects shaped like requests (and responses), with every field sometimes missing or wrong. */
const fuzzyMessage = fc.record(
  {
    m: fuzzyField('p', 'r', 'R', 'g', 'c', 's'),
    t: fuzzyField('g', 'r', 's'),
    d: fuzzyField('c', 'm', 'i'),
    a: fc.oneof(
      fc.record(
        {
          maxChatsLength: fuzzyField(1, 5, '7'),
          maxPeersLength: fuzzyField(1, 30, '9'),
          chatUuid: fuzzyField('c', 'f79826df-27b1-9ee4-1b2d-c9ccf097137f'),
          name: fuzzyField('alice', 'n'.repeat(MAX_NAME_LENGTH + 1)),
          content: fuzzyField('hi', ' '),
          natConeType: fuzzyField(...NAT_TYPES, 'Full cone'),
          after: fuzzyField(0, 3, '4'),
          limit: fuzzyField(1, 10_000, 10_001),
          maxBytes: fuzzyField(512, 511, MAX_DATAGRAM_BYTES, MAX_DATAGRAM_BYTES + 1),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 2 }),
    ),
    r: fuzzyField(0, 1, 2, 3, 10, 20, '2'),
    c: fc.oneof(fc.constant({}), fc.jsonValue({ maxDepth: 3 })),
    z: fc.oneof(fc.string({ minLength: 1 }), fuzzyField('', 'z'.repeat(MAX_REQUEST_ID_LENGTH + 1))),
  },
  { requiredKeys: [] },
);

/** Which request type a wire object may decode to, judging only by m, t, d. */
function typeFromEnvelope(o: Record<string, unknown>): Request['type'] | undefined {
  if (o.m === 'p') return 'ping';
  if (o.m === 'g' && o.t === 'r' && o.d === 'i') return 'getPeers';
  if (o.m !== 'r') return undefined;
  const table: Record<string, Request['type']> = {
    'g/c': 'getChats',
    'g/m': 'getMessages',
    'g/i': 'getPeers',
    'r/i': 'register',
    's/m': 'postMessage',
  };
  return typeof o.t === 'string' && typeof o.d === 'string' ? table[`${o.t}/${o.d}`] : undefined;
}

// ---- properties

describe('decodeDatagram on arbitrary bytes', () => {
  const neverThrows = (bytes: Uint8Array) => {
    const d = checkShape(decodeDatagram(bytes));
    if (d.kind === 'response') expect(d.response).toBeDefined();
    checkRequestRoundTrip(d);
  };

  it('never throws on small byte arrays', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), neverThrows), { numRuns: 5000 });
  });

  it('never throws on byte arrays up to 70,000 bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 70_000, size: 'max' }), neverThrows), { numRuns: 200 });
  });

  it('never throws on base64-alphabet text (gets past the base64 check)', () => {
    const b64char = fc.constantFrom(
      ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n '.split(''),
    );
    fc.assert(
      fc.property(fc.array(b64char, { maxLength: 200 }), (chars) => neverThrows(utf8.encode(chars.join('')))),
      { numRuns: 3000 },
    );
  });

  it('never throws on base64 of arbitrary bytes (gets to the UTF-8 and JSON checks)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (raw) =>
        neverThrows(utf8.encode(Buffer.from(raw).toString('base64'))),
      ),
      { numRuns: 3000 },
    );
  });

  it('never throws on base64 of arbitrary text and JSON-ish fragments', () => {
    const fragment = fc.oneof(
      anyText(0, 20),
      fc.constantFrom(
        '{',
        '}',
        '[',
        ']',
        ':',
        ',',
        '"m"',
        '"p"',
        '"r"',
        '"R"',
        '"z"',
        '"a"',
        '{"m":"p"}',
        'null',
      ),
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 30 }), (parts) =>
        neverThrows(datagramOfText(parts.join(''))),
      ),
      { numRuns: 3000 },
    );
  });
});

describe('decodeDatagram on arbitrary JSON', () => {
  const check = (value: unknown) => {
    const text = JSON.stringify(value);
    if (text === undefined) return;
    const bytes = datagramOfText(text);
    const d = checkShape(decodeDatagram(bytes));
    if (bytes.length > MAX_DATAGRAM_BYTES) {
      expect(d).toMatchObject({ kind: 'invalid', reply: false });
      return;
    }
    const parsed: unknown = JSON.parse(text);
    const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    if (!isObject) expect(d).toMatchObject({ kind: 'invalid', reply: false });
    if (isObject && (parsed as Record<string, unknown>).m === 'R') expect(d.kind).not.toBe('request');
    if (d.kind === 'invalid' && d.reply === true) expect(isObject).toBe(true);
    if (d.kind === 'response') expect((parsed as Record<string, unknown>).m).toBe('R');
    if (d.kind === 'request') {
      expect(d.request.type).toBe(typeFromEnvelope(parsed as Record<string, unknown>));
      checkRequestRoundTrip(d);
    }
  };

  it('fc.jsonValue: never throws; requests round-trip', () => {
    fc.assert(fc.property(fc.jsonValue(), check), { numRuns: 3000 });
  });

  it('fc.anything through JSON.stringify: never throws; requests round-trip', () => {
    fc.assert(fc.property(fc.anything(), check), { numRuns: 2000 });
  });

  it('request-shaped objects with wrong fields: never throws; requests round-trip; responses never answered', () => {
    let requests = 0;
    fc.assert(
      fc.property(fuzzyMessage, (o) => {
        check(o);
        const d = decodeDatagram(datagram(o));
        if (d.kind === 'request') requests++;
        if (o.m === 'R') expect(d.kind === 'invalid' && d.reply).toBe(false);
      }),
      { numRuns: 5000 },
    );
    // The generator must actually reach the request decoders, not only the error paths.
    expect(requests).toBeGreaterThan(50);
  });
});

describe('valid requests', () => {
  it('round-trip encode -> decode exactly, including z', () => {
    fc.assert(
      fc.property(requestArb(2000), zArb, (request, z) => {
        expect(decodeDatagram(encodeRequest(request, z))).toStrictEqual(expected(request, z));
      }),
      { numRuns: 5000 },
    );
  });

  it('the typo form of g/i decodes like the real form', () => {
    fc.assert(
      fc.property(positive, zArb, (n, z) => {
        const typo = datagram({
          m: 'g',
          t: 'r',
          d: 'i',
          a: { maxPeersLength: n },
          ...(z === undefined ? {} : { z }),
        });
        expect(decodeDatagram(typo)).toStrictEqual(expected({ type: 'getPeers', maxPeersLength: n }, z));
      }),
      { numRuns: 1000 },
    );
  });

  it('truncated datagrams are invalid (or, rarely, still the same request), never another request', () => {
    fc.assert(
      fc.property(requestArb(200), zArb, (request, z) => {
        const bytes = encodeRequest(request, z);
        const whole = expected(request, z);
        for (let len = 0; len < bytes.length; len++) {
          const d = checkShape(decodeDatagram(bytes.subarray(0, len)));
          if (d.kind !== 'invalid') expect(d).toStrictEqual(whole);
        }
        // Truncating the JSON text before base64 (a sender cut short) behaves the same.
        const text = new TextDecoder().decode(Buffer.from(new TextDecoder().decode(bytes), 'base64'));
        for (let len = 0; len < text.length; len++) {
          const d = checkShape(decodeDatagram(datagramOfText(text.slice(0, len))));
          if (d.kind !== 'invalid') expect(d).toStrictEqual(whole);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('single-byte mutations never throw; whatever still decodes re-encodes to itself', () => {
    const mutated = requestArb(300).chain((request) =>
      fc.tuple(fc.constant(request), zArb).chain(([req, z]) => {
        const bytes = encodeRequest(req, z);
        return fc.tuple(fc.constant(bytes), fc.nat(bytes.length - 1), fc.nat(255));
      }),
    );
    fc.assert(
      fc.property(mutated, ([bytes, index, value]) => {
        const copy = Uint8Array.from(bytes);
        copy[index] = value;
        const d = checkShape(decodeDatagram(copy));
        checkRequestRoundTrip(d);
        if (value === bytes[index]) expect(d).toStrictEqual(decodeDatagram(bytes));
      }),
      { numRuns: 5000 },
    );
  });

  it('single-character mutations of the JSON text never throw; requests round-trip', () => {
    const jsonChars = fc.constantFrom(
      ...'{}[]:,"\\ 0123456789-.eEtrufalsn'.split(''),
      'é',
      '日',
      '🎉',
      '\u0000',
    );
    const mutated = fc
      .tuple(requestArb(100), zArb)
      .map(([req, z]) =>
        new TextDecoder().decode(Buffer.from(new TextDecoder().decode(encodeRequest(req, z)), 'base64')),
      )
      .chain((text) => fc.tuple(fc.constant(text), fc.nat(text.length - 1), jsonChars));
    fc.assert(
      fc.property(mutated, ([text, index, ch]) => {
        const d = checkShape(
          decodeDatagram(datagramOfText(text.slice(0, index) + ch + text.slice(index + 1))),
        );
        checkRequestRoundTrip(d);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('valid responses', () => {
  // What JSON can carry: -0 and undefined do not survive JSON.stringify, so normalise through JSON.
  const contentArb = fc.oneof(
    fc.constant({}),
    fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
    fc.record({
      chats: fc.array(
        fc.record({ uuid: fc.uuid(), name: anyText(0, 40), timestamp: fc.constant('1732412345.123456') }),
      ),
    }),
  );
  const responseArb: fc.Arbitrary<Response> = fc.record(
    {
      r: fc.oneof(fc.constantFrom(0, 1, 2, 3, 10, 20), fc.integer()),
      c: contentArb.map((c) => JSON.parse(JSON.stringify(c)) as Record<string, unknown>),
    },
    plain,
  );

  it('round-trip encode -> decode exactly, including z, and are never answered', () => {
    fc.assert(
      fc.property(responseArb, zArb, (response, z) => {
        const d = decodeDatagram(encodeResponse(response, z));
        expect(d).toStrictEqual(
          z === undefined ? { kind: 'response', response } : { kind: 'response', response, z },
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('decodes without c as c = {} (the original omits c on errors)', () => {
    fc.assert(
      fc.property(fc.integer(), zArb, (r, z) => {
        const d = decodeDatagram(datagram({ m: 'R', r, ...(z === undefined ? {} : { z }) }));
        const response = { r, c: {} };
        expect(d).toStrictEqual(
          z === undefined ? { kind: 'response', response } : { kind: 'response', response, z },
        );
      }),
      { numRuns: 1000 },
    );
  });
});
