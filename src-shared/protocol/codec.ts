// Datagram <-> typed message. Decoding is total (never throws: arbitrary bytes in, a Decoded out);
// encoding throws DatagramTooLargeError, and only that, when a message exceeds one datagram.
// How each request is spelled is wire-requests.ts's; this file adds the envelope (m, z, k).
import { base64ToBytes, bytesToBase64 } from './base64.js';
import { ResultCode } from './codes.js';
import { MAX_DATAGRAM_BYTES, MAX_REQUEST_ID_LENGTH } from './limits.js';
import type { Decoded, Request, Response } from './messages.js';
import { addressToken, pingChallenge } from './schemas.js';
import { argsRequestToWire, requestTypeOf, wireRequests } from './wire-requests.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const asciiDecoder = new TextDecoder('latin1');

export class DatagramTooLargeError extends Error {
  constructor(readonly size: number) {
    super(`datagram of ${size} bytes exceeds ${MAX_DATAGRAM_BYTES}`);
  }
}

/** JSON object -> base64(utf8(JSON)) bytes, refusing anything a UDP datagram cannot carry. */
export function encodeObject(obj: object): Uint8Array {
  const text = bytesToBase64(utf8Encoder.encode(JSON.stringify(obj)));
  if (text.length > MAX_DATAGRAM_BYTES) throw new DatagramTooLargeError(text.length);
  return utf8Encoder.encode(text);
}

/**
 * The wire object of a request: its spelling from the table (wire-requests.ts), then the envelope
 * fields `z` (request id) and `k` (address proof, docs/protocol.md "Address proof") when given.
 */
export function requestToWire(request: Request, z?: string, proof?: string): object {
  const wire = request.type === 'ping' ? pingToWire(request) : argsRequestToWire(request);
  return { ...wire, ...(z === undefined ? {} : { z }), ...(proof === undefined ? {} : { k: proof }) };
}

/** `{"m":"p"}`, with the key challenge `ch` when the pinger wants proof of the answering key. */
function pingToWire(ping: Extract<Request, { type: 'ping' }>): object {
  return ping.challenge === undefined ? { m: 'p' } : { m: 'p', ch: ping.challenge };
}

export function encodeRequest(request: Request, z?: string, proof?: string): Uint8Array {
  return encodeObject(requestToWire(request, z, proof));
}

export function responseToWire(response: Response, z?: string): object {
  const wire = { m: 'R', r: response.r, c: response.c };
  return z === undefined ? wire : { ...wire, z };
}

