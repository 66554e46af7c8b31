// Roaming's trigger: the plain function that decides "the network changed", and the poll around it.
import { describe, expect, it } from 'vitest';
import { type NetworkSnapshot, NetworkWatch, networkChanged } from './network-watch.js';

const home: NetworkSnapshot = { addresses: ['192.168.1.20/255.255.255.0'], gateway: '192.168.1.1' };

describe('networkChanged', () => {
  it('is false for the same addresses and gateway', () => {
    expect(networkChanged(home, { ...home, addresses: [...home.addresses] })).toBe(false);
  });
  it('is true when an address comes, goes or is replaced, or the netmask changes', () => {
    expect(networkChanged(home, { ...home, addresses: [] })).toBe(true);
    expect(networkChanged(home, { ...home, addresses: [...home.addresses, '10.0.0.5/255.0.0.0'] })).toBe(
      true,
    );
    expect(networkChanged(home, { ...home, addresses: ['172.20.10.2/255.255.255.240'] })).toBe(true);
    expect(networkChanged(home, { ...home, addresses: ['192.168.1.20/255.255.0.0'] })).toBe(true);
  });
  it('is true when only the default route moves (same address, another router)', () => {
    expect(networkChanged(home, { ...home, gateway: '192.168.1.254' })).toBe(true);
    expect(networkChanged(home, { ...home, gateway: undefined })).toBe(true);
  });
});

describe('NetworkWatch', () => {
  it('reports a change once, at the next poll, and nothing while the network stays', async () => {
    let current = home;
    const changes: [NetworkSnapshot, NetworkSnapshot][] = [];
    const watch = new NetworkWatch({
      intervalMs: 20,
      read: async () => current,
      onChange: (after, before) => changes.push([after, before]),
    });
    await watch.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(changes).toEqual([]);
    const hotspot = { addresses: ['172.20.10.2/255.255.255.240'], gateway: '172.20.10.1' };
    current = hotspot;
    await new Promise((r) => setTimeout(r, 100));
    watch.stop();
    expect(changes).toEqual([[hotspot, home]]);
  });
});
