// How big a post is on the wire, and whether it fits: the one owner of the message size limits,
// for the host (chat-host.ts refuses a larger message) and the window (the composer says how much
// room is left before Send). Sizes are UTF-8 bytes of JSON, so "文" costs 3 and "a" 1.
import { MAX_ADDRESS_TOKEN_LENGTH, MAX_DATAGRAM_BYTES } from './protocol/limits.js';
import { maxPlaintextBytes, ROOM_WIRE_NAME, roomPlaintext, sealedLength } from './sealed-form.js';

const encoder = new TextEncoder();
const utf8Bytes = (text: string) => encoder.encode(text).length;

/** Largest JSON byte count whose base64 form still fits one datagram. */
const DATAGRAM_JSON_BYTES = Math.floor(MAX_DATAGRAM_BYTES / 4) * 3;

/** The longest signed post's `author` (docs/protocol.md, "sig"): key, signature, time and z. */
const LONGEST_AUTHOR = {
  k: 'k'.repeat(43),
  s: 's'.repeat(86),
  t: `${'9'.repeat(12)}.999999`,
  z: 'z'.repeat(64),
};

/** Most bytes a signed post's `author` adds to its JSON in a page answer: `,"author":{…}`. */
export const MAX_AUTHOR_FIELD_BYTES = JSON.stringify({ author: LONGEST_AUTHOR }).length - 1;

/**
 * Largest JSON size of one stored message in its base form: it must still fit one g/m answer (a
 * page, with its seq and author, to a reader whose z is a UUID: 64 + 38 + 2 + 20 bytes of
 * envelope), or that answer could never be sent and the chat would become unreadable.
 */
export const MAX_MESSAGE_JSON_BYTES = DATAGRAM_JSON_BYTES - 64 - 38 - 2 - 20 - MAX_AUTHOR_FIELD_BYTES;

/** Characters a message may have by the contract (`postMessage`), whatever its bytes. */
export const MAX_MESSAGE_CHARS = 40_000;

/** A UUID's length, the longest `z` and message uuid we make. */
const UUID = 'x'.repeat(36);
/** A timestamp as written on the wire (formatTimestamp: seconds with 6 decimals). */
const TIMESTAMP = '1700000000.000000';

/** JSON bytes of the message as the host stores and serves it (chat-host.ts's wire message). */
export function messageJsonBytes(name: string, content: string): number {
  return utf8Bytes(JSON.stringify({ uuid: UUID, name, content, timestamp: TIMESTAMP }));
}

/**
 * JSON bytes of the `s/m` request carrying the post, with the longest envelope we send (z and k).
 * `signed`: a public chat's post carries its author; a private room's is sealed and carries none.
 */
export function postRequestJsonBytes(chatUuid: string, name: string, content: string, signed = true): number {
  // A signed post carries its author (without z: that is the envelope's).
  const author = { k: LONGEST_AUTHOR.k, s: LONGEST_AUTHOR.s, t: LONGEST_AUTHOR.t };
  const wire = {
    m: 'r',
    t: 's',
    d: 'm',
    a: { chatUuid, name, content, ...(signed ? { author } : {}) },
    z: UUID,
    k: 'x'.repeat(MAX_ADDRESS_TOKEN_LENGTH),
  };
  return utf8Bytes(JSON.stringify(wire));
}

export interface PostRoom {
  /** Bytes the content takes in the post (UTF-8, JSON-escaped: a newline costs 2). */
  used: number;
  /** Bytes the content may take under the tighter of the two limits (the request datagram, the stored message). */
  max: number;
  /** max - used: negative when the post is too large. */
  remaining: number;
  fits: boolean;
}

/** Bytes a post may still grow by under the tighter of the two limits (the request datagram, the stored message). */
function wireRemaining(chatUuid: string, name: string, content: string, signed: boolean): number {
  return Math.min(
    DATAGRAM_JSON_BYTES - postRequestJsonBytes(chatUuid, name, content, signed),
    MAX_MESSAGE_JSON_BYTES - messageJsonBytes(name, content),
  );
}

const roomOf = (content: string, remaining: number): PostRoom => {
  const used = utf8Bytes(JSON.stringify(content)) - 2;
  return { used, max: used + remaining, remaining, fits: remaining >= 0 };
};

/** How much room a post of `content` by `name` to public chat `chatUuid` leaves. */
export function postRoom(chatUuid: string, name: string, content: string): PostRoom {
  return roomOf(content, wireRemaining(chatUuid, name, content, true));
}

/** The signed fields sealed into a room's post as they are written now: key, signature, time, z. */
const SEALED_AUTHOR = { k: LONGEST_AUTHOR.k, s: LONGEST_AUTHOR.s, t: TIMESTAMP, z: UUID };

/**
 * How much room a post to private room `chatUuid` leaves. The content travels sealed (sealed-form.ts):
 * its name, content, title and signature in a JSON plaintext, then base64url of the ciphertext, so a
 * byte of content costs 4/3 on the wire. Exact: the most plaintext the sealed text may take within
 * the wire limits, less what this plaintext takes. `title`: the room's first message carries it.
 */
export function roomPostRoom(chatUuid: string, name: string, content: string, title?: string): PostRoom {
  const plaintextBytes = utf8Bytes(roomPlaintext(name, content, title, SEALED_AUTHOR));
  // The sealed text is plain ASCII (no JSON escapes): each character is one byte on the wire.
  const sealed = 'x'.repeat(sealedLength(plaintextBytes));
  const sealedMax = sealed.length + wireRemaining(chatUuid, ROOM_WIRE_NAME, sealed, false);
  return roomOf(content, maxPlaintextBytes(sealedMax) - plaintextBytes);
}
