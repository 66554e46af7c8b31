// Field-level validation of requests and response contents, as protocol.md describes.
import { z } from 'zod';
import { MAX_ADDRESS_TOKEN_LENGTH, MAX_DATAGRAM_BYTES, MAX_NAME_LENGTH, NAT_TYPES } from './limits.js';

/** An integer sent as a number or as a numeric string (the original is loose about this). */
const looseInt = z
  .union([
    z.number().int(),
    z
      .string()
      .regex(/^\s*-?\d{1,15}\s*$/)
      .transform((s) => Number.parseInt(s, 10)),
  ])
  // -0 (from "-0" or the JSON literal -0) is 0: JSON.stringify would send it back as 0 anyway.
  .transform((n) => n + 0);

const positiveInt = looseInt.pipe(z.number().int().positive());

/** Unix seconds as a number or a numeric string; normalised to the string form we send. */
export const timestampSchema = z.union([
  z.number().finite(),
  z
    .string()
    .regex(/^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/)
    .transform(Number)
    .pipe(z.number().finite()), // "1e999" overflows to Infinity
]);

const nonEmpty = z.string().min(1);

// ---- signed posts (docs/protocol.md, "Signed posts")

/** A public key on the wire: the raw 32-byte Ed25519 key in base64url without padding. */
export const PUBLIC_KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** An Ed25519 signature on the wire: 64 bytes in base64url without padding. */
export const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{86}$/;
/** An author's time: exactly the string `formatTimestamp` writes (it is signed as written). */
export const AUTHOR_TIME_PATTERN = /^\d{1,12}\.\d{6}$/;
/** The `z` of a signed post: what our clients send (UUIDs), bounded so a page stays small. */
export const SIGNED_POST_Z_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const postAuthor = z.strictObject({
  k: z.string().regex(PUBLIC_KEY_PATTERN),
  s: z.string().regex(SIGNATURE_PATTERN),
  t: z.string().regex(AUTHOR_TIME_PATTERN),
});
export const signedAuthor = postAuthor.extend({ z: z.string().regex(SIGNED_POST_Z_PATTERN) });

/** An address token (`k` on a request, `c.k` of a code-4 answer): 1-64 of [A-Za-z0-9_-]. */
export const addressToken = z
  .string()
  .max(MAX_ADDRESS_TOKEN_LENGTH)
  .regex(/^[A-Za-z0-9_-]+$/);

/** A ping's key challenge (`ch`): a fresh random nonce, 16-32 base64url characters. */
export const pingChallenge = z
  .string()
  .min(16)
  .max(32)
  .regex(/^[A-Za-z0-9_-]+$/);

export const getChatsArgs = z.object({ maxChatsLength: positiveInt });
export const getPeersArgs = z.object({ maxPeersLength: positiveInt, nat: z.literal(true).optional() });
export const registerArgs = z.object({ natConeType: z.enum(NAT_TYPES) });
export const getMessagesArgs = z.object({
  chatUuid: nonEmpty,
  // Paging extension: present only when a Nance peer asks for it.
  after: looseInt.pipe(z.number().int().nonnegative()).optional(),
  limit: looseInt.pipe(z.number().int().min(1).max(10_000)).optional(),
  maxBytes: looseInt.pipe(z.number().int().min(512).max(MAX_DATAGRAM_BYTES)).optional(),
});
export const postMessageArgs = z.object({
  chatUuid: nonEmpty,
  name: nonEmpty.max(MAX_NAME_LENGTH),
  content: nonEmpty,
  // Signed posts: only from Nance authors to hosts that advertised `sig`; malformed -> 2.
  author: postAuthor.optional(),
});

// ---- NAT traversal extension (n/*)

/** n/* fields travel only between Nance peers: IPv6 literals too. Base fields (g/i entries) stay IPv4. */
const wireIp = z.union([z.ipv4(), z.ipv6()]);
const wirePort = z.number().int().min(1).max(65_535);
/** Punch tokens are ours (UUIDs); the bound keeps knocks small. */
export const punchToken = z.string().min(8).max(64);
const wireMessage = z.record(z.string(), z.unknown());

