// RelayService alone: what it puts on the wire for a forward, whom it refuses, and its byte budgets
// (per source and in total) counted exactly in virtual time.
import { describe, expect, it } from 'vitest';
import { decodeDatagram, encodeRequest } from '../../../src-shared/protocol/index.js';
import { SimClock } from '../../../test/support/sim-clock.js';
import type { Endpoint } from '../ports.js';
import { endpointKey } from '../ports.js';
import { DEFAULT_RELAY, ORDINARY_RELAY_SHARE, RelayService, type RelaySettings } from './relay-service.js';

const A: Endpoint = { host: '198.51.100.1', port: 7001 };
const B: Endpoint = { host: '198.51.100.2', port: 7002 };
const TARGET: Endpoint = { host: '198.51.100.3', port: 7003 };
const MSG = { m: 'r', t: 'g', d: 'c', a: { maxChatsLength: 10 }, z: 'inner-z' };
/** Bytes of one forward of MSG (A and B give the same size: same-length addresses). */
const SIZE = encodeRequest({ type: 'forwarded', origin: A, msg: MSG }).length;

function relay(
  settings: Partial<RelaySettings> = {},
  reachable: Endpoint[] = [TARGET, A, B],
  role: { bootstrap: boolean } = { bootstrap: true },
) {
  const clock = new SimClock();
  const sent: { data: Uint8Array; to: Endpoint }[] = [];
  const asked: Endpoint[] = [];
  const service = new RelayService(
    {
      clock,
      canReach: (e) => {
        asked.push(e);
        return reachable.some((r) => endpointKey(r) === endpointKey(e));
      },
      send: (data, to) => sent.push({ data, to }),
      isBootstrap: () => role.bootstrap,
    },
    { ...DEFAULT_RELAY, ...settings },
  );
  return { clock, sent, asked, service };
}

describe('RelayService.forward', () => {
  it('sends the target one n/f carrying the origin and the message, without z', () => {
    const { sent, service, asked } = relay();
    expect(service.forward(A, TARGET, MSG)).toBe('forwarded');
    expect(asked).toEqual([TARGET]);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.to).toEqual(TARGET);
    expect(decodeDatagram(sent[0]?.data ?? new Uint8Array())).toStrictEqual({
      kind: 'request',
      request: { type: 'forwarded', origin: A, msg: MSG },
    });
    expect(Buffer.from(Buffer.from(sent[0]?.data ?? []).toString('latin1'), 'base64').toString()).toBe(
      `{"m":"r","t":"n","d":"f","a":{"ip":"198.51.100.1","port":7001,"msg":${JSON.stringify(MSG)}}}`,
    );
    expect(service.stats).toStrictEqual({
      forwarded: 1,
      forwardedBytes: SIZE,
      unknownTarget: 0,
      overBudget: 0,
    });
  });

  it('refuses a target it has not verified: nothing sent', () => {
    const { sent, service } = relay({}, [A]);
    expect(service.forward(A, TARGET, MSG)).toBe('unknown-target');
    expect(sent).toEqual([]);
    expect(service.stats).toStrictEqual({ forwarded: 0, forwardedBytes: 0, unknownTarget: 1, overBudget: 0 });
  });

  it('refuses to send a datagram back to its own origin, even a verified one', () => {
    const { sent, service } = relay();
    expect(service.forward(A, { ...A }, MSG)).toBe('unknown-target');
    expect(sent).toEqual([]);
    expect(service.stats.unknownTarget).toBe(1);
  });

  it('a message that cannot fit one datagram once wrapped is too large, and costs no budget', () => {
    const { sent, service } = relay({ perSourceBurstBytes: SIZE, perSourceBytesPerSecond: 1 });
    const huge = { ...MSG, a: { content: 'x'.repeat(60_000) } };
    expect(service.forward(A, TARGET, huge)).toBe('too-large');
    expect(sent).toEqual([]);
    expect(service.forward(A, TARGET, MSG)).toBe('forwarded');
    expect(service.stats).toStrictEqual({
      forwarded: 1,
      forwardedBytes: SIZE,
      unknownTarget: 0,
      overBudget: 0,
    });
  });
});

