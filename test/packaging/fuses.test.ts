// The Electron fuses: the plain config in scripts/fuses.cjs, and the afterPack hook flipping
// them in stand-in Electron binaries laid out as electron-builder lays out each platform.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as electronFuses from '@electron/fuses';
import { FuseV1Options, FuseVersion, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { requireFromRoot, standInElectronBytes } from './support.js';

type AfterPack = (context: object) => Promise<void>;

const fuses = requireFromRoot('./scripts/fuses.cjs') as typeof import('../../scripts/fuses.cjs');
const afterPack = requireFromRoot('./scripts/after-pack.cjs') as AfterPack & { default: AfterPack };

const REQUIRED = {
  RunAsNode: false,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  EnableCookieEncryption: true,
  GrantFileProtocolExtraPrivileges: false,
};
const ON = 49; // '1'
const OFF = 48; // '0'

describe('fuse config (scripts/fuses.cjs)', () => {
  it('has the required value for every fuse', () => {
    expect(fuses.FUSES).toEqual(REQUIRED);
    expect(Object.isFrozen(fuses.FUSES)).toBe(true);
  });

  it('names only fuses @electron/fuses knows', () => {
    for (const name of Object.keys(fuses.FUSES)) {
      expect(typeof FuseV1Options[name as keyof typeof FuseV1Options], name).toBe('number');
    }
  });

  it('maps to the @electron/fuses config for each platform', () => {
    const linux = fuses.fuseConfigFor(electronFuses, 'linux', 'x64');
    expect(linux).toMatchObject({ version: FuseVersion.V1, resetAdHocDarwinSignature: false });
    for (const [name, value] of Object.entries(REQUIRED)) {
      expect(linux[FuseV1Options[name as keyof typeof FuseV1Options]], name).toBe(value);
    }
    // Fuses left at Electron's defaults are not in the config at all.
    expect(linux).not.toHaveProperty(String(FuseV1Options.LoadBrowserProcessSpecificV8Snapshot));
    expect(fuses.fuseConfigFor(electronFuses, 'win32', 'x64').resetAdHocDarwinSignature).toBe(false);
    expect(fuses.fuseConfigFor(electronFuses, 'darwin', 'x64').resetAdHocDarwinSignature).toBe(false);
    expect(fuses.fuseConfigFor(electronFuses, 'darwin', 'arm64').resetAdHocDarwinSignature).toBe(true);
  });

  it('finds the binary where electron-builder puts it', () => {
    const base = { appOutDir: '/out', productFilename: 'Nance', executableName: 'nance' };
    expect(fuses.electronBinaryPath({ ...base, electronPlatformName: 'win32' })).toBe(
      join('/out', 'Nance.exe'),
    );
    expect(fuses.electronBinaryPath({ ...base, electronPlatformName: 'darwin' })).toBe(
      join('/out', 'Nance.app'),
    );
    expect(fuses.electronBinaryPath({ ...base, electronPlatformName: 'linux' })).toBe(join('/out', 'nance'));
    expect(() => fuses.electronBinaryPath({ ...base, electronPlatformName: 'beos' })).toThrow(/unknown/);
  });
});

describe('afterPack hook (scripts/after-pack.cjs) on stand-in binaries', () => {
  const work = mkdtempSync(join(tmpdir(), 'nance-fuses-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const layouts: [string, string][] = [
    ['linux', 'nance'],
    ['win32', 'Nance.exe'],
    ['darwin', 'Nance.app/Contents/Frameworks/Electron Framework.framework/Electron Framework'],
  ];

  it.each(layouts)('flips the fuses of a %s build', async (platform, binary) => {
    const appOutDir = join(work, platform);
    const file = join(appOutDir, binary);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, standInElectronBytes());
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await afterPack({
      appOutDir,
      electronPlatformName: platform,
      arch: 1, // electron-builder's Arch.x64
      packager: { appInfo: { productFilename: 'Nance' }, executableName: 'nance' },
    });
    log.mockRestore();
    const wire = await getCurrentFuseWire(platform === 'darwin' ? join(appOutDir, 'Nance.app') : file);
    const state = (name: keyof typeof FuseV1Options) => wire[FuseV1Options[name]];
    expect(state('RunAsNode')).toBe(OFF);
    expect(state('EnableNodeOptionsEnvironmentVariable')).toBe(OFF);
    expect(state('EnableNodeCliInspectArguments')).toBe(OFF);
    expect(state('EnableEmbeddedAsarIntegrityValidation')).toBe(ON);
    expect(state('OnlyLoadAppFromAsar')).toBe(ON);
    expect(state('EnableCookieEncryption')).toBe(ON);
    // The window is served from app://, so file:// loses its extra privileges.
    expect(state('GrantFileProtocolExtraPrivileges')).toBe(OFF);
    // Untouched: Electron's default stays.
    expect(state('LoadBrowserProcessSpecificV8Snapshot')).toBe(OFF);
  });

  it('is what electron-builder will call, and fails loudly without a binary', async () => {
    expect(afterPack.default).toBe(afterPack);
    await expect(
      afterPack({
        appOutDir: join(work, 'empty'),
        electronPlatformName: 'linux',
        arch: 1,
        packager: { appInfo: { productFilename: 'Nance' }, executableName: 'nance' },
      }),
    ).rejects.toThrow(/no Electron binary/);
  });
});
