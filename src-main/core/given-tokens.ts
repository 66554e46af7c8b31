// The address tokens other peers gave us (docs/protocol.md, "Address proof"): each peer's token
// for our address as it sees us, from its ping answer or a `r: 4` answer, sent back as `k` with
// every request to it — by the request engine, and on the `n/r` wrappers a relayed path sends.
// Kept per address we sent to: a peer reached at its IPv6 endpoint sees our IPv6 source, and only
// the token it gave that source proves it.

import { Lru } from './lru.js';
import type { Endpoint } from './ports.js';
import { endpointKey } from './ports.js';

/**
 * `k` on a request to an address whose token we lack: says "I speak the proof extension" (so an
 * answer over the amplification budget comes back as `r: 4` with a token, not as silence), and
 * pads a first ping like QUIC's padded Initial, so the answer with our advertisement fits 3×.
 * It never verifies.
 */
export const NO_TOKEN_YET = '0'.repeat(64);
/** Peers whose tokens we keep. */
const MAX_TOKENS = 10_000;

export class GivenTokens {
  /** `null`: the peer does not speak the extension (a base peer): it gets no `k`. */
  private readonly tokens = new Lru<string, string | null>(MAX_TOKENS);

  /** What `peer` said of address proof: its token for us, or `null` for a peer without the extension. */
  set(peer: Endpoint, token: string | null): void {
    this.tokens.set(endpointKey(peer), token);
  }

  /** Whether `peer` advertised the extension (so it sends `k` with every request it makes). */
  speaksProof(peer: Endpoint): boolean {
    return typeof this.tokens.peek(endpointKey(peer)) === 'string';
  }

  /**
   * The `k` to send to `peer`: its token, the placeholder while we have none, nothing to a base peer.
   * `via`: the address the datagram really goes to (a route's), whose own token wins when we have one.
   */
  proofFor(peer: Endpoint, via?: Endpoint): string | undefined {
    if (via !== undefined) {
      const routed = this.tokens.get(endpointKey(via));
      if (typeof routed === 'string') return routed;
    }
    const token = this.tokens.get(endpointKey(peer));
    return token === null ? undefined : (token ?? NO_TOKEN_YET);
  }
}
