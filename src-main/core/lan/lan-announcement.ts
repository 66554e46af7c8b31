// The LAN announcement (docs/protocol.md, "LAN discovery"): a Nance peer says on its link "a Nance
// peer listens on port P of this address, with key K". It travels on its own discovery socket (the
// group 239.255.34.90:34490), never on the peer's socket, so it is not a Nance request and no base
// peer ever sees one. Padded to a fixed size: whatever a receiver sends because of one (a reply and
// a probe ping) fits within the bytes the announcement itself cost (lan-discovery.ts).
//
//   NANCE-LAN/1 {"p":41234,"k":"<base64url key>"[,"r":1]} <spaces up to the fixed size>
//
// `r`: a unicast reply to an announcement; it is never replied to.
import { z } from 'zod';

const MAGIC = 'NANCE-LAN/1 ';
/** The most a receiver may send because of one datagram: one challenged ping, sent twice at most. */
export const PROBE_BYTES = 512;
/** A reply pays for the probe its receiver sends. */
export const REPLY_BYTES = PROBE_BYTES;
/** An announcement pays for a reply and a probe. */
export const ANNOUNCEMENT_BYTES = REPLY_BYTES + PROBE_BYTES;

export interface LanAnnouncement {
  /** The UDP port the announcing peer's Nance socket listens on (its address is the datagram's source). */
  port: number;
  /** Its key as it claims it: a hint only, proven (or not) by the challenged ping that follows. */
  key: string;
  /** A unicast answer to an announcement (not answered again). */
  reply: boolean;
}

const body = z
  .object({
    p: z.number().int().min(1).max(65_535),
    k: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    r: z.literal(1).optional(),
  })
  .strict();

export function encodeAnnouncement(a: LanAnnouncement): Uint8Array {
  const json = JSON.stringify({ p: a.port, k: a.key, ...(a.reply ? { r: 1 } : {}) });
  const text = `${MAGIC}${json} `;
  const size = a.reply ? REPLY_BYTES : ANNOUNCEMENT_BYTES;
  return new TextEncoder().encode(text.padEnd(size, ' '));
}

/** The announcement in `data`, or undefined for anything else (never throws). */
export function decodeAnnouncement(data: Uint8Array): LanAnnouncement | undefined {
  if (data.length > ANNOUNCEMENT_BYTES || data.length < MAGIC.length) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return undefined;
  }
  if (!text.startsWith(MAGIC)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(MAGIC.length).trimEnd());
  } catch {
    return undefined;
  }
  const ok = body.safeParse(parsed);
  if (!ok.success) return undefined;
  // Its size says what it paid for: a short one (not padded) earns no reaction at all.
  const reply = ok.data.r === 1;
  if (data.length < (reply ? REPLY_BYTES : ANNOUNCEMENT_BYTES)) return undefined;
  return { port: ok.data.p, key: ok.data.k, reply };
}
