// Datagram <-> typed message. Decoding never throws: arbitrary bytes in, a Decoded out.
import { base64ToBytes, bytesToBase64 } from './base64.js';
import { MAX_DATAGRAM_BYTES, MAX_REQUEST_ID_LENGTH } from './limits.js';
import type { Decoded, Request, Response } from './messages.js';
import {
  getChatsArgs,
  getMessagesArgs,
  getPeersArgs,
  introduceArgs,
  knockArgs,
  postMessageArgs,
  punchArgs,
  registerArgs,
  relayArgs,
} from './schemas.js';

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

/** An address inside a traversal message. */
const at = (e: { host: string; port: number }) => ({ ip: e.host, port: e.port });
/** A NAT traversal request (`t: "n"`, docs/protocol.md). */
const traversal = (d: string, a: object) => ({ m: 'r', t: 'n', d, a });

/** The wire object of a request (the real form of g/i, never the README's typo). */
export function requestToWire(request: Request, z?: string): object {
  const withZ = <T extends object>(o: T) => (z === undefined ? o : { ...o, z });
  switch (request.type) {
    case 'ping':
      return withZ({ m: 'p' });
    case 'getChats':
      return withZ({ m: 'r', t: 'g', d: 'c', a: { maxChatsLength: request.maxChatsLength } });
    case 'getMessages':
      return withZ({ m: 'r', t: 'g', d: 'm', a: { chatUuid: request.chatUuid, ...request.page } });
    case 'getPeers':
      return withZ({
        m: 'r',
        t: 'g',
        d: 'i',
        a: { maxPeersLength: request.maxPeersLength, ...(request.allTypes ? { nat: true } : {}) },
      });
    case 'register':
      return withZ({ m: 'r', t: 'r', d: 'i', a: { natConeType: request.natConeType } });
    case 'postMessage':
      return withZ({
        m: 'r',
        t: 's',
        d: 'm',
        a: { chatUuid: request.chatUuid, name: request.name, content: request.content },
      });
    case 'introduce':
      return withZ(traversal('i', at(request.target)));
    case 'punch':
      return withZ(traversal('p', { ...at(request.target), token: request.token }));
    case 'knock':
      return withZ(traversal('k', { token: request.token }));
    case 'relay':
      return withZ(traversal('r', { ...at(request.target), msg: request.msg }));
    case 'forwarded':
      return withZ(traversal('f', { ...at(request.origin), msg: request.msg }));
  }
}

/** `proof`: the address token the receiver gave us, sent as `k` (docs/protocol.md, "Address proof"). */
export function encodeRequest(request: Request, z?: string, proof?: string): Uint8Array {
  const wire = requestToWire(request, z);
  return encodeObject(proof === undefined ? wire : { ...wire, k: proof });
}

/** An address token's wire form; anything else in `k` is ignored (the request stays unproven). */
const PROOF_FORM = /^[A-Za-z0-9_-]{1,64}$/;

export function isAddressToken(v: unknown): v is string {
  return typeof v === 'string' && PROOF_FORM.test(v);
}

export function responseToWire(response: Response, z?: string): object {
  const wire = { m: 'R', r: response.r, c: response.c };
  return z === undefined ? wire : { ...wire, z };
}

export function encodeResponse(response: Response, z?: string): Uint8Array {
  return encodeObject(responseToWire(response, z));
}

/** Size in bytes of a response once encoded, without building the datagram. */
export function encodedResponseSize(response: Response, z?: string): number {
  const json = utf8Encoder.encode(JSON.stringify(responseToWire(response, z))).length;
  return 4 * Math.ceil(json / 3);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(reply: boolean, reason: string, z?: string): Decoded {
  return z === undefined ? { kind: 'invalid', reply, reason } : { kind: 'invalid', reply, reason, z };
}

function request(req: Request, z?: string): Decoded {
  return z === undefined ? { kind: 'request', request: req } : { kind: 'request', request: req, z };
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
  if (!json.ok) return invalid(false, json.reason);
  const decoded = decodeObject(json.object);
  const k = json.object.k;
  if (decoded.kind === 'request' && isAddressToken(k)) decoded.proof = k;
  return decoded;
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
  if (m === 'p') return request({ type: 'ping' }, z);

  const t = isTypoGetPeers ? 'g' : obj.t;
  const d = obj.d;
  const a = obj.a;
  if (!isPlainObject(a)) return invalid(true, 'missing arguments object a', z);
  // t and d are strings; anything else (["g"] stringifies to "g") is an unknown request.
  const kind = typeof t === 'string' && typeof d === 'string' ? `${t}/${d}` : 'non-string t/d';
  switch (kind) {
    case 'g/c': {
      const p = getChatsArgs.safeParse(a);
      return p.success
        ? request({ type: 'getChats', maxChatsLength: p.data.maxChatsLength }, z)
        : invalid(true, 'g/c needs maxChatsLength > 0', z);
    }
    case 'g/m': {
      const p = getMessagesArgs.safeParse(a);
      if (!p.success) return invalid(true, 'g/m needs chatUuid (and valid paging fields)', z);
      const { chatUuid, after, limit, maxBytes } = p.data;
      if (after === undefined && limit === undefined && maxBytes === undefined) {
        return request({ type: 'getMessages', chatUuid }, z);
      }
      const page = { after: after ?? 0, ...(limit === undefined ? {} : { limit }) };
      return request(
        { type: 'getMessages', chatUuid, page: maxBytes === undefined ? page : { ...page, maxBytes } },
        z,
      );
    }
    case 'g/i': {
      const p = getPeersArgs.safeParse(a);
      return p.success
        ? request(
            {
              type: 'getPeers',
              maxPeersLength: p.data.maxPeersLength,
              ...(p.data.nat ? { allTypes: true } : {}),
            },
            z,
          )
        : invalid(true, 'g/i needs maxPeersLength > 0', z);
    }
    case 'r/i': {
      const p = registerArgs.safeParse(a);
      return p.success
        ? request({ type: 'register', natConeType: p.data.natConeType }, z)
        : invalid(true, 'r/i needs a known natConeType', z);
    }
    case 's/m': {
      const p = postMessageArgs.safeParse(a);
      return p.success
        ? request({ type: 'postMessage', ...p.data }, z)
        : invalid(true, 's/m needs non-empty chatUuid, name and content', z);
    }
    case 'n/i': {
      const p = introduceArgs.safeParse(a);
      return p.success
        ? request({ type: 'introduce', target: { host: p.data.ip, port: p.data.port } }, z)
        : invalid(true, 'n/i needs ip and port', z);
    }
    case 'n/p': {
      const p = punchArgs.safeParse(a);
      return p.success
        ? request({ type: 'punch', target: { host: p.data.ip, port: p.data.port }, token: p.data.token }, z)
        : invalid(true, 'n/p needs ip, port and token', z);
    }
    case 'n/k': {
      const p = knockArgs.safeParse(a);
      return p.success
        ? request({ type: 'knock', token: p.data.token }, z)
        : invalid(true, 'n/k needs token', z);
    }
    case 'n/r':
    case 'n/f': {
      const p = relayArgs.safeParse(a);
      if (!p.success) return invalid(true, `${kind} needs ip, port and msg`, z);
      const where = { host: p.data.ip, port: p.data.port };
      return request(
        kind === 'n/r'
          ? { type: 'relay', target: where, msg: p.data.msg }
          : { type: 'forwarded', origin: where, msg: p.data.msg },
        z,
      );
    }
    default:
      return invalid(true, `unknown request ${kind}`, z);
  }
}