export function encodeResponse(response: Response, z?: string): Uint8Array {
  return encodeObject(responseToWire(response, z));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(reply: boolean, reason: string, z?: string): Decoded {
  return z === undefined ? { kind: 'invalid', reply, reason } : { kind: 'invalid', reply, reason, z };
}

function request(req: Request, z: string | undefined, proof: string | undefined): Decoded {
  return {
    kind: 'request',
    request: req,
    ...(z === undefined ? {} : { z }),
    ...(proof === undefined ? {} : { proof }),
  };
}

/**
 * The token a "prove your address" answer (code 4) asks us to resend with, as `k`; undefined for
 * any other answer, or when its `c.k` is not a well-formed token.
 */
export function addressProofAsked(response: Response): string | undefined {
  if (response.r !== ResultCode.ProveAddress) return undefined;
  const parsed = addressToken.safeParse(response.c.k);
  return parsed.success ? parsed.data : undefined;
}

/** The address token a request carries in `k`; a malformed one is ignored, not an error. */
function proofOf(obj: Record<string, unknown>): string | undefined {
  if (obj.k === undefined) return undefined; // most requests: no zod failure to build
  const parsed = addressToken.safeParse(obj.k);
  return parsed.success ? parsed.data : undefined;
}

/** The JSON object a datagram carries, or why it carries none. Never throws. */
export function datagramToObject(
  bytes: Uint8Array,
): { ok: true; object: Record<string, unknown> } | { ok: false; reason: string } {
  if (bytes.length === 0) return { ok: false, reason: 'empty datagram' };
  if (bytes.length > MAX_DATAGRAM_BYTES) return { ok: false, reason: 'datagram too large' };
  const raw = base64ToBytes(asciiDecoder.decode(bytes).trim());
  if (!raw) return { ok: false, reason: 'not base64' };
  let json: unknown;
  try {
    json = JSON.parse(utf8Decoder.decode(raw));
  } catch {
    return { ok: false, reason: 'not UTF-8 JSON' };
  }
  if (!isPlainObject(json)) return { ok: false, reason: 'not a JSON object' };
  return { ok: true, object: json };
}

export function decodeDatagram(bytes: Uint8Array): Decoded {
  const json = datagramToObject(bytes);
  return json.ok ? decodeObject(json.object) : invalid(false, json.reason);
}

/** Validates one parsed wire object. Exported for tests; decodeDatagram is the real entry. */
export function decodeObject(obj: Record<string, unknown>): Decoded {
  const rawZ = obj.z;
  const zUsable = typeof rawZ === 'string' && rawZ.length > 0 && rawZ.length <= MAX_REQUEST_ID_LENGTH;
  const z = zUsable ? (rawZ as string) : undefined;
  const m = obj.m;

  if (m === 'R') {
    // Responses are never answered, whatever their shape (that is how loops start).
    const r = typeof obj.r === 'string' && /^-?\d+$/.test(obj.r) ? Number(obj.r) : obj.r;
    if (typeof r !== 'number' || !Number.isInteger(r)) return invalid(false, 'response without integer r', z);
    const c = obj.c === undefined ? {} : obj.c; // the original omits c on some errors
    if (!isPlainObject(c)) return invalid(false, 'response c is not an object', z);
    const response: Response = { r, c };
    return z === undefined ? { kind: 'response', response } : { kind: 'response', response, z };
  }
  // The README's g/i example has m:"g", t:"r" (a typo); accept it as g/i.
  const isTypoGetPeers = m === 'g' && obj.t === 'r' && obj.d === 'i';
  if (m !== 'p' && m !== 'r' && !isTypoGetPeers) {
    // Unknown format: answer 2 only if it carried a usable z or looked like a request
    // (e.g. a request missing m), otherwise drop it.
    const looksLikeRequest = Object.hasOwn(obj, 't') || Object.hasOwn(obj, 'd') || Object.hasOwn(obj, 'a');
    return invalid(z !== undefined || looksLikeRequest, `unknown mode ${JSON.stringify(m)}`, z);
  }
  if (rawZ !== undefined && !zUsable) {
    return invalid(true, 'z must be a non-empty string of at most 256 chars');
  }
  if (m === 'p') {
    // A malformed challenge is ignored like a malformed k: the ping is still answered, unproven.
    // (Most pings carry none: a zod failure costs more than the rest of the ping.)
    const ch = obj.ch === undefined ? undefined : pingChallenge.safeParse(obj.ch);
    return request(ch?.success ? { type: 'ping', challenge: ch.data } : { type: 'ping' }, z, proofOf(obj));
  }

  const t = isTypoGetPeers ? 'g' : obj.t;
  const d = obj.d;
  const a = obj.a;
  if (!isPlainObject(a)) return invalid(true, 'missing arguments object a', z);
  const type = requestTypeOf(t, d);
  if (type === undefined) {
    // t and d are strings; anything else (["g"] stringifies to "g") is an unknown request.
    const spelled = typeof t === 'string' && typeof d === 'string' ? `${t}/${d}` : 'non-string t/d';
    return invalid(true, `unknown request ${spelled}`, z);
  }
  const spelling = wireRequests[type];
  const decoded = spelling.read(a);
  return decoded === undefined
    ? invalid(true, `${spelling.t}/${spelling.d} needs ${spelling.needs}`, z)
    : request(decoded, z, proofOf(obj));
}
