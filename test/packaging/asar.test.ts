// An app.asar packed offline with @electron/asar from a staging folder assembled by the
// electron-builder.yml rules: the real build output, package.json (with extraMetadata, as
// electron-builder writes it) and the production dependencies.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createPackageWithOptions, extractFile, listPackage, statFile } from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  PACKAGE_JSON,
  productionDependencyDirs,
  RENDERER_INDEX,
  ROOT,
  selectAppFiles,
  selectFiles,
} from './support.js';

const config = loadBuilderConfig();
const skipReason = missingBuild();

describe.skipIf(skipReason !== null)(
  `app.asar packed offline from the build output${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let work = '';
    let asar = '';
    let entries: string[] = [];
    let files: string[] = [];
    let dependencies: string[] = [];

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'nance-asar-'));
      const staging = join(work, 'app');
      const put = (rel: string) => {
        mkdirSync(dirname(join(staging, rel)), { recursive: true });
        copyFileSync(join(ROOT, rel), join(staging, rel));
      };
      for (const rel of selectAppFiles(config, listRepoFiles())) put(rel);
      writeFileSync(
        join(staging, 'package.json'),
        JSON.stringify({ ...PACKAGE_JSON, ...config.extraMetadata }, null, 2),
      );

      dependencies = productionDependencyDirs();
      const inModule = createPathFilter(nodeModulePatterns(config));
      for (const dir of dependencies) {
        for (const rel of selectFiles(
          listFiles(dir, (p) => p.endsWith('/node_modules')),
          inModule,
        ))
          put(rel);
      }

      asar = join(work, 'app.asar');
      const unpack =
        config.asarUnpack.length === 1 ? config.asarUnpack[0] : `{${config.asarUnpack.join(',')}}`;
      await createPackageWithOptions(staging, asar, { unpack });
      entries = listPackage(asar, { isPack: false }).map((p) =>
        p.replace(/^[/\\]/, '').replaceAll('\\', '/'),
      );
      files = entries.filter((p) => !('files' in statFile(asar, p)));
    }, 120_000);

    afterAll(() => {
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('holds the Electron main process, its preload and the renderer page', () => {
      expect(entries).toContain(ELECTRON_MAIN);
      expect(entries).toContain(ELECTRON_PRELOAD);
      expect(entries).toContain(RENDERER_INDEX);
      expect(entries).toContain('assets/tray/trayTemplate.png');
      const pkg = JSON.parse(extractFile(asar, 'package.json').toString('utf8'));
      expect(pkg.main).toBe(ELECTRON_MAIN);
      expect(entries).toContain(pkg.main);
    });

    it('holds the compiled form of every main-process and shared source file', () => {
      const sources = [...listFiles('src-main'), ...listFiles('src-shared')].filter(
        (p) => /\.c?ts$/.test(p) && !/\.(test|spec)\.c?ts$/.test(p) && !p.endsWith('.d.ts'),
      );
      expect(sources.length).toBeGreaterThan(20);
      const missing = sources
        .map((p) => `build/${p.replace(/\.cts$/, '.cjs').replace(/\.ts$/, '.js')}`)
        .filter((p) => !entries.includes(p));
      // A missing one means a stale build (run `npm run build`) or a files rule that drops code.
      expect(missing).toEqual([]);
    });

    it('holds no TypeScript, source maps, tests or other files that must not ship', () => {
      const own = files.filter((p) => !p.startsWith('node_modules/'));
      expect(own.length).toBeGreaterThan(20);
      const bad = own.map((p) => [p, forbiddenReason(p)]).filter(([, why]) => why !== null);
      expect(bad).toEqual([]);
      expect(files.filter((p) => /\.(map|ts|cts|mts|tsx)$/.test(p))).toEqual([]);
      expect(files.filter((p) => /\.(test|spec)\.[cm]?js$/.test(p))).toEqual([]);
    });

    it('holds the production dependencies and no devDependency', () => {
      for (const dep of Object.keys(PACKAGE_JSON.dependencies)) {
        expect(entries, dep).toContain(`node_modules/${dep}/package.json`);
      }
      const top = new Set(
        dependencies.map((d) =>
          d
            .split('/')
            .slice(0, d.startsWith('node_modules/@') ? 3 : 2)
            .join('/'),
        ),
      );
      for (const dev of Object.keys(PACKAGE_JSON.devDependencies)) {
        if (top.has(`node_modules/${dev}`)) continue; // also a production dependency's dependency
        expect(
          entries.some((p) => p.startsWith(`node_modules/${dev}/`)),
          dev,
        ).toBe(false);
      }
      expect(entries.some((p) => p.startsWith('node_modules/electron/'))).toBe(false);
    });

    it('keeps better-sqlite3’s addon outside the archive, in app.asar.unpacked', () => {
      const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
      expect(entries).toContain(addon);
      expect(statFile(asar, addon)).toMatchObject({ unpacked: true });
      const onDisk = join(`${asar}.unpacked`, addon);
      expect(existsSync(onDisk)).toBe(true);
      expect(readFileSync(onDisk).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
      expect(entries).not.toContain('node_modules/better-sqlite3/deps/sqlite3/sqlite3.c');
      expect(statFile(asar, 'node_modules/better-sqlite3/lib/index.js')).not.toMatchObject({
        unpacked: true,
      });
    });
  },
);
