// Who keeps us in their view, as far as we can tell: the peers of ours that asked us for peers
// (`g/i`, proven) lately. Every holder syncs us at least once per turn of its view (a full view of
// 64 takes ~11 min), and syncs, pushes and registrations all come from holders, so an ordinary
// peer's load follows how many views hold it. Views fill from what is listed, and a peer is listed
// by those that hold it: left alone, the first peers of a network end up in half of all views (at
// 1,000 peers one was in 565; docs/scale.md). An ordinary peer held by as many as it serves asks a
// new asker to leave it out of its view (`busy`), as a HyParView node with a full active view
// refuses a new neighbour.
import { Lru } from './lru.js';
import type { Clock, Endpoint } from './ports.js';
import { endpointKey } from './ports.js';

/** Views an ordinary peer serves at once: 1.5 views' worth (a view holds 64). */
export const MAX_VIEW_HOLDERS = 96;
/** A holder that asked nothing for this long has let us go (longer than a view takes to turn). */
export const HOLDER_FRESH_MS = 15 * 60_000;
const MAX_REMEMBERED = 10_000;

export class ViewHolders {
  /** When each holder last asked, the longest silent first. */
  private readonly askedAt = new Lru<string, number>(MAX_REMEMBERED);

  constructor(private readonly clock: Clock) {}

  /**
   * A proven `g/i` from `asker`: whether it may keep us in its view (a holder already, or room for
   * one more). A refused asker is not counted.
   */
  admit(asker: Endpoint): boolean {
    if (!this.takes(asker)) return false;
    this.askedAt.set(endpointKey(asker), this.clock.now());
    return true;
  }

  /** Whether `peer` may hold us: it does already, or there is room for one more. */
  takes(peer: Endpoint): boolean {
    const now = this.clock.now();
    this.askedAt.dropOldestWhile((at) => now - at >= HOLDER_FRESH_MS);
    return this.askedAt.peek(endpointKey(peer)) !== undefined || this.askedAt.size < MAX_VIEW_HOLDERS;
  }
}
