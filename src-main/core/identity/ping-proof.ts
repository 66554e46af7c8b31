// Proof of a peer's key in its ping answer (docs/protocol.md, "Key proof"): the pinger sends a
// fresh random challenge `ch`; the answer's advertisement carries `id` (the answering key) and
// `sig`, its Ed25519 signature over ["nance-ping/1", ch, id]. The label keeps a ping proof from
// ever standing for anything else signed with the same key (a post); the challenge, chosen by the
// asker and never reused, keeps an old answer from being replayed. Nothing else is bound: the
// pinger cannot check an address (it does not know its own NAT mapping), and an address would not
// stop a peer that forwards the ping to the real key holder (docs/security.md, "Hosts are keys").
import { randomBytes } from 'node:crypto';
import { PUBLIC_KEY_PATTERN, type Signer, verifySignature } from './keys.js';

const LABEL = 'nance-ping/1';
/** 16 random bytes: 22 base64url characters, never repeated in practice. */
const CHALLENGE_BYTES = 16;

const utf8 = new TextEncoder();
const signedBytes = (challenge: string, key: string) => utf8.encode(JSON.stringify([LABEL, challenge, key]));

/** A fresh challenge for the `ch` of a ping. */
export function newChallenge(): string {
  return randomBytes(CHALLENGE_BYTES).toString('base64url');
}

/** The `id` and `sig` of an advertisement answering `challenge`. */
export function provePing(signer: Signer, challenge: string): { id: string; sig: string } {
  return { id: signer.publicKey, sig: signer.sign(signedBytes(challenge, signer.publicKey)) };
}

/**
 * The key an advertisement proves for our `challenge`, or undefined: no `id`, a malformed one, or
 * a signature that does not verify (a forged or replayed proof). Never throws.
 */
export function provenKey(advertisement: Record<string, unknown>, challenge: string): string | undefined {
  const { id, sig } = advertisement;
  if (typeof id !== 'string' || typeof sig !== 'string' || !PUBLIC_KEY_PATTERN.test(id)) return undefined;
  return verifySignature(id, signedBytes(challenge, id), sig) ? id : undefined;
}
