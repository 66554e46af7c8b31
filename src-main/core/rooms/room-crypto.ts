// A private room's encryption (node:crypto only). One random 32-byte secret per room; HKDF-SHA256
// derives the AEAD key from it; every sealed text has a fresh random nonce; the associated data
// binds the room (host key, chat uuid), so a ciphertext copied into another room does not open.
//
// ChaCha20-Poly1305 rather than AES-256-GCM: both are in Node and both take a 96-bit nonce, but
// ChaCha20 is constant-time in software on every CPU (AES-GCM is only on CPUs with AES and
// carry-less-multiply instructions). A room lives one day and holds at most a chat's cap of
// messages (~6,000), far below the ~2^32 random nonces per key where collisions start to matter.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import {
  SEALED_NONCE_BYTES as NONCE_BYTES,
  SEALED_PREFIX,
  SEALED_TAG_BYTES as TAG_BYTES,
} from '../../../src-shared/sealed-form.js';

const ALGORITHM = 'chacha20-poly1305';
export const ROOM_SECRET_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A new room secret: 32 random bytes. */
export function newRoomSecret(): Uint8Array {
  return new Uint8Array(randomBytes(ROOM_SECRET_BYTES));
}

/** Which room a cipher seals for: the AEAD's associated data. */
export interface RoomBinding {
  /** The host's public key (base64url), as the invite link names it. */
  hostKey: string;
  chatUuid: string;
}

/** Seals and opens one room's texts. */
export class RoomCipher {
  private readonly key: Buffer;
  private readonly associatedData: Buffer;

  constructor(secret: Uint8Array, binding: RoomBinding) {
    if (secret.length !== ROOM_SECRET_BYTES) {
      throw new Error(`a room secret has ${ROOM_SECRET_BYTES} bytes, not ${secret.length}`);
    }
    this.key = Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), 'nance-room/1 message key', 32));
    this.associatedData = Buffer.from(
      JSON.stringify(['nance-room/1', binding.hostKey, binding.chatUuid]),
      'utf8',
    );
  }

  /** `r1.<nonce>.<ciphertext+tag>`, both base64url: a string that rides as a message's content. */
  seal(plaintext: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(this.associatedData, { plaintextLength: Buffer.byteLength(plaintext) });
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${SEALED_PREFIX}${nonce.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** The plaintext, or null for anything that is not a text sealed by this room (never throws). */
  open(sealed: string): string | null {
    if (!sealed.startsWith(SEALED_PREFIX)) return null;
    const [nonceText, bodyText, ...rest] = sealed.slice(SEALED_PREFIX.length).split('.');
    if (
      rest.length > 0 ||
      !nonceText ||
      !bodyText ||
      !BASE64URL.test(nonceText) ||
      !BASE64URL.test(bodyText)
    ) {
      return null;
    }
    const nonce = Buffer.from(nonceText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv(ALGORITHM, this.key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(this.associatedData, { plaintextLength: body.length - TAG_BYTES });
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return new TextDecoder('utf-8', { fatal: true }).decode(plain);
    } catch {
      return null;
    }
  }
}
