// scripts/merge-release-assets.mjs, run as the release workflow runs it, on build artifacts laid
// out as actions/download-artifact writes them (one folder per build job). The merged Mac feed is
// read back the way electron-updater reads it (its own file list, arch filter and zip choice).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, requireFromRoot } from '../packaging/support.js';

const SCRIPT = join(ROOT, 'scripts', 'merge-release-assets.mjs');

interface FeedFile {
  url: string;
  sha512: string;
  size: number;
}
interface Feed {
  version: string;
  files: FeedFile[];
  path: string;
  sha512: string;
  releaseDate: string;
}
interface Resolved {
  url: URL;
  info: FeedFile;
}
const { resolveFiles, findFile } = requireFromRoot('electron-updater/out/providers/Provider.js') as {
  resolveFiles: (feed: Feed, base: URL) => Resolved[];
  findFile: (files: Resolved[], ext: string, not?: string[]) => Resolved | null;
};
const { MacUpdater } = requireFromRoot('electron-updater/out/MacUpdater.js') as {
  MacUpdater: { filterFilesForArch: (files: Resolved[], isArm64Mac: boolean) => Resolved[] };
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nance-release-assets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** One build job's artifact: its files, and the feed electron-builder writes naming `feedFiles`. */
function artifact(
  part: string,
  files: Record<string, string>,
  feed?: { name: string; version?: string; files: string[] },
) {
  const folder = join(dir, 'parts', part);
  mkdirSync(folder, { recursive: true });
  for (const [name, body] of Object.entries(files)) writeFileSync(join(folder, name), body);
  if (!feed) return;
  const entries = feed.files.map((url) => {
    const bytes = Buffer.from(files[url] ?? `missing ${url}`);
    return { url, sha512: createHash('sha512').update(bytes).digest('base64'), size: bytes.length };
  });
  const [main] = entries;
  const body: Feed = {
    version: feed.version ?? '1.2.3',
    files: entries,
    path: main?.url ?? '',
    sha512: main?.sha512 ?? '',
    releaseDate: `2026-12-06T10:0${part.length % 10}:00.000Z`,
  };
  writeFileSync(join(folder, feed.name), dump(body));
}

function merge(): { code: number; out: string } {
  try {
    const out = execFileSync(process.execPath, [SCRIPT, join(dir, 'parts'), join(dir, 'assets')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { code: 0, out };
  } catch (error) {
    const e = error as { status: number; stderr: string };
    return { code: e.status, out: e.stderr };
  }
}

const assetsFeed = (name: string) => load(readFileSync(join(dir, 'assets', name), 'utf8')) as Feed;

/** The zip electron-updater on a Mac of this architecture downloads from `feed`. */
function zipFor(feed: Feed, isArm64Mac: boolean): string | undefined {
  const files = resolveFiles(feed, new URL('https://example.invalid/releases/download/v1.2.3/'));
  return findFile(MacUpdater.filterFilesForArch(files, isArm64Mac), 'zip', ['pkg', 'dmg'])?.info.url;
}

function macBuilds() {
  artifact(
    'release-2',
    {
      'Nance-1.2.3-mac-arm64.zip': 'arm zip',
      'Nance-1.2.3-mac-arm64.dmg': 'arm dmg',
      'Nance-1.2.3-mac-arm64.zip.blockmap': 'b',
    },
    { name: 'latest-mac.yml', files: ['Nance-1.2.3-mac-arm64.zip', 'Nance-1.2.3-mac-arm64.dmg'] },
  );
  artifact(
    'release-3',
    {
      'Nance-1.2.3-mac-x64.zip': 'x64 zip',
      'Nance-1.2.3-mac-x64.dmg': 'x64 dmg',
      'Nance-1.2.3-mac-x64.zip.blockmap': 'b',
    },
    { name: 'latest-mac.yml', files: ['Nance-1.2.3-mac-x64.zip', 'Nance-1.2.3-mac-x64.dmg'] },
  );
}

describe('merge-release-assets', () => {
  it('merges the two Mac feeds, so electron-updater on each Mac finds its own zip', () => {
    macBuilds();
    artifact(
      'release-0',
      { 'Nance-1.2.3-linux-x64.AppImage': 'appimage', 'Nance-1.2.3-linux-x64.deb': 'deb' },
      { name: 'latest-linux.yml', files: ['Nance-1.2.3-linux-x64.AppImage'] },
    );
    const result = merge();
    expect(result.code, result.out).toBe(0);
    const mac = assetsFeed('latest-mac.yml');
    expect(mac.files.map((f) => f.url).sort()).toEqual([
      'Nance-1.2.3-mac-arm64.dmg',
      'Nance-1.2.3-mac-arm64.zip',
      'Nance-1.2.3-mac-x64.dmg',
      'Nance-1.2.3-mac-x64.zip',
    ]);
    expect(zipFor(mac, true)).toBe('Nance-1.2.3-mac-arm64.zip');
    expect(zipFor(mac, false)).toBe('Nance-1.2.3-mac-x64.zip');
    // A feed met once goes through as it was; every other file is copied, none lost.
    expect(assetsFeed('latest-linux.yml').files.map((f) => f.url)).toEqual([
      'Nance-1.2.3-linux-x64.AppImage',
    ]);
    for (const name of ['Nance-1.2.3-linux-x64.deb', 'Nance-1.2.3-mac-x64.zip.blockmap'])
      expect(existsSync(join(dir, 'assets', name)), name).toBe(true);
  });

  it('refuses a file name two builds made, rather than keep one of them', () => {
    artifact('release-0', { 'Nance-1.2.3-mac-arm64.zip': 'one' });
    artifact('release-1', { 'Nance-1.2.3-mac-arm64.zip': 'other' });
    const result = merge();
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/Nance-1\.2\.3-mac-arm64\.zip comes from two builds/);
  });

  it('refuses a feed that names a file no build uploaded', () => {
    artifact(
      'release-1',
      { 'Nance-1.2.3-win-x64-portable.exe': 'portable' },
      { name: 'latest.yml', files: ['Nance-1.2.3-win-x64-setup.exe'] },
    );
    const result = merge();
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/latest\.yml names Nance-1\.2\.3-win-x64-setup\.exe, which no build made/);
  });

  it('refuses Mac feeds of two versions', () => {
    artifact(
      'release-2',
      { 'Nance-1.2.3-mac-arm64.zip': 'a' },
      { name: 'latest-mac.yml', files: ['Nance-1.2.3-mac-arm64.zip'] },
    );
    artifact(
      'release-3',
      { 'Nance-1.2.4-mac-x64.zip': 'b' },
      { name: 'latest-mac.yml', version: '1.2.4', files: ['Nance-1.2.4-mac-x64.zip'] },
    );
    const result = merge();
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/latest-mac\.yml: versions differ \(1\.2\.3, 1\.2\.4\)/);
  });

  it('one Mac feed alone (two per-arch builds, not merged) leaves the other Mac without its zip', () => {
    // The reason for merging: with only the arm64 job's feed, an Intel Mac is offered nothing.
    macBuilds();
    const armOnly = load(readFileSync(join(dir, 'parts', 'release-2', 'latest-mac.yml'), 'utf8')) as Feed;
    expect(zipFor(armOnly, true)).toBe('Nance-1.2.3-mac-arm64.zip');
    expect(() => zipFor(armOnly, false)).toThrow();
  });
});
