// A `g/i` answer walks its sample only until it is full: what it costs follows the answer, not the
// sample, and what it lists is what filtering the whole sample would have listed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PeerAddress } from '../../src-shared/protocol/index.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { isPrivateAddress } from './addresses.js';
import { AnsweredAddresses } from './answered-addresses.js';
import { PeerDirectory } from './peer-directory.js';
import type { Clock, Endpoint, StoredPeer } from './ports.js';

const NOW = 1_700_000_000_000;
const clock: Clock = { now: () => NOW, setTimeout: () => ({ cancel() {} }) };
const NATS = [
  'Full Cone',
  'Open Internet',
  'Restricted Cone',
  'Port Restricted Cone',
  'Symmetric',
  'Blocked',
];

let store: SqliteStore;
beforeEach(() => {
  store = SqliteStore.open({ path: ':memory:', now: clock.now });
});
afterEach(() => store.close());

/** A small seeded generator, so a failure replays. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Answered addresses that count their lookups: the costly step of a listing. */
class CountedAnswers extends AnsweredAddresses {
  lookups = 0;
  override has(e: Endpoint): boolean {
    this.lookups++;
    return super.has(e);
  }
}

/** `n` peers of every kind a listing rule looks at; about half answered us lately. */
async function table(n: number, random: () => number, answered: AnsweredAddresses): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const peer: StoredPeer = {
        host: random() < 0.2 ? `10.0.${i >> 8}.${i & 255}` : `203.0.${i >> 8}.${i & 255}`,
        port: 4000,
        natType: NATS[Math.floor(random() * NATS.length)] as string,
        role: 'peer',
        firstSeen: NOW,
        lastSeen: NOW,
        failures: random() < 0.1 ? 1 : 0,
      };
      if (random() < 0.6) answered.note(peer);
      return store.registerPeer(peer);
    }),
  );
}

/** The listing rules applied to the whole sample, then sorted and cut (as listFor did before it walked lazily). */
function wholeSample(
  sample: StoredPeer[],
  asker: Endpoint,
  max: number,
  allTypes: boolean,
  answered: AnsweredAddresses,
): PeerAddress[] {
  const base = (t: string) => (t === 'Full Cone' || t === 'Open Internet' ? 'Full Cone' : 'Restricted Cone');
  const later = (p: StoredPeer) => (['Restricted Cone', 'Port Restricted Cone'].includes(p.natType) ? 1 : 0);
  return sample
    .filter((p) => !(p.host === asker.host && p.port === asker.port) && p.failures === 0 && answered.has(p))
    .filter((p) => isPrivateAddress(asker.host) || !isPrivateAddress(p.host))
    .filter((p) => allTypes || !['Symmetric', 'Blocked'].includes(p.natType))
    .sort((a, b) => (allTypes ? later(a) - later(b) : 0))
    .slice(0, max)
    .map((p) => ({ natConeType: allTypes ? p.natType : base(p.natType), ip: p.host, port: p.port }));
}

describe('PeerDirectory.listFor on a bootstrap', () => {
  it('lists what filtering the whole sample lists, for base and traversing askers, public and private', async () => {
    const random = seeded(7);
    const answered = new AnsweredAddresses(clock);
    await table(2_000, random, answered);
    for (let i = 0; i < 200; i++) {
      const at = random();
      const directory = new PeerDirectory(store, clock, answered, 3, () => at);
      const asker = { host: i % 2 ? '10.9.9.9' : '198.51.100.7', port: 5000 };
      const max = 1 + Math.floor(random() * 60);
      const allTypes = i % 3 === 0;
      const sample = [...store.peersFrom(at, Math.max(256, 4 * max))];
      expect(directory.listFor(asker, max, allTypes)).toEqual(
        wholeSample(sample, asker, max, allTypes, answered),
      );
    }
  });

  it('reads rows and looks up whether a peer answered lately only until the answer is full, not for the whole 256-row sample', async () => {
    const answered = new CountedAnswers(clock);
    const random = seeded(3);
    await table(5_000, random, answered);
    const directory = new PeerDirectory(store, clock, answered, 3, () => 0.5);
    answered.lookups = 0;
    const rowsBefore = store.rowsRead;
    const listed = directory.listFor({ host: '198.51.100.7', port: 5000 }, 16);
    expect(listed).toHaveLength(16);
    // About half the rows are listable to a public base asker: ~32 walked, in chunks of 8, 16, 32.
    expect(answered.lookups).toBeLessThan(64);
    expect(store.rowsRead - rowsBefore).toBeLessThanOrEqual(56);
  });
});

describe('PeerDirectory.listFor on an ordinary peer', () => {
  it('lists the bootstraps in its view to a base asker, but none to a peer of ours (it has its own)', () => {
    const answered = new AnsweredAddresses(clock);
    const directory = new PeerDirectory(
      store,
      clock,
      answered,
      3,
      () => 0,
      () => 64,
    );
    const boot = { host: '198.51.100.1', port: 3490 };
    const peer = { host: '203.0.113.5', port: 7000 };
    directory.markAlive(boot, 'Full Cone', 'bootstrap');
    directory.markAlive(peer, 'Open Internet', 'peer');
    answered.note(boot);
    answered.note(peer);
    const asker = { host: '198.51.100.7', port: 5000 };
    const hosts = (allTypes: boolean) => directory.listFor(asker, 16, allTypes).map((p) => p.ip);
    expect(hosts(false).sort()).toEqual([boot.host, peer.host].sort());
    expect(hosts(true)).toEqual([peer.host]);
  });
});
