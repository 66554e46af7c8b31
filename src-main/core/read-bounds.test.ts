// Every bound of a paged chat read, each against a host in the simulator that breaks exactly that
// one rule (it advertises `page` and answers g/m as told), and the honest cases each bound lets pass.
import { afterEach, describe, expect, it } from 'vitest';
import { decodeWire, encodeWire, SimHarness } from '../../test/support/sim-harness.js';
import { MAX_MESSAGE_JSON_BYTES } from './chat-host.js';
import { NanceError } from './errors.js';
import { PAGE_BYTES } from './peer-client.js';
import { DEFAULT_READ_DEADLINE_MS, MAX_READ_PAGES } from './read-bounds.js';

let h: SimHarness;
afterEach(() => h.close());

interface PageAsked {
  after: number;
  limit: number;
  maxBytes: number;
}

const message = (seq: number, content = 'x') => ({
  uuid: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
  name: 'h',
  content,
  timestamp: '1732412345.123456',
  seq,
});

/**
 * A host that advertises paging and answers each paged g/m with `answer(asked)` (after `delayMs`
 * of virtual time); `asked` counts the pages it was asked for.
 */
function hostileHost(answer: (a: PageAsked) => object, delayMs = 0) {
  h = new SimHarness();
  const reader = h.addPeer({ host: '10.0.0.2', config: { retry: { jitter: 0 } } });
  const probe = h.probe({ host: '10.0.0.7', port: 7000 });
  const stats = { asked: 0 };
  probe.transport.onDatagram((data, from) => {
    const obj = decodeWire(data).obj;
    if (!obj) return;
    if (obj.m === 'p') {
      probe.send({ m: 'R', r: 0, c: { nance: { v: 1, ext: ['page'], role: 'peer' } }, z: obj.z }, from);
      return;
    }
    const a = obj.a as { after?: number; limit?: number; maxBytes?: number } | undefined;
    if (obj.t !== 'g' || obj.d !== 'm' || a?.after === undefined) return;
    stats.asked += 1;
    const reply = encodeWire({
      m: 'R',
      r: 0,
      c: answer({ after: a.after, limit: a.limit ?? 1000, maxBytes: a.maxBytes ?? 65_507 }),
      z: obj.z,
    });
    if (delayMs === 0) probe.send(reply, from);
    else h.clock.setTimeout(() => probe.send(reply, from), delayMs);
  });
  return { reader, host: probe.endpoint, stats };
}

async function readError(
  reader: ReturnType<typeof hostileHost>['reader'],
  host: { host: string; port: number },
  maxMs = 60_000,
) {
  const err = await h.settleError(reader.peer.readChat(host, 'c'), maxMs, 5);
  expect(err).toBeInstanceOf(NanceError);
  return err as NanceError;
}

describe('a paged read refuses a hostile host', () => {
  it('refuses a page larger than the maxBytes asked', async () => {
    const { reader, host } = hostileHost(({ after }) => ({
      messages: [message(after + 1, 'a'.repeat(700)), message(after + 2, 'b'.repeat(700))],
      more: true,
    }));
    const err = await readError(reader, host);
    expect(err.kind).toBe('bad-host');
    expect(err.message).toMatch(/bytes, 1200 asked/);
  });

  it('accepts one message over maxBytes (it cannot be cut), but not one over the largest message', async () => {
    const big = 'b'.repeat(5_000);
    const honest = hostileHost(({ after }) => ({
      messages: after === 0 ? [message(1, big)] : [],
      more: false,
    }));
    const read = await h.settle(honest.reader.peer.readChat(honest.host, 'c'), 60_000, 5);
    expect(read.map((m) => m.content)).toEqual([big]);
    await h.close();

    // Over the largest message a host accepts, yet small enough for one datagram.
    const huge = 'h'.repeat(MAX_MESSAGE_JSON_BYTES - JSON.stringify(message(1, '')).length + 20);
    const hostile = hostileHost(() => ({ messages: [message(1, huge)], more: false }));
    expect((await readError(hostile.reader, hostile.host)).kind).toBe('bad-host');
  });

  it('refuses a seq that does not advance, or falls outside the range asked', async () => {
    const stuck = hostileHost(({ after }) => ({ messages: [message(after)], more: true }));
    expect(await readError(stuck.reader, stuck.host)).toMatchObject({ kind: 'bad-host' });
    expect(stuck.stats.asked).toBe(1);
    await h.close();

    const ahead = hostileHost(({ after, limit }) => ({ messages: [message(after + limit + 1)], more: true }));
    expect(await readError(ahead.reader, ahead.host)).toMatchObject({ kind: 'bad-host' });
    await h.close();

    const backwards = hostileHost(({ after }) => ({
      messages: [message(after + 2), message(after + 1)],
      more: true,
    }));
    expect(await readError(backwards.reader, backwards.host)).toMatchObject({ kind: 'bad-host' });
  });

  it('stops after the most pages an honest chat can need', async () => {
    // Small valid pages, one new message each, and always "more".
    const { reader, host, stats } = hostileHost(({ after }) => ({
      messages: [message(after + 1)],
      more: true,
    }));
    const err = await readError(reader, host);
    expect(err.kind).toBe('bad-host');
    expect(err.message).toMatch(/pages/);
    expect(stats.asked).toBeLessThanOrEqual(MAX_READ_PAGES + 8);
  });

  it('stops after the bytes of a full chat', async () => {
    // Pages just under the size asked, each advancing, forever: the byte bound ends it first.
    const content = 'y'.repeat(PAGE_BYTES - 280);
    const { reader, host, stats } = hostileHost(({ after }) => ({
      messages: [message(after + 1, content)],
      more: true,
    }));
    const err = await readError(reader, host);
    expect(err.kind).toBe('bad-host');
    expect(err.message).toMatch(/bytes of messages/);
    expect(stats.asked).toBeLessThan(1_000);
  });

  it('ends the whole read at the deadline, even while pages are still coming', async () => {
    // Valid pages, slowly: no page or byte bound is reached within the deadline.
    const { reader, host } = hostileHost(
      ({ after }) => ({ messages: [message(after + 1)], more: true }),
      400,
    );
    const start = h.clock.now();
    const err = await readError(reader, host, 120_000);
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/not finished within 30 s/);
    expect(h.clock.now() - start).toBeGreaterThanOrEqual(DEFAULT_READ_DEADLINE_MS);
    expect(h.clock.now() - start).toBeLessThan(DEFAULT_READ_DEADLINE_MS + 500);
  });

  it('the deadline is a setting', async () => {
    h = new SimHarness();
    const reader = h.addPeer({ host: '10.0.0.2', config: { readDeadlineMs: 2_000 } });
    // A host that answers pings (advertising paging) but never a page.
    const probe = h.probe({ host: '10.0.0.7', port: 7000 });
    probe.transport.onDatagram((data, from) => {
      const obj = decodeWire(data).obj;
      if (obj?.m === 'p')
        probe.send({ m: 'R', r: 0, c: { nance: { v: 1, ext: ['page'], role: 'peer' } }, z: obj.z }, from);
    });
    const start = h.clock.now();
    const err = await readError(reader, probe.endpoint);
    expect(err).toMatchObject({ kind: 'timeout', message: expect.stringMatching(/within 2 s/) });
    expect(h.clock.now() - start).toBeLessThan(2_500);
  });
});
