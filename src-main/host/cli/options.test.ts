// The CLI's LAN discovery flag: on by default, off for a bootstrap, and either way on request.
import { describe, expect, it } from 'vitest';
import { parseOptions } from './options.js';

describe('--lan-discovery', () => {
  it('is on for an ordinary peer and off for a bootstrap by default', () => {
    expect(parseOptions([]).lanDiscovery).toBe(true);
    expect(parseOptions(['--bootstrap']).lanDiscovery).toBe(false);
  });
  it('follows the flags', () => {
    expect(parseOptions(['--no-lan-discovery']).lanDiscovery).toBe(false);
    expect(parseOptions(['--bootstrap', '--lan-discovery']).lanDiscovery).toBe(true);
  });
});
