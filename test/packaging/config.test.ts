// electron-builder.yml: valid for electron-builder's own JSON schema, and saying what the
// installers issue asks for (targets, per-user NSIS, hardened runtime, Linux desktop entry).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { type BuilderConfig, loadBuilderConfig, PACKAGE_JSON, type PlatformConfig, ROOT } from './support.js';

const config = loadBuilderConfig();
const schema = JSON.parse(readFileSync(join(ROOT, 'node_modules/app-builder-lib/scheme.json'), 'utf8'));

/**
 * Validates like electron-builder (ajv, all errors, unknown keywords of its schema such as
 * `typeof` ignored) but without type coercion, so "true" never passes for true.
 */
const check = new Ajv({ allErrors: true, strict: false, coerceTypes: false }).compile(schema);
function validate(candidate: unknown): string[] {
  if (check(candidate)) return [];
  return (check.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

function targets(platform: PlatformConfig): { target: string; arch: string[] }[] {
  const list = Array.isArray(platform.target) ? platform.target : [platform.target ?? ''];
  return list.map((t) =>
    typeof t === 'string' ? { target: t, arch: [] } : { target: t.target, arch: t.arch ?? [] },
  );
}

/** electron-builder's macros, expanded for one artifact. */
function artifactFile(pattern: string, vars: Record<string, string>): string {
  return pattern.replace(/\$\{(\w+)\}/g, (_, name: string) => vars[name] ?? `<${name}>`);
}

describe('electron-builder.yml against electron-builder’s JSON schema', () => {
  it('is valid for app-builder-lib/scheme.json', () => {
    expect(validate(config)).toEqual([]);
  });

  it('would catch a mistake (the check is not vacuous)', () => {
    const broken = structuredClone(config) as BuilderConfig;
    broken.nsis = { ...broken.nsis, oneClik: false };
    (broken as Record<string, unknown>).asarUnpak = ['**/*.node'];
    broken.npmRebuild = 'yes' as unknown as boolean;
    const errors = validate(broken).join('\n');
    expect(errors).toMatch(/\/nsis must NOT have additional properties/);
    expect(errors).toMatch(/^\/ must NOT have additional properties/m);
    expect(errors).toMatch(/\/npmRebuild must be boolean/);
  });
});

describe('what the installers are', () => {
  it('names the app', () => {
    expect(config.appId).toBe('chat.nance.desktop');
    expect(config.productName).toBe('Nance');
    expect(config.copyright).toMatch(/Nance/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: electron-builder's macros, not JavaScript's
    expect(config.artifactName).toBe('${productName}-${version}-${os}-${arch}.${ext}');
  });

  it('builds NSIS (+ portable) for Windows, dmg and zip per arch for macOS, AppImage and deb for Linux', () => {
    expect(targets(config.win).map((t) => t.target)).toEqual(['nsis', 'portable']);
    expect(targets(config.mac)).toEqual([
      { target: 'dmg', arch: ['x64', 'arm64'] },
      { target: 'zip', arch: ['x64', 'arm64'] },
    ]);
    expect(targets(config.linux).map((t) => t.target)).toEqual(['AppImage', 'deb']);
  });

  it('gives every artifact its own file name', () => {
    const names: string[] = [];
    const plan: [string, PlatformConfig, Record<string, unknown>][] = [
      ['win', config.win, { nsis: config.nsis, portable: config.portable }],
      ['mac', config.mac, { dmg: config.dmg }],
      ['linux', config.linux, { deb: config.deb }],
    ];
    const ext: Record<string, string> = {
      nsis: 'exe',
      portable: 'exe',
      dmg: 'dmg',
      zip: 'zip',
      AppImage: 'AppImage',
      deb: 'deb',
    };
    for (const [os, platform, perTarget] of plan) {
      for (const { target, arch } of targets(platform)) {
        const own = (perTarget[target] as { artifactName?: string } | undefined)?.artifactName;
        const pattern = own ?? platform.artifactName ?? config.artifactName;
        for (const a of arch.length ? arch : ['x64']) {
          names.push(
            artifactFile(pattern, {
              productName: 'Nance',
              version: '0.1.0',
              os,
              arch: a,
              ext: ext[target] ?? target,
            }),
          );
        }
      }
    }
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('Nance-0.1.0-win-x64-setup.exe');
    expect(names).toContain('Nance-0.1.0-win-x64-portable.exe');
    expect(names).toContain('Nance-0.1.0-mac-arm64.dmg');
    expect(names).toContain('Nance-0.1.0-linux-x64.AppImage');
  });

  it('installs per user on Windows, with a Start menu entry and a shortcut name', () => {
    expect(config.nsis).toMatchObject({
      oneClick: false,
      perMachine: false,
      selectPerMachineByDefault: false,
      createStartMenuShortcut: true,
      shortcutName: 'Nance',
    });
    expect(config.win.icon).toBe('assets/icon.ico');
  });

  it('signs macOS builds with the hardened runtime and leaves notarization to credentials', () => {
    expect(config.mac).toMatchObject({
      hardenedRuntime: true,
      gatekeeperAssess: false,
      category: 'public.app-category.social-networking',
      icon: 'assets/icon.icns',
    });
    // Left unset: electron-builder notarizes when APPLE_* credentials are in the environment.
    expect(config.mac).not.toHaveProperty('notarize');
    for (const key of ['entitlements', 'entitlementsInherit'] as const) {
      const file = config.mac[key];
      expect(typeof file).toBe('string');
      const plist = readFileSync(join(ROOT, String(file)), 'utf8');
      expect(plist).toMatch(/<plist version="1.0">/);
      expect(plist).toMatch(/<key>com\.apple\.security\.cs\.allow-jit<\/key>\s*<true\/>/);
    }
  });

  it('describes the Linux app for desktops and package managers', () => {
    expect(config.linux).toMatchObject({
      executableName: 'nance',
      icon: 'assets/icons',
      category: 'Network',
      synopsis: expect.any(String),
      maintainer: expect.stringMatching(/<.+@.+>/),
    });
    const entry = (config.linux.desktop as { entry: Record<string, string> }).entry;
    expect(entry.Name).toBe('Nance');
    expect(entry.Comment).toMatch(/\w/);
    expect(entry.Categories).toBe('Network;Chat;InstantMessaging;');
  });

  it('has the metadata the deb target requires', () => {
    const meta = { ...PACKAGE_JSON, ...config.extraMetadata } as Record<string, unknown>;
    expect(meta.homepage).toMatch(/^https:\/\//);
    expect(meta.author).toMatchObject({ name: expect.any(String), email: expect.stringMatching(/@/) });
    expect(meta.main).toBe('build/src-main/host/electron/main.js');
    // Electron's app name, hence the userData folder: %APPDATA%\\Nance, ~/.config/Nance, ...
    expect(meta.productName).toBe('Nance');
  });

  it('rebuilds native modules for Electron and flips fuses after packing', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.asar).toBe(true);
    expect(config.afterPack).toBe('./scripts/after-pack.cjs');
    expect(existsSync(join(ROOT, config.afterPack))).toBe(true);
  });

  it('points at icons and resources that exist', () => {
    for (const file of [
      config.win.icon,
      config.mac.icon,
      config.linux.icon,
      config.directories.buildResources,
    ]) {
      expect(existsSync(join(ROOT, String(file))), String(file)).toBe(true);
    }
  });

  it('has npm scripts to build each installer', () => {
    expect(PACKAGE_JSON.scripts).toMatchObject({
      icons: 'node scripts/icons.mjs',
      dist: 'npm run build && electron-builder',
      'dist:linux': 'npm run build && electron-builder --linux',
      'dist:mac': 'npm run build && electron-builder --mac',
      'dist:win': 'npm run build && electron-builder --win',
    });
    expect(Object.keys(PACKAGE_JSON.dependencies)).not.toContain('electron');
    expect(Object.keys(PACKAGE_JSON.devDependencies)).toEqual(
      expect.arrayContaining(['electron', 'electron-builder', '@electron/fuses', '@electron/asar']),
    );
  });
});
