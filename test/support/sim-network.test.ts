import { describe, expect, it } from 'vitest';
import type { Endpoint, Transport } from '../../src-main/core/ports.js';
import { SimClock } from './sim-clock.js';
import { SimNetwork, type SimNetworkOptions } from './sim-network.js';

const A: Endpoint = { host: '10.0.0.1', port: 4000 };
const B: Endpoint = { host: '10.0.0.2', port: 4000 };
const C: Endpoint = { host: '10.0.0.3', port: 4000 };

function setup(options: Omit<SimNetworkOptions, 'clock'> = {}) {
  const clock = new SimClock(0);
  const net = new SimNetwork({ clock, ...options });
  return { clock, net };
}

/** Records arrivals as `payload@time`, payload being the first byte. */
function arrivals(clock: SimClock, transport: Transport): string[] {
  const log: string[] = [];
  transport.onDatagram((data) => log.push(`${data[0]}@${clock.now()}`));
  return log;
}

describe('SimNetwork', () => {
  it('delivers after the configured latency with the sender as source', async () => {
    const { clock, net } = setup({ latencyMs: 20 });
    const a = net.bind(A);
    const b = net.bind(B);
    const seen: { data: number[]; from: Endpoint; at: number }[] = [];
    b.onDatagram((data, from) => seen.push({ data: [...data], from, at: clock.now() }));

    a.send(Uint8Array.of(1, 2, 3), B);
    await clock.advance(19);
    expect(seen).toEqual([]);
    await clock.advance(1);
    expect(seen).toEqual([{ data: [1, 2, 3], from: A, at: 20 }]);
    expect(net.stats).toEqual({ sent: 1, delivered: 1, dropped: 0, duplicated: 0 });
  });

  it('defaults to 5 ms of latency', async () => {
    const { clock, net } = setup();
    const a = net.bind(A);
    const log = arrivals(clock, net.bind(B));
    a.send(Uint8Array.of(7), B);
    await clock.advance(100);
    expect(log).toEqual(['7@5']);
  });

  it('spreads arrivals over the jitter window', async () => {
    const { clock, net } = setup({ latencyMs: 10, jitterMs: 40, seed: 3 });
    const a = net.bind(A);
    const times: number[] = [];
    net.bind(B).onDatagram(() => times.push(clock.now()));
    for (let i = 0; i < 200; i++) a.send(Uint8Array.of(i), B);
    await clock.advance(100);
    expect(times).toHaveLength(200);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...times)).toBeLessThan(50);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(30);
    expect(times.every(Number.isInteger)).toBe(true);
  });

  it('copies the payload at send time', async () => {
    const { clock, net } = setup();
    const a = net.bind(A);
    const log = arrivals(clock, net.bind(B));
    const buffer = Uint8Array.of(1);
    a.send(buffer, B);
    buffer[0] = 9;
    await clock.advance(5);
    expect(log).toEqual(['1@5']);
  });

  it('loses close to the configured rate over 10,000 datagrams', async () => {
    const { clock, net } = setup({ lossRate: 0.2, seed: 42 });
    const a = net.bind(A);
    let received = 0;
    net.bind(B).onDatagram(() => received++);
    for (let i = 0; i < 10_000; i++) a.send(Uint8Array.of(0), B);
    await clock.advance(10);
    // Binomial(10,000, 0.2) has a standard deviation of 40 datagrams; allow about 5 of them.
    expect(net.stats.dropped).toBeGreaterThan(1_800);
    expect(net.stats.dropped).toBeLessThan(2_200);
    expect(received).toBe(10_000 - net.stats.dropped);
    expect(net.stats.delivered).toBe(received);
  });

  it('applies per-link loss, most specific first', async () => {
    const { clock, net } = setup();
    const a = net.bind(A);
    const c = net.bind(C);
    const atB = arrivals(clock, net.bind(B));
    net.setLoss('*', B, 1);
    net.setLoss(C, B, 0);
    a.send(Uint8Array.of(1), B);
    c.send(Uint8Array.of(2), B);
    await clock.advance(5);
    expect(atB).toEqual(['2@5']);
  });

  it('partitions both directions until healed', async () => {
    const { clock, net } = setup();
    const a = net.bind(A);
    const b = net.bind(B);
    const atA = arrivals(clock, a);
    const atB = arrivals(clock, b);
    const atC = arrivals(clock, net.bind(C));

    net.partition(A, B);
    a.send(Uint8Array.of(1), B);
    b.send(Uint8Array.of(2), A);
    a.send(Uint8Array.of(3), C);
    await clock.advance(5);
    expect([atA, atB, atC]).toEqual([[], [], ['3@5']]);

    net.heal(B, A);
    a.send(Uint8Array.of(4), B);
    b.send(Uint8Array.of(5), A);
    await clock.advance(5);
    expect([atA, atB]).toEqual([['5@10'], ['4@10']]);
    expect(net.stats).toMatchObject({ sent: 5, delivered: 3, dropped: 2 });
  });

  it('is reproducible with the same seed and differs with another', async () => {
    const run = async (seed: number): Promise<string[]> => {
      const { clock, net } = setup({ seed, lossRate: 0.3, jitterMs: 20, duplicateRate: 0.1 });
      const a = net.bind(A);
      const log = arrivals(clock, net.bind(B));
      for (let i = 0; i < 100; i++) a.send(Uint8Array.of(i), B);
      await clock.advance(100);
      return log;
    };
    const first = await run(7);
    expect(await run(7)).toEqual(first);
    expect(await run(8)).not.toEqual(first);
  });

  it('duplicates datagrams at about the configured rate', async () => {
    const { clock, net } = setup({ duplicateRate: 0.5, seed: 11 });
    const a = net.bind(A);
    const counts = new Map<number, number>();
    net.bind(B).onDatagram((data) => {
      const id = new DataView(data.buffer, data.byteOffset).getUint16(0);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    });
    for (let i = 0; i < 1_000; i++) {
      const data = new Uint8Array(2);
      new DataView(data.buffer).setUint16(0, i);
      a.send(data, B);
    }
    await clock.advance(10);
    const { duplicated, delivered } = net.stats;
    expect(counts.size).toBe(1_000);
    expect([...counts.values()].every((n) => n === 1 || n === 2)).toBe(true);
    expect(delivered).toBe(1_000 + duplicated);
    expect(duplicated).toBeGreaterThan(420);
    expect(duplicated).toBeLessThan(580);
  });

  it('silently loses datagrams to unbound endpoints and oversize datagrams', async () => {
    const { clock, net } = setup();
    const a = net.bind(A);
    const atB = arrivals(clock, net.bind(B));
    a.send(Uint8Array.of(1), C);
    a.send(new Uint8Array(65_508), B);
    a.send(new Uint8Array(65_507), B);
    await clock.advance(5);
    expect(atB).toEqual(['0@5']);
    expect(net.stats).toEqual({ sent: 3, delivered: 1, dropped: 2, duplicated: 0 });
  });

  it('refuses a taken endpoint and frees it on close', async () => {
    const { clock, net } = setup();
    const a = net.bind(A);
    const b = net.bind(B);
    expect(() => net.bind({ ...B })).toThrow('10.0.0.2:4000');

    a.send(Uint8Array.of(1), B);
    await b.close();
    await b.close();
    await clock.advance(5);
    expect(net.stats.dropped).toBe(1);

    const again = net.bind(B);
    const log = arrivals(clock, again);
    a.send(Uint8Array.of(2), B);
    b.send(Uint8Array.of(3), A);
    await clock.advance(5);
    expect(log).toEqual(['2@10']);
    expect(again.localEndpoint()).toEqual(B);
  });

  it('rejects rates outside 0..1', () => {
    const clock = new SimClock();
    expect(() => new SimNetwork({ clock, lossRate: 1.5 })).toThrow(RangeError);
    expect(() => new SimNetwork({ clock }).setLoss('*', '*', -0.1)).toThrow(RangeError);
  });
});
