// A STUN Binding client (RFC 5389, with RFC 5780's CHANGE-REQUEST) over one of our own Transports —
// the STUN channel of the peer's socket — so the mapping it learns is the peer's own. Messages are
// built and parsed with the `stun` package; its sockets are not used.
import stun, { type StunResponse } from 'stun';
import type { Clock, Endpoint, TimerHandle, Transport } from '../core/ports.js';
import { isStunDatagram } from '../net/demux-transport.js';
import { systemClock } from '../net/system-clock.js';

const C = stun.constants as Record<string, number>;
const constant = (name: string): number => {
  const v = C[name];
  if (v === undefined) throw new Error(`stun package lacks constant ${name}`);
  return v;
};

export const BINDING_REQUEST = constant('STUN_BINDING_REQUEST');
export const BINDING_RESPONSE = constant('STUN_BINDING_RESPONSE');
export const BINDING_ERROR_RESPONSE = constant('STUN_BINDING_ERROR_RESPONSE');
export const ATTR = {
  MAPPED_ADDRESS: constant('STUN_ATTR_MAPPED_ADDRESS'),
  XOR_MAPPED_ADDRESS: constant('STUN_ATTR_XOR_MAPPED_ADDRESS'),
  CHANGE_REQUEST: constant('STUN_ATTR_CHANGE_REQUEST'),
  RESPONSE_ORIGIN: constant('STUN_ATTR_RESPONSE_ORIGIN'),
  OTHER_ADDRESS: constant('STUN_ATTR_OTHER_ADDRESS'),
  SOFTWARE: constant('STUN_ATTR_SOFTWARE'),
  UNKNOWN_ATTRIBUTES: constant('STUN_ATTR_UNKNOWN_ATTRIBUTES'),
  ERROR_CODE: constant('STUN_ATTR_ERROR_CODE'),
  /** RFC 3489: the server's other address (RFC 5780 calls it OTHER-ADDRESS). Unknown to the package. */
  CHANGED_ADDRESS: 0x0005,
  /** RFC 3489: where the response was sent from (RFC 5780: RESPONSE-ORIGIN). */
  SOURCE_ADDRESS: 0x0004,
  /** XOR-MAPPED-ADDRESS as some pre-RFC 5389 servers numbered it. */
  XOR_MAPPED_ADDRESS_OLD: 0x8020,
} as const;

/** CHANGE-REQUEST flag bits (RFC 5780 section 7.2). */
export const CHANGE_IP = 0x04;
export const CHANGE_PORT = 0x02;

/** Default retransmission: short, so a silent server costs little (start-up waits for it). */
export const DEFAULT_RTO_MS = 200;
export const DEFAULT_TRIES = 3;

export interface BindingOptions {
  /** Ask the server to answer from its other IP address (RFC 5780 CHANGE-REQUEST). */
  changeIp?: boolean;
  /** Ask the server to answer from its other port. */
  changePort?: boolean;
  /** Time between retransmissions. */
  rtoMs?: number;
  /** Requests sent in all (the first and the retransmissions). */
  tries?: number;
  /** How long to wait after the last request before giving up; default rtoMs. */
  lastWaitMs?: number;
}

export interface BindingSuccess {
  ok: true;
  server: Endpoint;
  /** Our address as the server saw it: XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS. */
  mapped: Endpoint;
  /** Where the answer came from (differs from `server` when a CHANGE-REQUEST was honoured). */
  from: Endpoint;
  /** OTHER-ADDRESS (RFC 5780), or CHANGED-ADDRESS from an RFC 3489 server. */
  otherAddress?: Endpoint;
  /** Which attribute `otherAddress` came from. */
  otherAddressAttribute?: 'OTHER-ADDRESS' | 'CHANGED-ADDRESS';
  /** RESPONSE-ORIGIN (RFC 5780), or SOURCE-ADDRESS from an RFC 3489 server. */
  responseOrigin?: Endpoint;
  software?: string;
  /** From the first request sent to the answer. */
  rttMs: number;
  /** Requests sent before the answer came. */
  sent: number;
}

