// The `files` and `asarUnpack` rules of electron-builder.yml, evaluated with minimatch against
// file lists: a made-up one with every kind of file, and the repository's real tree.
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';
import {
  createPathFilter,
  ELECTRON_MAIN,
  ELECTRON_PRELOAD,
  forbiddenReason,
  listFiles,
  listRepoFiles,
  loadBuilderConfig,
  missingBuild,
  nodeModulePatterns,
  RENDERER_INDEX,
  ROOT,
  selectAppFiles,
  selectAppFilesWithElectronBuilder,
  selectFiles,
} from './support.js';

const config = loadBuilderConfig();

const MADE_UP = [
  'package.json',
  'package-lock.json',
  'README.md',
  'electron-builder.yml',
  'tsconfig.json',
  ELECTRON_MAIN,
  `${ELECTRON_MAIN}.map`,
  ELECTRON_PRELOAD,
  'build/src-main/host/electron/main.test.js',
  'build/src-main/store/sqlite-store.js',
  'build/src-main/store/sqlite-store.d.ts',
  'build/src-main/store/sqlite-store.spec.cjs',
  'build/src-shared/protocol/codec.js',
  'build/src-shared/protocol/codec.js.map',
  'build/renderer/index.html',
  'build/renderer/favicon.svg',
  'build/renderer/assets/index-abc.js',
  'build/renderer/assets/index-abc.js.map',
  'build/renderer/assets/index-abc.css',
  'build/test/helpers.js',
  'src-main/host/electron/main.ts',
  'src-main/host/electron/preload.cts',
  'src-shared/api.ts',
  'src-renderer/main.tsx',
  'test/packaging/files.test.ts',
  'e2e/app.spec.ts',
  'bench/protocol-bench.mjs',
  'docs/protocol.md',
  'bin/nance.js',
  'scripts/icons.mjs',
  'scripts/after-pack.cjs',
  'assets/icon.svg',
  'assets/icon.png',
  'assets/icon.icns',
  'assets/icon.ico',
  'assets/icons/16x16.png',
  'assets/entitlements.mac.plist',
  'assets/tray/tray.svg',
  'assets/tray/tray.png',
  'assets/tray/tray@2x.png',
  'assets/tray/trayTemplate.png',
  'assets/tray/trayTemplate@2x.png',
  'release/linux-unpacked/resources/app.asar',
  'node_modules/vitest/index.js',
];

describe('files rules on a made-up tree', () => {
  const chosen = selectAppFiles(config, MADE_UP);

  it('take exactly the compiled app, the renderer bundle, the tray images and package.json', () => {
    expect(chosen).toEqual([
      'package.json',
      ELECTRON_MAIN,
      ELECTRON_PRELOAD,
      'build/src-main/store/sqlite-store.js',
      'build/src-shared/protocol/codec.js',
      'build/renderer/index.html',
      'build/renderer/favicon.svg',
      'build/renderer/assets/index-abc.js',
      'build/renderer/assets/index-abc.css',
      'assets/tray/tray.png',
      'assets/tray/tray@2x.png',
      'assets/tray/trayTemplate.png',
      'assets/tray/trayTemplate@2x.png',
    ]);
  });

  it('leave out tests, sources, maps, docs, benchmarks, e2e and tooling', () => {
    for (const path of chosen) expect(forbiddenReason(path), path).toBeNull();
  });

  it('are read the same way by electron-builder’s own matcher', () => {
    expect(selectAppFilesWithElectronBuilder(config, MADE_UP)).toEqual(chosen);
  });
});

const skipReason = missingBuild();
describe.skipIf(skipReason !== null)(
  `files rules on the real tree${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const repo = listRepoFiles();
    const chosen = selectAppFiles(config, repo);

    it('take every file of the build output an app needs', () => {
      const build = listFiles('build').filter((p) => !p.endsWith('.map'));
      expect(build.length).toBeGreaterThan(20);
      expect(chosen).toEqual(expect.arrayContaining(build));
      expect(chosen).toContain(RENDERER_INDEX);
      expect(chosen).toContain('package.json');
      expect(chosen).toContain('assets/tray/trayTemplate@2x.png');
      for (const entry of [ELECTRON_MAIN, ELECTRON_PRELOAD]) {
        if (existsSync(join(ROOT, entry))) expect(chosen).toContain(entry);
      }
    });

    it('take nothing that must not ship', () => {
      const bad = chosen.map((p) => [p, forbiddenReason(p)]).filter(([, why]) => why !== null);
      expect(bad).toEqual([]);
      // The build has maps (vite writes them): they exist and are dropped.
      expect(repo.some((p) => p.startsWith('build/') && p.endsWith('.map'))).toBe(true);
    });

    it('are read the same way by electron-builder’s own matcher', () => {
      expect(selectAppFilesWithElectronBuilder(config, repo)).toEqual(chosen);
    });

    it('ship no simulator or other test support (test/support/*) compiled into the build', () => {
      const moduleName = (p: string) => posix.basename(p).replace(/(\.d)?\.[cm]?[jt]sx?$/, '');
      const support = new Set(
        listFiles('test/support')
          .filter((p) => posix.dirname(p) === 'test/support')
          .map(moduleName),
      );
      expect(support).toContain('sim-network');
      expect(chosen.filter((p) => support.has(moduleName(p)))).toEqual([]);
    });
  },
);

describe('rules for production dependencies', () => {
  const inModule = createPathFilter(nodeModulePatterns(config));
  const sqlite = [
    'node_modules/better-sqlite3/package.json',
    'node_modules/better-sqlite3/lib/index.js',
    'node_modules/better-sqlite3/lib/methods/table.js',
    'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
    'node_modules/better-sqlite3/build/Release/test_extension.node',
    'node_modules/better-sqlite3/build/Release/obj.target/better_sqlite3/src/better_sqlite3.o',
    'node_modules/better-sqlite3/build/Release/.deps/Release/better_sqlite3.node.d',
    'node_modules/better-sqlite3/build/Makefile',
    'node_modules/better-sqlite3/deps/sqlite3/sqlite3.c',
    'node_modules/better-sqlite3/src/better_sqlite3.cpp',
    'node_modules/binary-data/.jest-cache/haste-map-1',
    'node_modules/binary-data/src/index.js',
  ];

  it('keep better-sqlite3’s JavaScript and addon, not its C sources or build objects', () => {
    expect(selectFiles(sqlite, inModule)).toEqual([
      'node_modules/better-sqlite3/package.json',
      'node_modules/better-sqlite3/lib/index.js',
      'node_modules/better-sqlite3/lib/methods/table.js',
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'node_modules/binary-data/src/index.js',
    ]);
  });
});

describe('asarUnpack', () => {
  const unpacked = (path: string) =>
    config.asarUnpack.some((pattern) => minimatch(path, pattern, { dot: true }));

  it('takes better-sqlite3’s native addon out of the asar', () => {
    const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    expect(unpacked(addon)).toBe(true);
    // The addon the store loads today is where the rule expects it.
    expect(existsSync(join(ROOT, addon))).toBe(true);
  });

  it('leaves JavaScript, HTML and package.json inside the asar', () => {
    for (const path of [
      ELECTRON_MAIN,
      ELECTRON_PRELOAD,
      RENDERER_INDEX,
      'package.json',
      'node_modules/better-sqlite3/lib/index.js',
    ]) {
      expect(unpacked(path), path).toBe(false);
    }
  });
});
