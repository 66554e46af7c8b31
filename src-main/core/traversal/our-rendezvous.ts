// The rendezvous we registered with (our bootstraps among them): while our registration is fresh
// with one, it lists us, introduces others to us (`n/p`) and relays to us, and we keep our NAT's
// binding toward it open (keepalive.ts). A registration lapses at the registrar after
// RENDEZVOUS_FRESH_MS (peer-directory.ts), so it lapses here too: before, a peer behind a NAT kept
// pinging every peer it had ever registered with, for as long as it ran (docs/scale.md).
import { Lru } from '../lru.js';
import { RENDEZVOUS_FRESH_MS } from '../peer-directory.js';
import type { Clock, Endpoint } from '../ports.js';
import { endpointKey, endpointOf } from '../ports.js';

/**
 * Ordinary peers of ours a peer behind a NAT keeps as rendezvous at once: enough to stay listed
 * and introducible through churn (one leaves every ~12 min at 2 %/min), few enough that its
 * keepalives (one ping per rendezvous per interval) and its rendezvous' load stay small.
 */
export const MAX_ORDINARY_RENDEZVOUS = 4;
/** A registration this old is renewed at the next sync with that rendezvous, well before it lapses. */
export const RENEW_REGISTRATION_MS = RENDEZVOUS_FRESH_MS / 2;
const MAX_REMEMBERED = 10_000;

interface Registration {
  at: Endpoint;
  since: number;
}

export class OurRendezvous {
  /** Oldest registration first: a registration renewed moves to the end. */
  private readonly registrations = new Lru<string, Registration>(MAX_REMEMBERED);

  constructor(
    private readonly clock: Clock,
    /** A configured bootstrap: a rendezvous of ours whatever our registration with it. */
    private readonly isBootstrap: (e: Endpoint) => boolean,
    /** Whether `e` is an ordinary peer of ours (it advertised `punch`); a base peer introduces nobody. */
    private readonly isOurKind: (e: Endpoint) => boolean,
  ) {}

  /** `e` answered our `r/i` with 0 just now. */
  registered(e: Endpoint): void {
    this.registrations.set(endpointKey(e), { at: endpointOf(e), since: this.clock.now() });
  }

  /** `e` refused our registration, or we no longer track it. */
  drop(e: Endpoint): void {
    this.registrations.delete(endpointKey(e));
  }

  /** Whether our registration with `e` is fresh: it lists and introduces us now. */
  registeredWith(e: Endpoint): boolean {
    const r = this.registrations.peek(endpointKey(e));
    return r !== undefined && this.clock.now() - r.since < RENDEZVOUS_FRESH_MS;
  }

  /** A rendezvous of ours: one of our bootstraps, or a peer our registration with is fresh. */
  isOurs(e: Endpoint): boolean {
    return this.isBootstrap(e) || this.registeredWith(e);
  }

  /** Whether our registration with `e` is due to be renewed (it is fresh, and half its life went). */
  renewalDue(e: Endpoint): boolean {
    const r = this.registrations.peek(endpointKey(e));
    const age = r === undefined ? Number.POSITIVE_INFINITY : this.clock.now() - r.since;
    return age >= RENEW_REGISTRATION_MS && age < RENDEZVOUS_FRESH_MS;
  }

  /** Every rendezvous our registration with is fresh. */
  fresh(): Endpoint[] {
    const now = this.clock.now();
    this.registrations.dropOldestWhile((r) => now - r.since >= RENDEZVOUS_FRESH_MS);
    return [...this.registrations.values()].map((r) => r.at);
  }

  /** Fresh rendezvous that are ordinary peers of ours: they introduce and relay for us. */
  ordinary(): Endpoint[] {
    return this.fresh().filter((e) => !this.isBootstrap(e) && this.isOurKind(e));
  }

  /**
   * Whether a registration with the ordinary peer `e` is wanted: it is a rendezvous of ours
   * already (renewed), or we have room for one more. A base peer is registered with as the
   * original does, whatever we have (it neither introduces nor relays: it takes no slot).
   */
  wants(e: Endpoint): boolean {
    if (!this.isOurKind(e) || this.registeredWith(e)) return true;
    return this.ordinary().length < MAX_ORDINARY_RENDEZVOUS;
  }
}
