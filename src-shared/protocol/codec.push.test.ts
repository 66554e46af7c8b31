// The push delivery requests (u/s, u/p) on the wire: exact JSON out, the typed form back, and
// every malformed variant answered 2 (a push that lies about its seqs is the reader's to refuse).
import { describe, expect, it } from 'vitest';
import { decodeObject, requestToWire } from './codec.js';
import type { Request } from './messages.js';

const SUB = '5c0e6f3a-2b1d-4c8e-9f00-1234567890ab';
const entry = { uuid: 'm-42', name: 'ken', content: 'やあ', timestamp: '1732412345.123456', seq: 42 };

describe('push extension wire form', () => {
  it.each<[Request, object]>([
    [
      { type: 'subscribe', chatUuid: 'c', after: 41, sub: SUB },
      { m: 'r', t: 'u', d: 's', a: { chatUuid: 'c', after: 41, s: SUB } },
    ],
    [
      { type: 'push', chatUuid: 'c', sub: SUB, upTo: 42, messages: [entry] },
      { m: 'r', t: 'u', d: 'p', a: { chatUuid: 'c', s: SUB, upTo: 42, messages: [entry] } },
    ],
    [
      { type: 'push', chatUuid: 'c', sub: SUB, upTo: 44, messages: [] },
      { m: 'r', t: 'u', d: 'p', a: { chatUuid: 'c', s: SUB, upTo: 44 } },
    ],
  ])('%o is written as %o and read back', (request, wire) => {
    expect(requestToWire(request)).toEqual(wire);
    expect(decodeObject({ ...wire, z: 'q' })).toEqual({ kind: 'request', request, z: 'q' });
  });

  it.each([
    ['subscribe without s', { t: 'u', d: 's', a: { chatUuid: 'c', after: 0 } }],
    ['subscribe with a short s', { t: 'u', d: 's', a: { chatUuid: 'c', after: 0, s: 'short' } }],
    ['subscribe with a negative cursor', { t: 'u', d: 's', a: { chatUuid: 'c', after: -1, s: SUB } }],
    ['push without upTo', { t: 'u', d: 'p', a: { chatUuid: 'c', s: SUB } }],
    [
      'push of an entry without seq',
      { t: 'u', d: 'p', a: { chatUuid: 'c', s: SUB, upTo: 1, messages: [{ ...entry, seq: undefined }] } },
    ],
    ['push of a non-list', { t: 'u', d: 'p', a: { chatUuid: 'c', s: SUB, upTo: 1, messages: 'x' } }],
    [
      'push of 101 entries',
      { t: 'u', d: 'p', a: { chatUuid: 'c', s: SUB, upTo: 1, messages: Array(101).fill(entry) } },
    ],
  ])('%s is answered 2', (_, wire) => {
    expect(decodeObject({ m: 'r', ...wire, z: 'q' })).toMatchObject({ kind: 'invalid', reply: true, z: 'q' });
  });
});
