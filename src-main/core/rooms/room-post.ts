// What a private room's message carries inside its ciphertext: the author's name and content, the
// author's signed fields (key, signature, time, z), and on the room's first message its title.
// The host sees none of it; readers check the signature after opening.
import { z } from 'zod';
import { formatTimestamp } from '../../../src-shared/protocol/index.js';
import { PUBLIC_KEY_PATTERN, SIGNATURE_PATTERN, type Signer, verifySignature } from '../identity/keys.js';
import type { RoomBinding, RoomCipher } from './room-crypto.js';

/** The name a room's message has on the wire (the base protocol wants one): it says nothing. */
export const ROOM_WIRE_NAME = 'private';

/**
 * The signed bytes of a post: the lead's canonical form of issue 12
 * (`src-main/core/identity/post-signature.ts` owns it for public chats; the same bytes here).
 */
export function postSigningBytes(
  hostKey: string,
  chatUuid: string,
  authorKey: string,
  name: string,
  content: string,
  time: string,
  requestId: string,
): Uint8Array {
  const fields = ['nance-post/1', hostKey, chatUuid, authorKey, name, content, time, requestId];
  return new TextEncoder().encode(JSON.stringify(fields));
}

const plaintextSchema = z.object({
  v: z.literal(1),
  n: z.string().min(1).max(256),
  c: z.string(),
  title: z.string().min(1).max(256).optional(),
  a: z.object({
    k: z.string().regex(PUBLIC_KEY_PATTERN),
    s: z.string().regex(SIGNATURE_PATTERN),
    t: z.string().max(32),
    z: z.string().min(1).max(256),
  }),
});

export interface RoomPost {
  name: string;
  content: string;
  /** The room's title: carried by its first message only. */
  title?: string;
}

export interface OpenedPost extends RoomPost {
  /** The author's key when the signature inside verifies; null otherwise. */
  authorKey: string | null;
}

/** Seals a post for the room, signed by `author` (`requestId` is the z the signature covers). */
export function sealPost(
  cipher: RoomCipher,
  room: RoomBinding,
  post: RoomPost,
  author: Signer,
  now: number,
  requestId: string,
): string {
  const t = formatTimestamp(now);
  const s = author.sign(
    postSigningBytes(room.hostKey, room.chatUuid, author.publicKey, post.name, post.content, t, requestId),
  );
  const plaintext = {
    v: 1,
    n: post.name,
    c: post.content,
    ...(post.title === undefined ? {} : { title: post.title }),
    a: { k: author.publicKey, s, t, z: requestId },
  };
  return cipher.seal(JSON.stringify(plaintext));
}

/** The post inside a message's content, or null when it does not open (wrong room, forged, garbled). */
export function openPost(cipher: RoomCipher, room: RoomBinding, content: string): OpenedPost | null {
  const plaintext = cipher.open(content);
  if (plaintext === null) return null;
  let parsed: z.infer<typeof plaintextSchema>;
  try {
    const result = plaintextSchema.safeParse(JSON.parse(plaintext));
    if (!result.success) return null;
    parsed = result.data;
  } catch {
    return null;
  }
  const { k, s, t, z: requestId } = parsed.a;
  const signed = postSigningBytes(room.hostKey, room.chatUuid, k, parsed.n, parsed.c, t, requestId);
  return {
    name: parsed.n,
    content: parsed.c,
    ...(parsed.title === undefined ? {} : { title: parsed.title }),
    authorKey: verifySignature(k, signed, s) ? k : null,
  };
}
