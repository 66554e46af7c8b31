// electron-builder itself, run offline: `electron-builder --linux dir` with electron-builder.yml
// as it is, except that the Electron distribution is a stand-in folder (the real one is a
// download this machine cannot make) and native modules are not rebuilt (that would rebuild
// better-sqlite3 in node_modules for Electron's ABI and break it for Node). Everything else is
// the real thing: its file selection, its node_modules collection, app.asar with asarUnpack,
// and the afterPack hook flipping fuses.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractFile, listPackage, statFile } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedRepo } from '../../src-main/host/shell/updates.js';
import {
  ELECTRON_MAIN,
  ELECTRON_PRELOAD,
  forbiddenReason,
  listRepoFiles,
  loadBuilderConfig,
  missingBuild,
  RENDERER_INDEX,
  ROOT,
  requireFromRoot,
  selectAppFiles,
  standInElectronBytes,
} from './support.js';

const config = loadBuilderConfig();
const skipReason =
  missingBuild() ??
  (existsSync(join(ROOT, ELECTRON_MAIN))
    ? null
    : `the Electron main process is not built (${ELECTRON_MAIN})`);

describe.skipIf(skipReason !== null)(
  `electron-builder --linux dir, offline, with a stand-in Electron${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let work = '';
    let unpacked = '';
    let asar = '';
    let log = '';
    let files: string[] = [];

    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), 'nance-builder-'));
      const dist = join(work, 'electron-dist');
      mkdirSync(join(dist, 'locales'), { recursive: true });
      mkdirSync(join(dist, 'resources'), { recursive: true });
      writeFileSync(join(dist, 'electron'), standInElectronBytes(), { mode: 0o755 });
      writeFileSync(join(dist, 'locales', 'en-US.pak'), '');
      writeFileSync(join(dist, 'LICENSE'), '');
      writeFileSync(
        join(dist, 'version'),
        (requireFromRoot('electron/package.json') as { version: string }).version,
      );
      const out = join(work, 'release');
      log = execFileSync(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'electron-builder', 'cli.js'),
          '--linux',
          'dir',
          '--x64',
          '--publish',
          'never',
          `-c.electronDist=${dist}`,
          `-c.directories.output=${out}`,
          '-c.npmRebuild=false',
          // As the release workflow fills the publish section (.github/workflows/release.yml).
          '-c.publish.owner=forker',
          '-c.publish.repo=nance-fork',
        ],
        { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      unpacked = join(out, 'linux-unpacked');
      asar = join(unpacked, 'resources', 'app.asar');
      files = listPackage(asar, { isPack: false })
        .map((p) => p.replace(/^[/\\]/, '').replaceAll('\\', '/'))
        .filter((p) => !('files' in statFile(asar, p)));
    }, 240_000);

    afterAll(() => {
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('packs the app the way the files rules say', () => {
      const own = files.filter((p) => !p.startsWith('node_modules/')).sort();
      expect(own).toEqual(selectAppFiles(config, listRepoFiles()).sort());
      for (const entry of [
        ELECTRON_MAIN,
        ELECTRON_PRELOAD,
        RENDERER_INDEX,
        'package.json',
        'assets/tray/tray.png',
      ]) {
        expect(own).toContain(entry);
      }
      expect(own.map((p) => [p, forbiddenReason(p)]).filter(([, why]) => why !== null)).toEqual([]);
    });

    it('writes package.json with the extra metadata and the main entry', () => {
      const pkg = JSON.parse(extractFile(asar, 'package.json').toString('utf8'));
      // productName names the app in Electron, and so its userData folder (…/Nance).
      expect(pkg).toMatchObject({
        main: ELECTRON_MAIN,
        productName: 'Nance',
        homepage: config.extraMetadata?.homepage,
      });
      expect(pkg.devDependencies).toBeUndefined();
    });

    it('adds the production dependencies only, without maps, TypeScript or tests', () => {
      expect(files).toContain('node_modules/better-sqlite3/lib/index.js');
      for (const dev of [
        'electron',
        'electron-builder',
        'vitest',
        'typescript',
        'vite',
        'sharp',
        '@biomejs/biome',
      ]) {
        expect(
          files.some((p) => p.startsWith(`node_modules/${dev}/`)),
          dev,
        ).toBe(false);
      }
      expect(files.filter((p) => /\.(map|ts|cts|mts|tsx)$/.test(p))).toEqual([]);
    });

    it('unpacks better-sqlite3’s addon next to the asar', () => {
      const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
      expect(statFile(asar, addon)).toMatchObject({ unpacked: true });
      expect(existsSync(join(`${asar}.unpacked`, addon))).toBe(true);
      expect(existsSync(join(`${asar}.unpacked`, 'node_modules/better-sqlite3/deps'))).toBe(false);
    });

    it('writes the update feed the app reads: the repository the release named, read by publishedRepo', () => {
      const feed = readFileSync(join(unpacked, 'resources', 'app-update.yml'), 'utf8');
      expect(load(feed)).toMatchObject({ provider: 'github', owner: 'forker', repo: 'nance-fork' });
      expect(publishedRepo(feed)).toEqual({ owner: 'forker', repo: 'nance-fork' });
    });

    it('runs the afterPack hook, which flips the fuses in the renamed executable', async () => {
      expect(log).toMatch(/fuses flipped {2}platform=linux arch=x64/);
      const exe = join(unpacked, String(config.linux.executableName));
      expect(readFileSync(exe).subarray(0, 10).toString('latin1')).toBe('stand-in f');
      const wire = await getCurrentFuseWire(exe);
      expect(String.fromCharCode(wire[FuseV1Options.RunAsNode] ?? 0)).toBe('0');
      expect(String.fromCharCode(wire[FuseV1Options.OnlyLoadAppFromAsar] ?? 0)).toBe('1');
      expect(String.fromCharCode(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation] ?? 0)).toBe('1');
    });
  },
);
