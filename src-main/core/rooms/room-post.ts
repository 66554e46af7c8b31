// What a private room's message carries inside its ciphertext: the author's name and content, the
// author's signed fields (key, signature, time, z), and on the room's first message its title.
// The host sees none of it; readers check the signature after opening.
import { z } from 'zod';
import { roomPlaintext } from '../../../src-shared/sealed-form.js';
import { PUBLIC_KEY_PATTERN, SIGNATURE_PATTERN, type Signer } from '../identity/keys.js';
import { signPost, verifyPost } from '../identity/post-signature.js';
import type { RoomBinding, RoomCipher } from './room-crypto.js';

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
  const fields = { hostKey: room.hostKey, chatUuid: room.chatUuid, name: post.name, content: post.content };
  const { k, s, t } = signPost(author, { ...fields, z: requestId }, now);
  return cipher.seal(roomPlaintext(post.name, post.content, post.title, { k, s, t, z: requestId }));
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
  const fields = {
    hostKey: room.hostKey,
    chatUuid: room.chatUuid,
    name: parsed.n,
    content: parsed.c,
    z: requestId,
  };
  return {
    name: parsed.n,
    content: parsed.c,
    ...(parsed.title === undefined ? {} : { title: parsed.title }),
    authorKey: verifyPost(fields, { k, s, t }) ? k : null,
  };
}
