// The one record of "key K is at address A, proven at time T": a peer proved K by signing our
// fresh challenge in its ping answer from A (identity/ping-proof.ts). A key is at one address at a
// time: proven somewhere else, it moved there (a host restarted on another port). An address whose
// last challenge got no valid proof (a base peer, a forged or missing signature) has no key.
// Bounded both ways; a lookup checks both sides agree, so an eviction never leaves a stale answer.
import { Lru } from './lru.js';
import type { Endpoint } from './ports.js';
import { endpointKey, endpointOf } from './ports.js';

export interface KeyDirectorySettings {
  /** Addresses (and keys) remembered at most; the least recently proven go first. */
  maxEntries: number;
  /** A proof older than this is asked again at the next ping (an address may change hands). */
  refreshMs: number;
}

export const DEFAULT_KEY_DIRECTORY: KeyDirectorySettings = { maxEntries: 10_000, refreshMs: 5 * 60_000 };

interface AddressProof {
  /** undefined: the last challenge to this address proved no key. */
  key: string | undefined;
  at: number;
}

export class KeyDirectory {
  private readonly byAddress: Lru<string, AddressProof>;
  private readonly byKey: Lru<string, Endpoint>;
  /** A key was proven at a new address: `from` no longer stands for it. */
  onMoved: ((key: string, from: Endpoint, to: Endpoint) => void) | undefined;

  constructor(private readonly settings: KeyDirectorySettings = DEFAULT_KEY_DIRECTORY) {
    this.byAddress = new Lru(settings.maxEntries);
    this.byKey = new Lru(settings.maxEntries);
  }

  /** Whether a ping to `at` should carry a challenge: first contact, or the last proof is old. */
  needsProof(at: Endpoint, now: number): boolean {
    const last = this.byAddress.peek(endpointKey(at));
    return last === undefined || now - last.at >= this.settings.refreshMs;
  }

  /** The outcome of a challenge sent to `at`: the key it proved, or undefined for none. */
  record(at: Endpoint, key: string | undefined, now: number): void {
    const address = endpointKey(at);
    const before = this.byAddress.peek(address)?.key;
    if (before !== undefined && before !== key && this.addressMatches(before, address)) {
      this.byKey.delete(before);
    }
    this.byAddress.set(address, { key, at: now });
    if (key === undefined) return;
    const old = this.byKey.peek(key);
    this.byKey.set(key, endpointOf(at));
    if (old !== undefined && endpointKey(old) !== address) {
      if (this.byAddress.peek(endpointKey(old))?.key === key) this.byAddress.delete(endpointKey(old));
      this.onMoved?.(key, old, endpointOf(at));
    }
  }

  /** The key proven at `at`, if any. */
  keyAt(at: Endpoint): string | undefined {
    const address = endpointKey(at);
    const key = this.byAddress.peek(address)?.key;
    return key !== undefined && this.addressMatches(key, address) ? key : undefined;
  }

  /** Where `key` was last proven, if anywhere. */
  addressOf(key: string): Endpoint | undefined {
    const at = this.byKey.peek(key);
    return at !== undefined && this.byAddress.peek(endpointKey(at))?.key === key ? at : undefined;
  }

  private addressMatches(key: string, address: string): boolean {
    const at = this.byKey.peek(key);
    return at !== undefined && endpointKey(at) === address;
  }
}
