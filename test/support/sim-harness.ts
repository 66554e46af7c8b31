// A reusable simulated world for the core's tests: one SimClock, one SimNetwork, N NancePeers (each
// with its own SqliteStore and SimTransport) and raw "probe" endpoints that speak the wire protocol
// byte by byte, so tests can check the exact answer a peer puts on the wire.
// Only simulated addresses are used; nothing here touches a real socket.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AddressTokens } from '../../src-main/core/guard/address-tokens.js';
import { GUARD_OFF } from '../../src-main/core/guard/index.js';
import type { Signer } from '../../src-main/core/identity/keys.js';
import { provePing } from '../../src-main/core/identity/ping-proof.js';
import type { Logger } from '../../src-main/core/logger.js';
import { DEFAULT_CONFIG, NancePeer, type PeerConfig } from '../../src-main/core/peer.js';
import type { Endpoint, PeerRole, Transport } from '../../src-main/core/ports.js';
import { SqliteStore } from '../../src-main/store/sqlite-store.js';
import { endpointKey, sameEndpoint } from '../../src-shared/endpoint.js';
import { mulberry32 } from './prng.mjs';
import { SimClock } from './sim-clock.js';
import { type NatBehaviour, SimNat } from './sim-nat.js';
import { SimNetwork, type SimTransport } from './sim-network.js';

/** A datagram seen by a tap or a probe, decoded as far as it decodes. */
export interface WireRecord {
  at: number;
  /** The other end: destination of a sent datagram, source of a received one. */
  peer: Endpoint;
  bytes: Uint8Array;
  /** The JSON text inside the base64, or undefined if it was not base64 of UTF-8. */
  text: string | undefined;
  /** The parsed object, or undefined if `text` is not a JSON object. */
  obj: Record<string, unknown> | undefined;
}

export function decodeWire(bytes: Uint8Array): {
  text: string | undefined;
  obj: Record<string, unknown> | undefined;
} {
  const b64 = Buffer.from(bytes).toString('latin1');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return { text: undefined, obj: undefined };
  const text = Buffer.from(b64, 'base64').toString('utf8');
  try {
    const obj: unknown = JSON.parse(text);
    return {
      text,
      obj:
        typeof obj === 'object' && obj !== null && !Array.isArray(obj)
          ? (obj as Record<string, unknown>)
          : undefined,
    };
  } catch {
    return { text, obj: undefined };
  }
}

/** base64(utf8(JSON)) of a wire object, exactly as a base peer would send it. */
export function encodeWire(obj: unknown): Uint8Array {
  return Buffer.from(Buffer.from(JSON.stringify(obj), 'utf8').toString('base64'), 'latin1');
}

function record(at: number, peer: Endpoint, bytes: Uint8Array): WireRecord {
  return { at, peer: { ...peer }, bytes: bytes.slice(), ...decodeWire(bytes) };
}

/** Wraps a transport and logs every datagram going out and coming in. */
export class TapTransport implements Transport {
  readonly sent: WireRecord[] = [];
  readonly received: WireRecord[] = [];

  constructor(
    readonly inner: Transport,
    private readonly clock: { now(): number },
  ) {
    inner.onDatagram((data, from) => this.received.push(record(this.clock.now(), from, data)));
  }

  send(data: Uint8Array, to: Endpoint): void {
    this.sent.push(record(this.clock.now(), to, data));
    this.inner.send(data, to);
  }

  onDatagram(handler: (data: Uint8Array, from: Endpoint) => void): void {
    this.inner.onDatagram(handler);
  }

