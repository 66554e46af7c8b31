// The one record of "this address answered us": exact per address and port, forgotten after its
// age limit (the address may have changed hands), and bounded whatever the number of addresses.
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../test/support/sim-clock.js';
import { AnsweredAddresses } from './answered-addresses.js';

const at = (port: number) => ({ host: '198.51.100.7', port });

describe('AnsweredAddresses', () => {
  it('knows exactly the address and port that answered', () => {
    const answered = new AnsweredAddresses(new SimClock());
    answered.note(at(7000));
    expect(answered.has(at(7000))).toBe(true);
    expect(answered.has(at(7001))).toBe(false);
    expect(answered.has({ host: '198.51.100.8', port: 7000 })).toBe(false);
  });

  it('forgets an answer older than maxAgeMs; a fresh answer counts again', async () => {
    const clock = new SimClock();
    const answered = new AnsweredAddresses(clock, { maxAddresses: 10, maxAgeMs: 60_000 });
    answered.note(at(7000));
    await clock.advance(60_000);
    expect(answered.has(at(7000))).toBe(true);
    await clock.advance(1);
    expect(answered.has(at(7000))).toBe(false);
    answered.note(at(7000));
    expect(answered.has(at(7000))).toBe(true);
  });

  it('keeps at most maxAddresses, forgetting the least recently answered', () => {
    const answered = new AnsweredAddresses(new SimClock(), { maxAddresses: 3, maxAgeMs: 60_000 });
    for (const port of [1, 2, 3]) answered.note(at(port));
    answered.note(at(1)); // answered again: now the most recent
    answered.note(at(4));
    expect([1, 2, 3, 4].map((port) => answered.has(at(port)))).toEqual([true, false, true, true]);
  });
});