export const introduceArgs = z.object({ ip: wireIp, port: wirePort });
export const punchArgs = z.object({ ip: wireIp, port: wirePort, token: punchToken });
export const knockArgs = z.object({ token: punchToken });
export const relayArgs = z.object({ ip: wireIp, port: wirePort, msg: wireMessage });
/** One of a peer's own IPv6 endpoints in its ping answer (`nance.a6`): only a candidate until proven. */
export const ipv6Advert = z.object({ ip: z.ipv6(), port: wirePort });
/** IPv6 endpoints a ping answer may name; more are ignored (each costs the asker a probe). */
export const MAX_IPV6_ADVERTS = 2;
/**
 * One of a NATed peer's ordinary rendezvous in its ping answer (`nance.rv`): a peer it registered
 * with lately, which introduces it (`n/i`) and may relay to it. Peers are named by IPv4.
 */
export const rendezvousAdvert = z.object({ ip: z.ipv4(), port: wirePort });
/** Rendezvous a ping answer may name; more are ignored (each may cost the asker an `n/i`). */
export const MAX_RENDEZVOUS_ADVERTS = 4;

// ---- response contents (client side): tolerant, entries that do not validate are dropped

const ipv4 = z.string().regex(/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/);
const port = looseInt.pipe(z.number().int().min(1).max(65_535));

export const chatEntry = z.object({ uuid: nonEmpty, name: z.string(), timestamp: timestampSchema });
export const messageEntry = z.object({
  uuid: nonEmpty,
  name: z.string(),
  content: z.string(),
  timestamp: timestampSchema,
  seq: z.number().int().nonnegative().optional(),
  // A malformed author is no signature: the message stays, unsigned (readers verify anyway).
  author: signedAuthor.optional().catch(undefined),
});
export const peerEntry = z.object({ natConeType: z.string().max(64), ip: ipv4, port });

// ---- chat gossip extension (a/c, docs/protocol.md "gossip")

/** Hops an announcement travels at most (the host sends it with `h` 0; each relay adds one). */
export const MAX_GOSSIP_HOPS = 12;
/** Announcements in one `a/c` (each ~260 bytes of JSON: one request stays one small datagram). */
export const MAX_ANNOUNCEMENTS_PER_REQUEST = 8;

/**
 * One signed chat announcement: the host's key `k` signed (`s`) chat `u` named `n`, created at `t`.
 * `ip`/`port`: where the relaying peer knows the host (absent from the host itself: its source).
 */
export const chatAnnouncement = z.strictObject({
  k: z.string().regex(PUBLIC_KEY_PATTERN),
  u: nonEmpty.max(64),
  n: z.string().max(MAX_NAME_LENGTH),
  t: z.string().regex(AUTHOR_TIME_PATTERN),
  s: z.string().regex(SIGNATURE_PATTERN),
  h: z.number().int().min(0).max(MAX_GOSSIP_HOPS),
  ip: z.ipv4().optional(),
  port: z.number().int().min(1).max(65_535).optional(),
});
export const announceArgs = z.object({
  chats: z.array(chatAnnouncement).min(1).max(MAX_ANNOUNCEMENTS_PER_REQUEST),
});

// ---- push delivery extension (u/*)

/** A subscription id, the reader's secret echoed in every push (we send UUIDs). */
export const subscriptionId = z.string().min(8).max(64);
const seqNumber = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const subscribeArgs = z.object({ chatUuid: nonEmpty, after: seqNumber, s: subscriptionId });
/** A push's entries are page entries with their `seq` (one datagram holds few: the bound is loose). */
export const pushArgs = z.object({
  chatUuid: nonEmpty,
  s: subscriptionId,
  upTo: seqNumber,
  messages: z
    .array(messageEntry.extend({ seq: seqNumber }))
    .max(100)
    .optional(),
});
