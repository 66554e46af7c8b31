// Which peers are our rendezvous: a registration counts while the registrar still lists us (10 min),
// a peer behind a NAT keeps only a few ordinary ones, and a base peer takes no slot.
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../test/support/sim-clock.js';
import { RENDEZVOUS_FRESH_MS } from '../peer-directory.js';
import type { Endpoint } from '../ports.js';
import { MAX_ORDINARY_RENDEZVOUS, OurRendezvous, RENEW_REGISTRATION_MS } from './our-rendezvous.js';

const peer = (n: number): Endpoint => ({ host: `203.0.113.${n}`, port: 7000 });
const BOOTSTRAP = peer(1);
const BASE = peer(2);

function setup() {
  const clock = new SimClock();
  const rendezvous = new OurRendezvous(
    clock,
    (e) => e.host === BOOTSTRAP.host,
    (e) => e.host !== BASE.host,
  );
  return { clock, rendezvous };
}

describe('OurRendezvous', () => {
  it('counts a registration while the registrar lists us, is due for renewal halfway, and forgets it when it lapses', async () => {
    const { clock, rendezvous } = setup();
    rendezvous.registered(peer(10));
    expect(rendezvous.isOurs(peer(10))).toBe(true);
    expect(rendezvous.renewalDue(peer(10))).toBe(false);
    await clock.advance(RENEW_REGISTRATION_MS);
    expect(rendezvous.renewalDue(peer(10))).toBe(true);
    rendezvous.registered(peer(10)); // renewed
    expect(rendezvous.renewalDue(peer(10))).toBe(false);
    await clock.advance(RENDEZVOUS_FRESH_MS);
    // Lapsed: no keepalives toward it (fresh() feeds them), no n/p taken from it.
    expect(rendezvous.isOurs(peer(10))).toBe(false);
    expect(rendezvous.renewalDue(peer(10))).toBe(false);
    expect(rendezvous.fresh()).toEqual([]);
  });

  it(`wants at most ${MAX_ORDINARY_RENDEZVOUS} ordinary rendezvous, renewals always; bootstraps and base peers take no slot`, () => {
    const { rendezvous } = setup();
    rendezvous.registered(BOOTSTRAP);
    rendezvous.registered(BASE);
    for (let n = 10; n < 10 + MAX_ORDINARY_RENDEZVOUS; n++) {
      expect(rendezvous.wants(peer(n))).toBe(true);
      rendezvous.registered(peer(n));
    }
    expect(rendezvous.ordinary()).toHaveLength(MAX_ORDINARY_RENDEZVOUS);
    expect(rendezvous.wants(peer(99))).toBe(false);
    expect(rendezvous.wants(peer(10))).toBe(true);
    expect(rendezvous.wants(BASE)).toBe(true);
    // One refused our renewal (it is full): room for another.
    rendezvous.drop(peer(10));
    expect(rendezvous.isOurs(peer(10))).toBe(false);
    expect(rendezvous.wants(peer(99))).toBe(true);
    expect(rendezvous.isOurs(BOOTSTRAP)).toBe(true);
  });
});
