// Signed posts (docs/protocol.md, "Signed posts"): the one definition of the bytes an author
// signs, and the checks a host (before storing) and a reader (before showing) make of them.
import type { ChatMessage, PostAuthor, SignedAuthor } from '../../../src-shared/protocol/index.js';
import { formatTimestamp, parseTimestamp } from '../../../src-shared/protocol/index.js';
import { SIGNED_POST_Z_PATTERN } from '../../../src-shared/protocol/schemas.js';
import { type Signer, verifySignature, verifySignatureAsync } from './keys.js';

/** Names this format in the signed bytes, so a signature made for anything else never matches. */
export const POST_SIGNATURE_CONTEXT = 'nance-post/1';

/** How far an author's clock may be from the host's (either way) for the host to store the post. */
export const MAX_AUTHOR_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/** Everything a post's signature covers besides the author's key. */
export interface PostFields {
  /** The host's advertised key (`id`); "" for a host without one. */
  hostKey: string;
  chatUuid: string;
  name: string;
  content: string;
  /** The post request's `z`: chosen before signing, the same on every resend. */
  z: string;
}

const encoder = new TextEncoder();

/** The signed bytes: UTF-8 of the JSON array of the context and every field, in this order. */
export function postSignatureBytes(post: PostFields, authorKey: string, time: string): Uint8Array {
  const { hostKey, chatUuid, name, content, z } = post;
  return encoder.encode(
    JSON.stringify([POST_SIGNATURE_CONTEXT, hostKey, chatUuid, authorKey, name, content, time, z]),
  );
}

/** The `author` field of a post signed by `signer` at `nowMs` (its own clock). */
export function signPost(signer: Signer, post: PostFields, nowMs: number): PostAuthor {
  const t = formatTimestamp(nowMs);
  return { k: signer.publicKey, s: signer.sign(postSignatureBytes(post, signer.publicKey, t)), t };
}

/** base64url has spellings that differ only in unused bits: only the canonical one counts. */
const canonical = (b64url: string) => Buffer.from(b64url, 'base64url').toString('base64url') === b64url;

/** Whether `author` signed exactly `post`. Never throws. */
export function verifyPost(post: PostFields, author: PostAuthor): boolean {
  if (!SIGNED_POST_Z_PATTERN.test(post.z) || !canonical(author.k) || !canonical(author.s)) return false;
  return verifySignature(author.k, postSignatureBytes(post, author.k, author.t), author.s);
}

export type PostCheck = 'ok' | 'bad-signature' | 'out-of-time';

/** Checks one Ed25519 signature: off the event loop (the default) or inline. */
export type SignatureCheck = (
  publicKey: string,
  data: Uint8Array,
  signature: string,
) => boolean | Promise<boolean>;

/**
 * A host's check of a signed post before storing it: the signature, and the author's clock. By
 * default the signature is checked in libuv's pool; the simulator checks inline (its virtual time
 * must not wait for a thread).
 */
export async function checkSignedPost(
  post: PostFields,
  author: PostAuthor,
  nowMs: number,
  check: SignatureCheck = verifySignatureAsync,
): Promise<PostCheck> {
  const signed =
    SIGNED_POST_Z_PATTERN.test(post.z) &&
    canonical(author.k) &&
    canonical(author.s) &&
    (await check(author.k, postSignatureBytes(post, author.k, author.t), author.s));
  if (!signed) return 'bad-signature';
  const skew = Math.abs(parseTimestamp(author.t) - nowMs);
  return skew <= MAX_AUTHOR_CLOCK_SKEW_MS ? 'ok' : 'out-of-time';
}

/**
 * A reader's check of a message from `hostKey`'s chat: the author's key when its signature holds,
 * null for an unsigned message or one whose signature does not (a forgery, or a host that altered it).
 */
export function verifiedAuthor(hostKey: string, chatUuid: string, message: ChatMessage): SignedAuthor | null {
  const author = message.author;
  if (!author) return null;
  const { name, content } = message;
  return verifyPost({ hostKey, chatUuid, name, content, z: author.z }, author) ? author : null;
}
