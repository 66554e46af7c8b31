// What the peer knows about one incoming request besides its bytes, decided before any handler runs.
import type { Endpoint } from './ports.js';

export interface RequestContext {
  /** The source address (for a relayed datagram: the origin the relay named). */
  from: Endpoint;
  /** The request carried a valid address token for `from` (docs/protocol.md, "Address proof"). */
  proven: boolean;
  /**
   * The request carried a `k` at all (valid or not): its sender speaks the proof extension, so an
   * answer over the amplification budget may become a request to prove its address (code 4).
   */
  asksProof: boolean;
  /** The datagram came out of an `n/f` from a relay. */
  relayed: boolean;
}
