// What the peer knows about one incoming request besides its bytes, decided before any handler runs.
import type { Endpoint } from './ports.js';

export interface RequestContext {
  /** The source address (for a relayed datagram: the origin the relay named). */
  from: Endpoint;
  /** The request carried a valid address token for `from` (docs/protocol.md, "Address proof"). */
  proven: boolean;
  /** The datagram came out of an `n/f` from a relay. */
  relayed: boolean;
}
