import { describe, expect, it } from 'vitest';
import {
  formatDesktopSettings,
  isAddressInUse,
  parseDesktopArgs,
  parseDesktopSettings,
  portAttempts,
} from './desktop-config.js';

describe('parseDesktopArgs', () => {
  it('no flag: no data dir (Electron userData is used)', () => {
    expect(parseDesktopArgs(['/usr/bin/electron', '.'])).toEqual({ dataDir: undefined });
  });

  it('--data-dir DIR and --data-dir=DIR; the last one wins', () => {
    expect(parseDesktopArgs(['electron', '.', '--data-dir', '/tmp/a'])).toEqual({ dataDir: '/tmp/a' });
    expect(parseDesktopArgs(['Nance.exe', '--data-dir=C:\\nance'])).toEqual({ dataDir: 'C:\\nance' });
    expect(parseDesktopArgs(['e', '--data-dir', '/a', '--data-dir=/b'])).toEqual({ dataDir: '/b' });
  });

  it('ignores Chromium switches and a flag without a value', () => {
    expect(parseDesktopArgs(['e', '--no-sandbox', '--data-dir', '--inspect'])).toEqual({
      dataDir: undefined,
    });
    expect(parseDesktopArgs(['e', '--data-dir'])).toEqual({ dataDir: undefined });
    expect(parseDesktopArgs(['e', '--data-dir='])).toEqual({ dataDir: undefined });
    expect(parseDesktopArgs(['e', '--data-directory=/x'])).toEqual({ dataDir: undefined });
  });
});

describe('desktop settings file', () => {
  it('round-trips the UDP port', () => {
    expect(parseDesktopSettings(formatDesktopSettings({ udpPort: 7000 }))).toEqual({ udpPort: 7000 });
  });

  it('no file, bad JSON or a bad port: port 0', () => {
    for (const text of [
      null,
      '',
      '{',
      'null',
      '[]',
      '{"udpPort":"7000"}',
      '{"udpPort":70000}',
      '{"udpPort":-1}',
      '{"udpPort":1.5}',
    ]) {
      expect(parseDesktopSettings(text)).toEqual({ udpPort: 0 });
    }
  });
});

describe('portAttempts', () => {
  it('the saved port, then any free one; only any free one when none is saved', () => {
    expect(portAttempts(7000)).toEqual([7000, 0]);
    expect(portAttempts(0)).toEqual([0]);
  });
});

describe('isAddressInUse', () => {
  it('finds EADDRINUSE on the error or its causes', () => {
    const inUse = Object.assign(new Error('bind'), { code: 'EADDRINUSE' });
    expect(isAddressInUse(inUse)).toBe(true);
    expect(isAddressInUse(new Error('Cannot bind UDP 0.0.0.0:7000: in use', { cause: inUse }))).toBe(true);
    expect(isAddressInUse(Object.assign(new Error('x'), { code: 'EACCES' }))).toBe(false);
    expect(isAddressInUse(new Error('x'))).toBe(false);
    expect(isAddressInUse(undefined)).toBe(false);
  });
});
