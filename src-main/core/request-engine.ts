// Client side of the protocol: every request gets a fresh `z`, responses are matched by it,
// lost ones are resent with the SAME z (so the host can recognise the retry) after a backed-off,
// jittered timeout, and silence ends in error 90.
import { v4 as uuidv4 } from 'uuid';
import {
  addressProofAsked,
  DatagramTooLargeError,
  encodeRequest,
  type Request,
  type Response,
  ResultCode,
} from '../../src-shared/protocol/index.js';
import { NanceError } from './errors.js';
import { GivenTokens } from './given-tokens.js';
import type { Clock, Endpoint, TimerHandle, Transport } from './ports.js';
import { endpointKey, sameEndpoint } from './ports.js';

export interface RetryPolicy {
  /** Wait for the first answer, in ms. */
  timeoutMs: number;
  /** Sends in total (1 = no retry). */
  attempts: number;
  /** Each wait is the previous one times this. */
  backoff: number;
  /** Each wait is randomly shortened or lengthened by up to this fraction, so retries do not align. */
  jitter: number;
}

export const DEFAULT_RETRY: RetryPolicy = { timeoutMs: 300, attempts: 4, backoff: 2, jitter: 0.2 };

interface Pending {
  resolve(response: Response): void;
  reject(error: NanceError): void;
  timer: TimerHandle;
  to: Endpoint;
  /** Where the datagrams really went (a route's address): the token an `r: 4` gives is for our source there. */
  sentTo: Endpoint;
  /** Sends the request again with a fresh address token (once: a second `r: 4` is an answer). */
  proveAndResend?: () => void;
}

export class RequestEngine {
  private readonly pending = new Map<string, Pending>();
  /** Requests in flight per address ("host:port"), so answers from it can be told apart cheaply. */
  private readonly awaiting = new Map<string, number>();
  private closed = false;
  /** Called when a request is answered from the address it was sent to (that address receives us). */
  onAnswered: ((from: Endpoint) => void) | undefined;
  /**
   * The peer a datagram from `source` stands for (the path table's aliases): a knock sent to the
   * address a punch found is answered from there but presented as its peer.
   */
  logicalOf: (source: Endpoint) => Endpoint = (source) => source;
  /**
   * Where a datagram for `peer` really goes (the path table's route: its IPv6 endpoint, a punched
   * address): its `k` is the token given to our source there.
   */
  destinationOf: (peer: Endpoint) => Endpoint = (peer) => peer;

  constructor(
    private readonly transport: Transport,
    /** Its timers; also what paces requests made through it (base-peer-pacing.ts). */
    readonly clock: Clock,
    private readonly defaults: RetryPolicy = DEFAULT_RETRY,
    private readonly random: () => number = Math.random,
    /** Makes request ids (`z`). */
    readonly newId: () => string = uuidv4,
    /** The address tokens peers gave us, sent as `k` (shared with the relayed paths' wrappers). */
    readonly tokens = new GivenTokens(),
  ) {}

  get inFlight(): number {
    return this.pending.size;
  }

  /** Whether a request of ours to this address ("host:port") is waiting for its answer. */
  isAwaiting(addressKey: string): boolean {
    return this.awaiting.has(addressKey);
  }

  private track(to: Endpoint, delta: 1 | -1): void {
    const key = endpointKey(to);
    const n = (this.awaiting.get(key) ?? 0) + delta;
    if (n > 0) this.awaiting.set(key, n);
    else this.awaiting.delete(key);
  }

