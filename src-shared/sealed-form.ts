// The shape of a private room's message on the wire: the plaintext sealed for the room and the
// sealed text that rides as the message's content. One owner for both, so the sealing
// (src-main/core/rooms/) and the size limits the composer shows (post-size.ts) cannot disagree.

/** The name a room's message has on the wire (the base protocol wants one): it says nothing. */
export const ROOM_WIRE_NAME = 'private';
/** Tags the version of the sealed form, so a later one can be told apart. */
export const SEALED_PREFIX = 'r1.';
/** ChaCha20-Poly1305's nonce and tag sizes. */
export const SEALED_NONCE_BYTES = 12;
export const SEALED_TAG_BYTES = 16;

/** The author's signed fields carried inside the sealed text (key, signature, time, the post's z). */
export interface SealedAuthor {
  k: string;
  s: string;
  t: string;
  z: string;
}

/** The JSON text a room's post is sealed as (`title` only on the room's first message). */
export function roomPlaintext(
  name: string,
  content: string,
  title: string | undefined,
  a: SealedAuthor,
): string {
  return JSON.stringify({ v: 1, n: name, c: content, ...(title === undefined ? {} : { title }), a });
}

/** Length of unpadded base64url of `bytes` bytes. */
const base64urlLength = (bytes: number) => Math.ceil((bytes * 4) / 3);

/** Characters of the sealed text (`r1.<nonce>.<ciphertext+tag>`) of a plaintext of `bytes` UTF-8 bytes. */
export function sealedLength(bytes: number): number {
  return (
    SEALED_PREFIX.length + base64urlLength(SEALED_NONCE_BYTES) + 1 + base64urlLength(bytes + SEALED_TAG_BYTES)
  );
}

/** The most plaintext bytes whose sealed text has at most `chars` characters (negative: none fits). */
export function maxPlaintextBytes(chars: number): number {
  const body = chars - (SEALED_PREFIX.length + base64urlLength(SEALED_NONCE_BYTES) + 1);
  return Math.floor((body * 3) / 4) - SEALED_TAG_BYTES;
}