describe('RelayService budgets', () => {
  it('per source: a burst of 3 datagrams, then one per second', async () => {
    const { clock, sent, service } = relay({
      perSourceBurstBytes: 3 * SIZE,
      perSourceBytesPerSecond: SIZE,
      totalBurstBytes: 1_000 * SIZE,
      totalBytesPerSecond: 1_000 * SIZE,
    });
    const outcomes = Array.from({ length: 4 }, () => service.forward(A, TARGET, MSG));
    expect(outcomes).toEqual(['forwarded', 'forwarded', 'forwarded', 'over-budget']);
    // Another source has a budget of its own.
    expect(service.forward(B, TARGET, MSG)).toBe('forwarded');
    await clock.advance(500); // half a datagram's worth refilled: not enough
    expect(service.forward(A, TARGET, MSG)).toBe('over-budget');
    await clock.advance(500);
    expect(service.forward(A, TARGET, MSG)).toBe('forwarded');
    expect(service.forward(A, TARGET, MSG)).toBe('over-budget');
    // A long pause refills only up to the burst.
    await clock.advance(60_000);
    const after = Array.from({ length: 4 }, () => service.forward(A, TARGET, MSG));
    expect(after).toEqual(['forwarded', 'forwarded', 'forwarded', 'over-budget']);
    expect(sent).toHaveLength(3 + 1 + 1 + 3);
    expect(service.stats).toStrictEqual({
      forwarded: 8,
      forwardedBytes: 8 * SIZE,
      unknownTarget: 0,
      overBudget: 4,
    });
  });

  it('in total: sources share one budget; a datagram refused per source takes none of it', async () => {
    const { clock, service } = relay({
      perSourceBurstBytes: 2 * SIZE,
      perSourceBytesPerSecond: SIZE,
      totalBurstBytes: 3 * SIZE,
      totalBytesPerSecond: SIZE,
    });
    expect([A, A, A].map((o) => service.forward(o, TARGET, MSG))).toEqual([
      'forwarded',
      'forwarded',
      'over-budget', // A's own budget
    ]);
    expect(service.forward(B, TARGET, MSG)).toBe('forwarded'); // the last of the total
    expect(service.forward(B, TARGET, MSG)).toBe('over-budget'); // the total, B still has its own
    await clock.advance(1_000);
    expect(service.forward(B, TARGET, MSG)).toBe('forwarded');
    expect(service.forward(A, TARGET, MSG)).toBe('over-budget');
    expect(service.stats).toStrictEqual({
      forwarded: 4,
      forwardedBytes: 4 * SIZE,
      unknownTarget: 0,
      overBudget: 3,
    });
  });

  it('an ordinary peer relays with a share of the budgets (a home uplink), a bootstrap with all', () => {
    const role = { bootstrap: false };
    const { service } = relay(
      {
        perSourceBurstBytes: (8 / ORDINARY_RELAY_SHARE) * SIZE,
        perSourceBytesPerSecond: 1,
        totalBurstBytes: 1_000 * SIZE,
        totalBytesPerSecond: 1_000 * SIZE,
      },
      [TARGET, A, B],
      role,
    );
    const ordinary = Array.from({ length: 9 }, () => service.forward(A, TARGET, MSG));
    expect(ordinary.filter((o) => o === 'forwarded')).toHaveLength(8);
    expect(ordinary.at(-1)).toBe('over-budget');
    // Switched to bootstrap mode: the full budget, its own.
    role.bootstrap = true;
    const asBootstrap = Array.from({ length: 33 }, () => service.forward(A, TARGET, MSG));
    expect(asBootstrap.filter((o) => o === 'forwarded')).toHaveLength(32);
  });

  it('refusals for unknown targets cost no budget', () => {
    const { service } = relay({ perSourceBurstBytes: SIZE, perSourceBytesPerSecond: 1 }, [TARGET]);
    for (let i = 0; i < 5; i++) expect(service.forward(A, B, MSG)).toBe('unknown-target');
    expect(service.forward(A, TARGET, MSG)).toBe('forwarded');
    expect(service.stats).toStrictEqual({
      forwarded: 1,
      forwardedBytes: SIZE,
      unknownTarget: 5,
      overBudget: 0,
    });
  });
});