  localEndpoint(): Endpoint {
    return this.inner.localEndpoint();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Sent datagrams whose object matches `pred`. */
  sentWhere(pred: (o: Record<string, unknown>, r: WireRecord) => boolean): WireRecord[] {
    return this.sent.filter((r) => r.obj !== undefined && pred(r.obj, r));
  }

  receivedWhere(pred: (o: Record<string, unknown>, r: WireRecord) => boolean): WireRecord[] {
    return this.received.filter((r) => r.obj !== undefined && pred(r.obj, r));
  }
}

export interface PeerSpec {
  role?: PeerRole;
  /** Config overrides (merged over DEFAULT_CONFIG; `sync` and `retry` are merged field by field). */
  config?: Omit<Partial<PeerConfig>, 'sync' | 'retry'> & {
    sync?: Partial<PeerConfig['sync']>;
    retry?: Partial<PeerConfig['retry']>;
  };
  /** ':memory:' (default), 'temp' for a file in the harness's temp dir, or a path. */
  store?: string;
  /** The store's cap on known peers (default: the store's). */
  maxPeers?: number;
  /** Defaults to 10.0.0.(index+1). */
  host?: string;
  port?: number;
  /** Start sync and expiry (default true). */
  start?: boolean;
  /**
   * Put the peer behind a NAT of this behaviour with this public address (`host` is then its
   * private address, default 10.N.0.10). One NAT per public address, made on first use.
   */
  nat?: { behaviour: NatBehaviour; publicHost: string; mappingTimeoutMs?: number };
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string | undefined;
}

/** A Logger that keeps every entry, so tests can assert that nothing went wrong. */
export function recordingLogger(into: LogEntry[]): Logger {
  const at = (level: LogEntry['level']) => (obj: object, msg?: string) => {
    into.push({ level, obj, msg });
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface SimPeer {
  peer: NancePeer;
  /** Everything the peer logged. */
  logs: LogEntry[];
  store: SqliteStore;
  /** The peer's transport, tapped. */
  tap: TapTransport;
  endpoint: Endpoint;
  storePath: string;
}

export interface HarnessOptions {
  seed?: number;
  lossRate?: number;
  latencyMs?: number;
  jitterMs?: number;
  duplicateRate?: number;
  /** Virtual start time (ms since the Unix epoch). */
  epochMs?: number;
  /** Peers to create at once. */
  peers?: PeerSpec[];
}

/** A raw endpoint on the simulated network: sends exact bytes, records everything it receives. */
/**
 * Whether new probes send valid address tokens with their requests, as an honest Nance peer does
 * once it pinged a peer (tests of the traversal rules set it; tests of what a spoofer gets do not).
 */
export const probeDefaults = { prove: false };

export class Probe {
  readonly received: WireRecord[] = [];
  private answering: ((from: Endpoint) => boolean) | undefined;
  /** Address tokens peers gave this probe (`prove`), attached as `k` to what it sends them. */
  private readonly tokens = new Map<string, string>();
  /** Sends every harness peer the token the harness's peers issue for this probe's address. */
  private proving = probeDefaults.prove;
  /** With `answerPings(…, ad)`: the `nance` advertisement its ping answers carry (a peer of ours). */
  private advertisement: object | undefined;
  /** With `withKey`: the key its ping answers name (`id`) and prove (`sig`) when challenged. */
  private key: Signer | undefined;

  constructor(
    readonly transport: SimTransport,
    private readonly harness: SimHarness,
  ) {
    transport.onDatagram((data, from) => {
      const rec = record(harness.clock.now(), from, data);
      this.received.push(rec);
      // Behave like a base peer for pings when asked to (ping-backs, liveness checks), or like one
      // of ours when given an advertisement.
      if (rec.obj?.m === 'p' && this.answering?.(from)) {
        const z = rec.obj.z;
        const ch = rec.obj.ch;
        const proof =
          this.key === undefined
            ? undefined
            : typeof ch === 'string'
              ? provePing(this.key, ch)
              : { id: this.key.publicKey };
        const c = this.advertisement || proof ? { nance: { ...this.advertisement, ...proof } } : {};
        this.transport.send(encodeWire(z === undefined ? { m: 'R', r: 0, c } : { m: 'R', r: 0, c, z }), from);
      }
    });
  }

  get endpoint(): Endpoint {
    return this.transport.localEndpoint();
  }

  /** Answer pings (from everyone, or from those `who` accepts) with `{"m":"R","r":0,"c":{}}`. */
  answerPings(who: (from: Endpoint) => boolean = () => true, advertisement?: object): this {
    this.answering = who;
    this.advertisement = advertisement;
    return this;
  }

  /** Its ping answers name `key` and prove it to a challenge, as a peer of ours holding it does. */
  withKey(key: Signer): this {
    this.key = key;
    return this;
  }

  stopAnswering(): this {
    this.answering = undefined;
    return this;
  }

  /** Sends a wire object (JSON + base64) or raw bytes / text as they are. */
  send(message: object | Uint8Array | string, to: Endpoint): void {
    const token =
      this.tokens.get(`${to.host}:${to.port}`) ??
      (this.proving
        ? this.harness.addressTokens.issue(endpointKey(this.endpoint), this.harness.clock.now())
        : undefined);
    const bytes =
      message instanceof Uint8Array
        ? message
        : typeof message === 'string'
          ? Buffer.from(message, 'latin1')
          : encodeWire(
              token !== undefined &&
                !('k' in message) &&
                'm' in message &&
                (message as { m: unknown }).m !== 'R'
                ? { ...message, k: token }
                : message,
            );
    this.transport.send(bytes, to);
  }

  /**
   * Fetches `to`'s address token for this probe (a ping, as our peers do) and from then on sends
   * it as `k` with every request to `to`: the probe's requests are proven, as an honest Nance
   * peer's are (docs/protocol.md, "Address proof").
   */
  async prove(to: Endpoint): Promise<this> {
    const [answer] = await this.ask({ m: 'p', z: `prove-${to.host}-${to.port}`, k: '0'.repeat(48) }, to, 50);
    const k = (answer?.obj?.c as { nance?: { k?: unknown } } | undefined)?.nance?.k;
    if (typeof k !== 'string') throw new Error(`${to.host}:${to.port} gave no address token`);
    this.tokens.set(`${to.host}:${to.port}`, k);
    return this;
  }

  /** Stops sending tokens: the probe's requests are unproven again (a spoofer's are). */
  unproven(): this {
    this.tokens.clear();
    this.proving = false;
    return this;
  }

  /** Everything received that carries this z. */
  withZ(z: string): WireRecord[] {
    return this.received.filter((r) => r.obj?.z === z);
  }

  /** Responses (m:"R") received, optionally only those carrying `z`. */
  responses(z?: string): WireRecord[] {
    return this.received.filter((r) => r.obj?.m === 'R' && (z === undefined || r.obj.z === z));
  }

  /** Sends, waits `waitMs` of virtual time, and returns every response with the message's z (or all new ones). */
  async ask(message: object | Uint8Array | string, to: Endpoint, waitMs = 100): Promise<WireRecord[]> {
    const start = this.received.length;
    this.send(message, to);
    await this.harness.advance(waitMs);
    const z =
      typeof message === 'object' && !(message instanceof Uint8Array)
        ? (message as { z?: unknown }).z
        : undefined;
    return this.received
      .slice(start)
      .filter((r) => r.obj?.m === 'R' && (z === undefined || r.obj.z === z) && sameEndpoint(r.peer, to));
  }

  /** Like ask, but insists on exactly one answer and returns it. */
  async askOnce(
    message: object,
    to: Endpoint,
    waitMs = 100,
  ): Promise<WireRecord & { obj: Record<string, unknown> }> {
    const answers = await this.ask(message, to, waitMs);
    if (answers.length !== 1) {
      throw new Error(
        `expected exactly one answer to ${JSON.stringify(message).slice(0, 200)}, got ${answers.length}`,
      );
    }
    return answers[0] as WireRecord & { obj: Record<string, unknown> };
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

export class SimHarness {
  /** One issuer for every peer of the harness (a fixed secret), so probes can prove (`probeDefaults`). */
  readonly addressTokens = new AddressTokens(undefined, new Uint8Array(32).fill(42));
  readonly clock: SimClock;
  readonly net: SimNetwork;
  readonly peers: SimPeer[] = [];
  readonly probes: Probe[] = [];
  private readonly random: () => number;
  private tempDir: string | undefined;
  private nextProbe = 1;
  private readonly nats = new Map<string, SimNat>();
  private closed = false;

  constructor(options: HarnessOptions = {}) {
    this.clock = new SimClock(options.epochMs ?? 1_700_000_000_000);
    this.net = new SimNetwork({
      clock: this.clock,
      seed: options.seed ?? 1,
      latencyMs: options.latencyMs ?? 5,
      jitterMs: options.jitterMs ?? 0,
      lossRate: options.lossRate ?? 0,
      duplicateRate: options.duplicateRate ?? 0,
    });
    this.random = mulberry32((options.seed ?? 1) ^ 0x9e3779b9);
    for (const spec of options.peers ?? []) this.addPeer(spec);
  }

  /** A fresh temp dir for this harness's store files (removed by close()). */
  dir(): string {
    this.tempDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'nance-sim-'));
    return this.tempDir;
  }

  addPeer(spec: PeerSpec = {}): SimPeer {
    const index = this.peers.length;
    const endpoint = { host: spec.host ?? `10.0.0.${index + 1}`, port: spec.port ?? 7000 };
    const storePath =
      spec.store === 'temp'
        ? path.join(this.dir(), `peer-${index}-${endpointKey(endpoint).replace(/[:.]/g, '_')}.db`)
        : (spec.store ?? ':memory:');
    const store = SqliteStore.open({
      path: storePath,
      now: () => this.clock.now(),
      ...(spec.maxPeers !== undefined ? { maxPeers: spec.maxPeers } : {}),
    });
    const tap = new TapTransport(
      spec.nat
        ? this.natFor(spec.nat.behaviour, spec.nat.publicHost, spec.nat.mappingTimeoutMs).bind(endpoint)
        : this.net.bind(endpoint),
      this.clock,
    );
    const c = spec.config ?? {};
    const config: Partial<PeerConfig> = {
      // Protocol tests probe with raw sockets that do not answer pings and send bursts: the abuse
      // guard (rate limits, anti-amplification) is off unless a test asks for it (test/hardening).
      guard: GUARD_OFF,
      ...c,
      role: spec.role ?? c.role ?? 'peer',
      sync: { ...DEFAULT_CONFIG.sync, ...c.sync },
      retry: { ...DEFAULT_CONFIG.retry, ...c.retry },
    };
    const logs: LogEntry[] = [];
    const logger = recordingLogger(logs);
    const peer = new NancePeer(
      {
        transport: tap,
        clock: this.clock,
        store,
        random: this.random,
        logger,
        addressTokens: this.addressTokens,
        // Virtual time settles in microtasks and macrotask turns, never waits for a thread.
        checkSignaturesInline: true,
      },
      config,
    );
    if (spec.start ?? true) peer.start();
    const sim: SimPeer = { peer, logs, store, tap, endpoint, storePath };
    this.peers.push(sim);
    return sim;
  }

  /** The NAT at `publicHost` (made on first use; its behaviour must not change). */
  natFor(behaviour: NatBehaviour, publicHost: string, mappingTimeoutMs?: number): SimNat {
    let nat = this.nats.get(publicHost);
    if (!nat) {
      const timeout = mappingTimeoutMs === undefined ? {} : { mappingTimeoutMs };
      nat = new SimNat(this.net, { publicHost, behaviour, seed: this.nats.size + 7, ...timeout });
      this.nats.set(publicHost, nat);
    }
    if (nat.behaviour !== behaviour) throw new Error(`NAT at ${publicHost} is ${nat.behaviour}`);
    return nat;
  }

  /** A raw endpoint; defaults to 10.0.1.N:9000 (private). */
  probe(endpoint?: Partial<Endpoint>): Probe {
    const n = this.nextProbe++;
    const p = new Probe(
      this.net.bind({ host: endpoint?.host ?? `10.0.1.${n}`, port: endpoint?.port ?? 9000 }),
      this,
    );
    this.probes.push(p);
    return p;
  }

  /** Moves virtual time forward, running every timer due and letting async work settle. */
  advance(ms: number): Promise<void> {
    return this.clock.advance(ms);
  }

  /**
   * Advances virtual time in `stepMs` steps until `promise` settles, then returns its outcome.
   * Throws if it is still pending after `maxVirtualMs`.
   */
  async settle<T>(promise: Promise<T>, maxVirtualMs = 60_000, stepMs = 1): Promise<T> {
    let done = false;
    const watched = promise.then(
      (v) => {
        done = true;
        return v;
      },
      (e: unknown) => {
        done = true;
        throw e;
      },
    );
    watched.catch(() => {});
    const deadline = this.clock.now() + maxVirtualMs;
    await this.clock.advance(0);
    while (!done) {
      if (this.clock.now() >= deadline) throw new Error(`still pending after ${maxVirtualMs} virtual ms`);
      await this.clock.advance(Math.min(stepMs, deadline - this.clock.now()));
    }
    return watched;
  }

  /** Like settle, for a promise expected to reject: returns the error. */
  async settleError(promise: Promise<unknown>, maxVirtualMs = 60_000, stepMs = 1): Promise<unknown> {
    try {
      await this.settle(promise, maxVirtualMs, stepMs);
    } catch (err) {
      return err;
    }
    throw new Error('expected the promise to reject, it resolved');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.peers) await p.peer.close();
    for (const p of this.probes) await p.close();
    if (this.tempDir) fs.rmSync(this.tempDir, { recursive: true, force: true });
  }
}
