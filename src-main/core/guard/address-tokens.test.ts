import { describe, expect, it } from 'vitest';
import { AddressTokens } from './address-tokens.js';

const WINDOW = 600_000;
const A = '198.51.100.7:4000';

describe('AddressTokens', () => {
  const tokens = new AddressTokens(WINDOW, new Uint8Array(32).fill(7));

  it('a token verifies for the address it was issued to, in its window and the next', () => {
    const t = tokens.issue(A, 5 * WINDOW + 10);
    expect(t).toMatch(/^[0-9a-z]+_[A-Za-z0-9_-]{22}$/);
    expect(tokens.verify(A, t, 5 * WINDOW + 20)).toBe(true);
    expect(tokens.verify(A, t, 6 * WINDOW + 5)).toBe(true);
    expect(tokens.verify(A, t, 7 * WINDOW)).toBe(false);
    expect(tokens.verify(A, t, 4 * WINDOW)).toBe(false); // from the future
  });

  it('not for another address, not even another port', () => {
    const t = tokens.issue(A, 0);
    expect(tokens.verify('198.51.100.7:4001', t, 0)).toBe(false);
    expect(tokens.verify('198.51.100.8:4000', t, 0)).toBe(false);
  });

  it('not when any character is changed, nor when the window is relabelled', () => {
    const t = tokens.issue(A, 3 * WINDOW);
    const mac = t.slice(t.indexOf('_') + 1);
    for (let i = 0; i < mac.length; i++) {
      const c = mac[i] === 'A' ? 'B' : 'A';
      expect(
        tokens.verify(
          A,
          `${t.slice(0, t.indexOf('_') + 1)}${mac.slice(0, i)}${c}${mac.slice(i + 1)}`,
          3 * WINDOW,
        ),
      ).toBe(false);
    }
    expect(tokens.verify(A, `${(4).toString(36)}_${mac}`, 4 * WINDOW)).toBe(false);
  });

  it('another secret (a restarted peer) refuses every old token', () => {
    const t = tokens.issue(A, 0);
    expect(new AddressTokens(WINDOW, new Uint8Array(32).fill(8)).verify(A, t, 0)).toBe(false);
    expect(new AddressTokens(WINDOW).verify(A, t, 0)).toBe(false);
  });

  it('garbage is refused without throwing', () => {
    for (const g of [
      '',
      '_',
      'x',
      '0'.repeat(48),
      'zzzzzzzzzzzzz_aaaaaaaaaaaaaaaaaaaaaa',
      `1_${'a'.repeat(23)}`,
    ]) {
      expect(tokens.verify(A, g, 0)).toBe(false);
    }
  });
});
