import { describe, expect, it } from 'vitest';
import { KeyDirectory } from './key-directory.js';
import type { Endpoint } from './ports.js';

const at = (n: number): Endpoint => ({ host: `198.51.100.${n}`, port: 7000 });
const K1 = 'a'.repeat(43);
const K2 = 'b'.repeat(43);

describe('KeyDirectory', () => {
  it('a key proven at a new address moved there: the old address stands for nothing, and the move is told', () => {
    const keys = new KeyDirectory();
    const moves: string[] = [];
    keys.onMoved = (key, from, to) => moves.push(`${key.slice(0, 1)} ${from.host} -> ${to.host}`);
    keys.record(at(1), K1, 0);
    keys.record(at(2), K1, 10);
    expect(keys.addressOf(K1)).toEqual(at(2));
    expect(keys.keyAt(at(1))).toBeUndefined();
    expect(keys.keyAt(at(2))).toBe(K1);
    expect(moves).toEqual(['a 198.51.100.1 -> 198.51.100.2']);
  });

  it('a failed proof (forged, missing) leaves the address without a key, and the key nowhere', () => {
    const keys = new KeyDirectory();
    keys.record(at(1), K1, 0);
    keys.record(at(1), undefined, 10);
    expect(keys.keyAt(at(1))).toBeUndefined();
    expect(keys.addressOf(K1)).toBeUndefined();
  });

  it('another key proven at an address: the first key is no longer there', () => {
    const keys = new KeyDirectory();
    keys.record(at(1), K1, 0);
    keys.record(at(1), K2, 10);
    expect(keys.keyAt(at(1))).toBe(K2);
    expect(keys.addressOf(K1)).toBeUndefined();
    expect(keys.addressOf(K2)).toEqual(at(1));
  });

  it('asks for a proof on first contact and once the last one is older than the refresh time', () => {
    const keys = new KeyDirectory({ maxEntries: 10, refreshMs: 1_000 });
    expect(keys.needsProof(at(1), 0)).toBe(true);
    keys.record(at(1), undefined, 0); // a base peer: asked again only after the refresh time too
    expect(keys.needsProof(at(1), 999)).toBe(false);
    expect(keys.needsProof(at(1), 1_000)).toBe(true);
  });

  it('stays within its bound under many addresses: the least recently proven are forgotten', () => {
    const keys = new KeyDirectory({ maxEntries: 3, refreshMs: 60_000 });
    for (let i = 1; i <= 5; i++) keys.record(at(i), `${String(i).repeat(43)}`, i);
    expect([1, 2, 3, 4, 5].map((i) => keys.needsProof(at(i), 10))).toEqual([true, true, false, false, false]);
    expect(keys.addressOf('1'.repeat(43))).toBeUndefined();
    expect(keys.addressOf('5'.repeat(43))).toEqual(at(5));
  });
});
