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

/** An address token (`k` on a request, `c.k` of a code-4 answer): 1-64 of [A-Za-z0-9_-]. */
export const addressToken = z
  .string()
  .max(MAX_ADDRESS_TOKEN_LENGTH)
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
});

// ---- NAT traversal extension (n/*)

const wireIp = z.ipv4();
const wirePort = z.number().int().min(1).max(65_535);
/** Punch tokens are ours (UUIDs); the bound keeps knocks small. */
export const punchToken = z.string().min(8).max(64);
const wireMessage = z.record(z.string(), z.unknown());

export const introduceArgs = z.object({ ip: wireIp, port: wirePort });
export const punchArgs = z.object({ ip: wireIp, port: wirePort, token: punchToken });
export const knockArgs = z.object({ token: punchToken });
export const relayArgs = z.object({ ip: wireIp, port: wirePort, msg: wireMessage });

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
});
export const peerEntry = z.object({ natConeType: z.string().max(64), ip: ipv4, port });

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
