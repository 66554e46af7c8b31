// The one record of "this address has answered us": an answer to one of our requests came back from
// the very address it was sent to, straight (not through a relay), so that address is alive and
// receives what we send there. It proves liveness only, never that the address asked for anything
// (a request's own address proof does that: request-context.ts). A request that echoes our token
// for its source, straight from it, shows the same and is noted too (a registration's renewal,
// request-handler.ts). Traversal consults it before introducing or relaying to a peer, the peer
// directory before listing one.
import { Lru } from './lru.js';
import type { Clock, Endpoint } from './ports.js';
import { endpointKey } from './ports.js';

export interface AnsweredSettings {
  /** Addresses remembered at most (least recently answered go first): spoofing cannot grow it. */
  maxAddresses: number;
  /** An answer older than this no longer counts: the address may since have changed hands. */
  maxAgeMs: number;
}

/** As many as a bootstrap registers (the store's cap): a bootstrap lists only peers kept here. */
export const DEFAULT_ANSWERED: AnsweredSettings = { maxAddresses: 200_000, maxAgeMs: 10 * 60_000 };

export class AnsweredAddresses {
  /** Address -> when it last answered. */
  private readonly lastAnswer: Lru<string, number>;

  constructor(
    private readonly clock: Clock,
    private readonly settings: AnsweredSettings = DEFAULT_ANSWERED,
  ) {
    this.lastAnswer = new Lru(settings.maxAddresses);
  }

  /** An answer to our request came straight from `e`, the address it was sent to (or a proven request did). */
  note(e: Endpoint): void {
    this.lastAnswer.set(endpointKey(e), this.clock.now());
  }

  /**
   * `e` answered none of the tries of a request it should have answered (its binding toward us is
   * kept open): gone, or its binding lapsed. Counted again once it answers.
   */
  forget(e: Endpoint): void {
    this.lastAnswer.delete(endpointKey(e));
  }

  /** When `e` last answered us straight (within the last `maxAgeMs`), or undefined. */
  lastAnswerAt(e: Endpoint): number | undefined {
    return this.has(e) ? this.lastAnswer.peek(endpointKey(e)) : undefined;
  }

  /** Whether `e` answered us straight within the last `maxAgeMs`. */
  has(e: Endpoint): boolean {
    const key = endpointKey(e);
    const at = this.lastAnswer.peek(key);
    if (at === undefined) return false;
    if (this.clock.now() - at <= this.settings.maxAgeMs) return true;
    this.lastAnswer.delete(key);
    return false;
  }
}