export interface BindingFailure {
  ok: false;
  server: Endpoint;
  reason: 'timeout' | 'error-response' | 'closed';
  /** STUN error code of an error response (420: the server does not support CHANGE-REQUEST). */
  errorCode?: number;
  errorReason?: string;
  from?: Endpoint;
  sent: number;
}

export type BindingResult = BindingSuccess | BindingFailure;

interface Pending {
  server: Endpoint;
  startedAt: number;
  sent: number;
  timer: TimerHandle | undefined;
  resolve(result: BindingResult): void;
}

/**
 * Sends Binding requests on a transport that carries STUN (the STUN channel of a DemuxTransport)
 * and matches answers by transaction id, from whichever address they come.
 */
export class StunClient {
  readonly #transport: Transport;
  readonly #clock: Clock;
  readonly #pending = new Map<string, Pending>();
  #closed = false;

  constructor(transport: Transport, clock: Clock = systemClock) {
    this.#transport = transport;
    this.#clock = clock;
    transport.onDatagram((data, from) => {
      try {
        this.#onDatagram(data, from);
      } catch {
        // A malformed datagram from the network must never take the peer down.
      }
    });
  }

  /** One Binding transaction with retransmission. Never rejects. */
  binding(server: Endpoint, options: BindingOptions = {}): Promise<BindingResult> {
    const rto = options.rtoMs ?? DEFAULT_RTO_MS;
    const tries = Math.max(1, options.tries ?? DEFAULT_TRIES);
    const lastWait = options.lastWaitMs ?? rto;
    if (this.#closed) return Promise.resolve({ ok: false, server, reason: 'closed', sent: 0 });
    const message = stun.createMessage(BINDING_REQUEST);
    const flags = (options.changeIp ? CHANGE_IP : 0) | (options.changePort ? CHANGE_PORT : 0);
    if (flags) message.addAttribute(ATTR.CHANGE_REQUEST, flags);
    const bytes = new Uint8Array(stun.encode(message));
    const key = message.transactionId.toString('hex');
    return new Promise<BindingResult>((resolve) => {
      const pending: Pending = {
        server,
        startedAt: this.#clock.now(),
        sent: 0,
        timer: undefined,
        resolve: (result) => {
          pending.timer?.cancel();
          this.#pending.delete(key);
          resolve(result);
        },
      };
      this.#pending.set(key, pending);
      const fire = (): void => {
        if (!this.#pending.has(key)) return;
        if (pending.sent >= tries) {
          pending.resolve({ ok: false, server, reason: 'timeout', sent: pending.sent });
          return;
        }
        this.#transport.send(bytes, server);
        pending.sent++;
        pending.timer = this.#clock.setTimeout(fire, pending.sent >= tries ? lastWait : rto);
      };
      fire();
    });
  }

  /** Ends every transaction in flight (they resolve as 'closed'). */
  close(): void {
    this.#closed = true;
    for (const p of [...this.#pending.values()]) {
      p.resolve({ ok: false, server: p.server, reason: 'closed', sent: p.sent });
    }
  }

  #onDatagram(data: Uint8Array, from: Endpoint): void {
    if (this.#pending.size === 0 || !isStunDatagram(data)) return;
    const message = stun.decode(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    if (message.type !== BINDING_RESPONSE && message.type !== BINDING_ERROR_RESPONSE) return;
    const pending = this.#pending.get(message.transactionId.toString('hex'));
    if (!pending) return; // late answer to a transaction we gave up on, or not ours
    if (message.type === BINDING_ERROR_RESPONSE) {
      const error = readErrorCode(data);
      pending.resolve({
        ok: false,
        server: pending.server,
        reason: 'error-response',
        ...(error ? { errorCode: error.code, errorReason: error.reason } : {}),
        from,
        sent: pending.sent,
      });
      return;
    }
    const attrs = readAttributes(message);
    const mapped = attrs.xorMapped ?? attrs.mapped;
    if (!mapped) return; // a success response without our address is useless; keep waiting
    pending.resolve({
      ok: true,
      server: pending.server,
      mapped,
      from,
      ...(attrs.other
        ? { otherAddress: attrs.other.endpoint, otherAddressAttribute: attrs.other.attribute }
        : {}),
      ...(attrs.origin ? { responseOrigin: attrs.origin } : {}),
      ...(attrs.software ? { software: attrs.software } : {}),
      rttMs: this.#clock.now() - pending.startedAt,
      sent: pending.sent,
    });
  }
}

interface ParsedAttributes {
  mapped?: Endpoint;
  xorMapped?: Endpoint;
  other?: { endpoint: Endpoint; attribute: 'OTHER-ADDRESS' | 'CHANGED-ADDRESS' };
  origin?: Endpoint;
  software?: string;
}

function readAttributes(message: StunResponse): ParsedAttributes {
  const out: ParsedAttributes = {};
  let changed: Endpoint | undefined;
  let source: Endpoint | undefined;
  let otherAddress: Endpoint | undefined;
  for (const attr of message) {
    switch (attr.type) {
      case ATTR.XOR_MAPPED_ADDRESS:
        out.xorMapped = addressValue(attr.value);
        break;
      case ATTR.MAPPED_ADDRESS:
        out.mapped = addressValue(attr.value);
        break;
      case ATTR.OTHER_ADDRESS:
        otherAddress = addressValue(attr.value);
        break;
      case ATTR.RESPONSE_ORIGIN:
        out.origin = addressValue(attr.value);
        break;
      case ATTR.CHANGED_ADDRESS:
        changed = rawAddress(attr.value, false);
        break;
      case ATTR.SOURCE_ADDRESS:
        source = rawAddress(attr.value, false);
        break;
      case ATTR.XOR_MAPPED_ADDRESS_OLD:
        out.xorMapped ??= rawAddress(attr.value, true);
        break;
      case ATTR.SOFTWARE:
        if (Buffer.isBuffer(attr.value)) out.software = attr.value.toString('utf8').replace(/\0+$/, '');
        break;
    }
  }
  if (otherAddress) out.other = { endpoint: otherAddress, attribute: 'OTHER-ADDRESS' };
  else if (changed) out.other = { endpoint: changed, attribute: 'CHANGED-ADDRESS' };
  out.origin ??= source;
  return out;
}

/**
 * ERROR-CODE, read from the raw message: the `stun` package (2.1.0) decodes it as
 * class * (number + 100), so 420 comes out as 480.
 */
function readErrorCode(data: Uint8Array): { code: number; reason: string } | undefined {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let off = 20;
  while (off + 4 <= bytes.length) {
    const type = bytes.readUInt16BE(off);
    const length = bytes.readUInt16BE(off + 2);
    if (off + 4 + length > bytes.length) return undefined;
    if (type === ATTR.ERROR_CODE && length >= 4) {
      const code = ((bytes[off + 6] as number) & 0x07) * 100 + (bytes[off + 7] as number);
      return { code, reason: bytes.toString('utf8', off + 8, off + 4 + length) };
    }
    off += 4 + length + ((4 - (length % 4)) % 4);
  }
  return undefined;
}

function addressValue(value: unknown): Endpoint | undefined {
  const v = value as { address?: unknown; port?: unknown; family?: unknown } | undefined;
  // Both families: discovery runs over the udp6 socket too, and a v6 server maps us to a v6 address.
  if (v?.family !== 'IPv4' && v?.family !== 'IPv6') return undefined;
  if (typeof v.address !== 'string' || typeof v.port !== 'number') return undefined;
  return { host: v.address, port: v.port };
}

/** An address attribute the package does not know (RFC 3489 ones), decoded by hand. IPv4 only. */
function rawAddress(value: unknown, xor: boolean): Endpoint | undefined {
  if (!Buffer.isBuffer(value) || value.length < 8 || value[1] !== 0x01) return undefined;
  let port = value.readUInt16BE(2);
  let ip = value.readUInt32BE(4);
  if (xor) {
    port ^= 0x2112;
    ip = (ip ^ 0x2112a442) >>> 0;
  }
  return { host: `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`, port };
}