  /**
   * Resolves with the first response carrying our z, whatever its code; rejects with 90 on silence.
   * `via` sends the datagrams some other way than the engine's transport (a punch probe must reach
   * the very address it names, past any route). `z`: an id the caller chose (a signed post is
   * signed with its z), by default a fresh one.
   */
  request(
    to: Endpoint,
    request: Request,
    policy: Partial<RetryPolicy> = {},
    via?: (data: Uint8Array, to: Endpoint) => void,
    z: string = this.newId(),
  ): Promise<Response> {
    if (this.closed) return Promise.reject(new NanceError('closed', 'peer is shutting down'));
    if (this.pending.has(z))
      return Promise.reject(new NanceError('exception', `request ${z} is already in flight`));
    const p = { ...this.defaults, ...policy };
    // `via` sends to the very address named, past any route.
    const destination = () => (via ? to : this.destinationOf(to));
    let sentTo = destination();
    let datagram: Uint8Array;
    try {
      datagram = encodeRequest(request, z, this.tokens.proofFor(to, sentTo));
    } catch (err) {
      if (err instanceof DatagramTooLargeError) {
        return Promise.reject(new NanceError('too-large', `request is ${err.size} bytes, over one datagram`));
      }
      throw err;
    }
    this.track(to, 1);
    return new Promise<Response>((resolve, reject) => {
      let attempt = 0;
      let proved = false;
      const send = (wait: number) => {
        attempt++;
        // A route proven since the last send (an IPv6 path, a punch) carries this retry: its `k` must
        // be the token given to our source there (the peer checks it against the source it sees).
        const now = destination();
        if (!sameEndpoint(now, sentTo)) {
          sentTo = now;
          datagram = this.encodeOr(datagram, request, z, this.tokens.proofFor(to, sentTo));
        }
        if (via) via(datagram, to);
        else this.transport.send(datagram, to);
        const entry: Pending = {
          resolve,
          reject,
          to,
          sentTo,
          // The host did not run it for us yet (it asked for proof first): the same z again.
          proveAndResend: proved
            ? undefined
            : () => {
                proved = true;
                entry.timer.cancel();
                datagram = encodeRequest(request, z, this.tokens.proofFor(to, sentTo));
                attempt = 0;
                send(p.timeoutMs);
              },
          timer: this.clock.setTimeout(
            () => {
              if (attempt < p.attempts) {
                send(wait * p.backoff);
              } else {
                this.pending.delete(z);
                this.track(to, -1);
                reject(NanceError.fromCode(ResultCode.Timeout, `${request.type} to ${endpointKey(to)}`));
              }
            },
            this.jittered(wait, p.jitter),
          ),
        };
        this.pending.set(z, entry);
      };
      send(p.timeoutMs);
    });
  }

  /**
   * Feeds a response from `from` in; returns false if no request to `from` is waiting for its z
   * (late, duplicate, stray, or forged from another address: whoever saw our z on its way must not
   * answer for the peer we asked). `straight`: it came from the socket itself, not out of a relay,
   * so `onAnswered` learns the address answered us.
   */
  handleResponse(response: Response, z: string | undefined, from: Endpoint, straight = true): boolean {
    if (z === undefined) return false;
    const entry = this.pending.get(z);
    if (!entry || !(sameEndpoint(from, entry.to) || sameEndpoint(from, this.logicalOf(entry.to))))
      return false;
    const token = addressProofAsked(response);
    if (token !== undefined && entry.proveAndResend) {
      this.tokens.set(entry.sentTo, token);
      entry.proveAndResend();
      return true;
    }
    this.pending.delete(z);
    this.track(entry.to, -1);
    entry.timer.cancel();
    if (straight) this.onAnswered?.(from);
    entry.resolve(response);
    return true;
  }

  close(): void {
    this.closed = true;
    for (const entry of this.pending.values()) {
      entry.timer.cancel();
      entry.reject(new NanceError('closed', 'peer is shutting down'));
    }
    this.pending.clear();
    this.awaiting.clear();
  }

  /** The request encoded again with another `k`; the old datagram if that no longer fits one. */
  private encodeOr(old: Uint8Array, request: Request, z: string, k: string | undefined): Uint8Array {
    try {
      return encodeRequest(request, z, k);
    } catch (err) {
      if (err instanceof DatagramTooLargeError) return old;
      throw err;
    }
  }

  private jittered(ms: number, jitter: number): number {
    return Math.max(1, Math.round(ms * (1 + jitter * (2 * this.random() - 1))));
  }
}
