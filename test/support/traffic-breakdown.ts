// What one peer's datagrams are, for the scale scenario's breakdown (docs/scale.md): each datagram
// sent or received is labelled by its message (`ping`, `g/i`, `a/c`, ...; a response by the request
// it answers, matched by `z`) and by its path kind (`direct` to an open address, `nat` through a NAT
// hole, `relayed` inside an `n/r`/`n/f` wrapper), and counted in datagrams and bytes per label.
import { datagramToObject } from '../../src-shared/protocol/codec.js';

export interface LabelCount {
  datagrams: number;
  bytes: number;
}

/** How many request ids are remembered to label their answers; past it the table starts over. */
const MAX_PENDING = 4_096;

function requestLabel(obj: Record<string, unknown>): string | undefined {
  if (obj.m === 'p') return 'ping';
  if (obj.m === 'r' && typeof obj.t === 'string' && typeof obj.d === 'string') return `${obj.t}/${obj.d}`;
  return undefined;
}

export class TrafficBreakdown {
  readonly counts = new Map<string, LabelCount>();
  /** Request id -> label, for requests this peer sent or received (their answers get it). */
  private readonly pending = new Map<string, string>();

  /**
   * `natted(host)`: whether that public address is behind a NAT (its path is a punched hole).
   * `kindOf(host)`, when given: what the other end is (its NAT behaviour, or `bootstrap`), added to
   * the label with the direction, so a count says who sends what (which peers ping a bootstrap).
   */
  constructor(
    private readonly natted: (host: string) => boolean,
    private readonly kindOf?: (host: string) => string,
  ) {}

  count(data: Uint8Array, remoteHost: string, direction: 'in' | 'out'): void {
    const label = this.label(data);
    const path = label.relayed ? 'relayed' : this.natted(remoteHost) ? 'nat' : 'direct';
    const who = this.kindOf ? ` ${direction} ${this.kindOf(remoteHost)}` : '';
    const key = `${label.message} ${path}${who}`;
    const c = this.counts.get(key) ?? { datagrams: 0, bytes: 0 };
    c.datagrams++;
    c.bytes += data.byteLength;
    this.counts.set(key, c);
  }

  snapshot(): Map<string, LabelCount> {
    return new Map([...this.counts].map(([k, v]) => [k, { ...v }]));
  }

  private label(data: Uint8Array): { message: string; relayed: boolean } {
    const parsed = datagramToObject(data);
    if (!parsed.ok) return { message: 'undecodable', relayed: false };
    let obj = parsed.object;
    let relayed = false;
    // A relay wrapper (n/r to the relay, n/f from it): the message inside is what it costs for.
    const a = obj.a as Record<string, unknown> | undefined;
    // (The message rides as a JSON object, or as base64 text from an original-style sender.)
    if (obj.m === 'r' && obj.t === 'n' && (obj.d === 'r' || obj.d === 'f')) {
      const msg = a?.msg;
      const inner =
        typeof msg === 'string'
          ? datagramToObject(new TextEncoder().encode(msg))
          : typeof msg === 'object' && msg !== null
            ? { ok: true as const, object: msg as Record<string, unknown> }
            : { ok: false as const };
      if (inner.ok) {
        obj = inner.object;
        relayed = true;
      }
    }
    const z = typeof obj.z === 'string' ? obj.z : undefined;
    const asked = requestLabel(obj);
    if (asked !== undefined) {
      if (z !== undefined) {
        if (this.pending.size >= MAX_PENDING) this.pending.clear();
        this.pending.set(z, asked);
      }
      return { message: asked, relayed };
    }
    if (obj.m === 'R') {
      const answered = z === undefined ? undefined : this.pending.get(z);
      return { message: `${answered ?? '?'} answer`, relayed };
    }
    return { message: `m=${String(obj.m)}`, relayed };
  }
}

/** Per label, the difference `after - before` summed over peers, per peer per second, largest first. */
export function perPeerPerSecond(
  diffs: { before: Map<string, LabelCount>; after: Map<string, LabelCount> }[],
  seconds: number,
): { label: string; datagramsPerSec: number; bytesPerSec: number }[] {
  const sum = new Map<string, LabelCount>();
  for (const { before, after } of diffs)
    for (const [k, v] of after) {
      const b = before.get(k) ?? { datagrams: 0, bytes: 0 };
      const s = sum.get(k) ?? { datagrams: 0, bytes: 0 };
      s.datagrams += v.datagrams - b.datagrams;
      s.bytes += v.bytes - b.bytes;
      sum.set(k, s);
    }
  const n = Math.max(1, diffs.length) * seconds;
  return [...sum]
    .map(([label, c]) => ({ label, datagramsPerSec: c.datagrams / n, bytesPerSec: c.bytes / n }))
    .sort((x, y) => y.bytesPerSec - x.bytesPerSec);
}
