// What the peer knows about one incoming request besides its bytes, decided before any handler runs.
import type { Endpoint } from './ports.js';

export interface RequestContext {
  /** The source address (for a relayed datagram: the origin the relay named). */
  from: Endpoint;
  /**
   * Where the datagram really came from, when a learned address stands for `from` (its IPv6
   * endpoint, a punched address): address tokens are given to and checked against this one.
   */
  source?: Endpoint;
  /** The request carried a valid address token for `source ?? from` (docs/protocol.md, "Address proof"). */
  proven: boolean;
  /**
   * The request carried a `k` at all (valid or not): its sender speaks the proof extension, so an
   * answer over the amplification budget may become a request to prove its address (code 4).
   */
  asksProof: boolean;
  /** The datagram came out of an `n/f` from a relay. */
  relayed: boolean;
}
