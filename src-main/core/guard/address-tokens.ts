// Address tokens (the idea of QUIC's Retry token, RFC 9000 §8.1.2): we give every address that
// pings us a token bound to that address; a request that echoes a valid token for its source was
// sent by someone who receives what we send there, so it is not spoofed. Answering a ping only
// proves an address is alive; echoing a token proves the requester asked.
//
// Stateless: token = window id + HMAC-SHA256(secret, window id | address), valid in its window and
// the next (so 10–20 min with the default); the secret is per process, so a restart invalidates
// every token and requesters simply fetch a new one (docs/protocol.md, "Address proof").
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Lru } from '../lru.js';

export const DEFAULT_TOKEN_WINDOW_MS = 10 * 60 * 1000;
/** 22 base64url characters: 132 bits of the MAC, far beyond guessing over a network. */
const MAC_CHARS = 22;
/** The wire form's characters (docs/protocol.md): window in base36, "_", the MAC in base64url. */
const TOKEN_FORM = /^([0-9a-z]{1,12})_([A-Za-z0-9_-]{22})$/;
/** MACs remembered: a peer answers the same addresses' pings and requests over and over. */
const CACHED_MACS = 4_096;

export class AddressTokens {
  private readonly secret: Buffer;
  private readonly macs = new Lru<string, string>(CACHED_MACS);

  constructor(
    private readonly windowMs = DEFAULT_TOKEN_WINDOW_MS,
    secret?: Uint8Array,
  ) {
    this.secret = secret ? Buffer.from(secret) : randomBytes(32);
  }

  /** A token for `addressKey` ("host:port"), valid now and for one more window. */
  issue(addressKey: string, now: number): string {
    const window = Math.floor(now / this.windowMs);
    return `${window.toString(36)}_${this.mac(window, addressKey)}`;
  }

  /** Whether `token` was issued by us for exactly `addressKey`, in this window or the last. */
  verify(addressKey: string, token: string, now: number): boolean {
    const form = TOKEN_FORM.exec(token);
    if (!form) return false;
    const window = Number.parseInt(form[1] as string, 36);
    const current = Math.floor(now / this.windowMs);
    if (window !== current && window !== current - 1) return false;
    const expected = Buffer.from(this.mac(window, addressKey));
    const given = Buffer.from(form[2] as string);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private mac(window: number, addressKey: string): string {
    const input = `${window}|${addressKey}`;
    let mac = this.macs.get(input);
    if (mac === undefined) {
      mac = createHmac('sha256', this.secret).update(input).digest('base64url').slice(0, MAC_CHARS);
      this.macs.set(input, mac);
    }
    return mac;
  }
}
