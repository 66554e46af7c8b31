// Chat announcements (docs/protocol.md, "gossip"): the one definition of the bytes a host signs
// when it announces a chat it created, and the check every reader makes before listing one. Signed,
// so a relaying peer can pass an announcement on but never make one up for another host's key.
import type { ChatAnnouncement } from '../../../src-shared/protocol/index.js';
import { formatTimestamp } from '../../../src-shared/protocol/index.js';
import { type Signer, verifySignature } from '../identity/keys.js';

/** Names this format in the signed bytes: a post or ping signature never passes for one. */
export const ANNOUNCEMENT_CONTEXT = 'nance-chat/1';

const encoder = new TextEncoder();

/** The signed bytes: UTF-8 of the JSON array of the context, the host's key, uuid, name and time. */
export function announcementBytes(hostKey: string, uuid: string, name: string, time: string): Uint8Array {
  return encoder.encode(JSON.stringify([ANNOUNCEMENT_CONTEXT, hostKey, uuid, name, time]));
}

/** The host's own announcement of a chat it created at `createdAt` (hop 0, no address: it sends it). */
export function announceChat(
  host: Signer,
  chat: { uuid: string; name: string; createdAt: number },
): ChatAnnouncement {
  const t = formatTimestamp(chat.createdAt);
  const k = host.publicKey;
  return {
    k,
    u: chat.uuid,
    n: chat.name,
    t,
    s: host.sign(announcementBytes(k, chat.uuid, chat.name, t)),
    h: 0,
  };
}

/** base64url has spellings that differ only in unused bits: only the canonical one counts. */
const canonical = (b64url: string) => Buffer.from(b64url, 'base64url').toString('base64url') === b64url;

/** Whether the host key `a.k` signed exactly this chat. Never throws. */
export function verifyAnnouncement(a: ChatAnnouncement): boolean {
  if (!canonical(a.k) || !canonical(a.s)) return false;
  return verifySignature(a.k, announcementBytes(a.k, a.u, a.n, a.t), a.s);
}
