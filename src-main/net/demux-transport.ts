// One UDP socket, several protocols: splits incoming datagrams into channels by predicate, so STUN
// (binary) and Nance (base64 text) share the peer's own socket. That matters for NAT traversal: the
// public address STUN reports is the NAT mapping of the socket that asked, so the asking socket must
// be the one peers talk to.
import type { DatagramHandler, Endpoint, Transport } from '../core/ports.js';

const STUN_HEADER_BYTES = 20;

/**
 * True when the datagram is a STUN message (RFC 5389/8489): at least the 20-byte header, the two
 * leading bits 0, the magic cookie at bytes 4-7, and a body length (bytes 2-3) that is a multiple of
 * 4 and accounts for the rest of the datagram. A Nance datagram is base64 text: its bytes 4-7 are
 * base64 characters, and 0x12 and 0xA4 never are, so the two can never be confused. RFC 3489 messages
 * (no cookie) are not recognised.
 */
export function isStunDatagram(bytes: Uint8Array): boolean {
  if (bytes.byteLength < STUN_HEADER_BYTES) return false;
  if (((bytes[0] as number) & 0xc0) !== 0) return false;
  if (bytes[4] !== 0x21 || bytes[5] !== 0x12 || bytes[6] !== 0xa4 || bytes[7] !== 0x42) return false;
  const bodyLength = ((bytes[2] as number) << 8) | (bytes[3] as number);
  return bodyLength % 4 === 0 && STUN_HEADER_BYTES + bodyLength === bytes.byteLength;
}

export type DatagramPredicate = (data: Uint8Array, from: Endpoint) => boolean;

export interface ChannelOptions {
  /**
   * Closing this channel closes the whole demux (every channel, the close hooks and the socket).
   * Give it to the channel's user that owns the socket's life (the peer, whose close() closes its
   * transport). Other channels only detach on close.
   */
  closesAll?: boolean;
}

export interface DemuxStats {
  /** Datagrams no open channel took. */
  unclaimed: number;
}

interface Channel {
  accepts: DatagramPredicate;
  handlers: DatagramHandler[];
  open: boolean;
}

/**
 * Routes each datagram of the wrapped transport to the first channel (in creation order) whose
 * predicate accepts it; `rest()` takes what no predicate claimed. A datagram claimed by a closed
 * channel is dropped, never handed to the next one (closing the STUN channel must not feed STUN to
 * the Nance decoder). Sending through any channel sends on the one shared socket.
 */
export class DemuxTransport {
  readonly #inner: Transport;
  readonly #channels: Channel[] = [];
  #rest: Channel | undefined;
  readonly #closeHooks: Array<() => void | Promise<void>> = [];
  readonly #stats: DemuxStats = { unclaimed: 0 };
  #closed: Promise<void> | undefined;

  constructor(inner: Transport) {
    this.#inner = inner;
    inner.onDatagram((data, from) => this.#route(data, from));
  }

  /** The shared socket. */
  get inner(): Transport {
    return this.#inner;
  }

  get stats(): Readonly<DemuxStats> {
    return { ...this.#stats };
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** A transport that receives only the datagrams `accepts` claims (and no earlier channel did). */
  channel(accepts: DatagramPredicate, options: ChannelOptions = {}): Transport {
    const channel: Channel = { accepts, handlers: [], open: true };
    this.#channels.push(channel);
    return this.#view(channel, options);
  }

  /** A transport that receives every datagram no predicate channel claimed. One per demux. */
  rest(options: ChannelOptions = {}): Transport {
    if (this.#rest) throw new Error('DemuxTransport.rest() was already taken');
    const channel: Channel = { accepts: () => true, handlers: [], open: true };
    this.#rest = channel;
    return this.#view(channel, options);
  }

  /** Runs before the socket closes (e.g. a STUN service closing its extra sockets). */
  onClose(hook: () => void | Promise<void>): void {
    this.#closeHooks.push(hook);
  }

  /** Closes every channel, runs the close hooks, then closes the socket. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      for (const c of this.#channels) c.open = false;
      if (this.#rest) this.#rest.open = false;
      for (const hook of this.#closeHooks) {
        try {
          await hook();
        } catch {
          // A failing hook must not keep the socket open.
        }
      }
      await this.#inner.close();
    })();
    return this.#closed;
  }

  #route(data: Uint8Array, from: Endpoint): void {
    const channel = this.#channels.find((c) => c.accepts(data, from)) ?? this.#rest;
    if (!channel?.open) {
      this.#stats.unclaimed++;
      return;
    }
    for (const handler of channel.handlers) handler(data, from);
  }

  #view(channel: Channel, options: ChannelOptions): Transport {
    const inner = this.#inner;
    return {
      send: (data, to) => {
        if (channel.open) inner.send(data, to);
      },
      onDatagram: (handler) => {
        channel.handlers.push(handler);
      },
      localEndpoint: () => inner.localEndpoint(),
      close: async () => {
        channel.open = false;
        channel.handlers.length = 0;
        if (options.closesAll) await this.close();
      },
    };
  }
}
