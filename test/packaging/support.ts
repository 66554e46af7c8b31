// Shared helpers of the packaging tests: the electron-builder config as electron-builder reads
// it, and the `files` rules evaluated the way electron-builder evaluates them (minimatch, in
// order, "!" rules re-testing what matched).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { Minimatch } from 'minimatch';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const requireFromRoot = createRequire(join(ROOT, 'package.json'));

/** The parts of electron-builder.yml the tests read (the schema test checks the whole of it). */
export interface TargetEntry {
  target: string;
  arch?: string[];
}
export interface PlatformConfig {
  target?: string | (string | TargetEntry)[];
  icon?: string;
  artifactName?: string;
  [key: string]: unknown;
}
export interface BuilderConfig {
  appId: string;
  productName: string;
  copyright: string;
  artifactName: string;
  directories: { output: string; buildResources: string };
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  npmRebuild: boolean;
  afterPack: string;
  extraMetadata?: Record<string, unknown>;
  mac: PlatformConfig;
  win: PlatformConfig;
  linux: PlatformConfig;
  nsis: Record<string, unknown>;
  portable: Record<string, unknown>;
  dmg: Record<string, unknown>;
  deb: Record<string, unknown>;
  [key: string]: unknown;
}

/** electron-builder.yml parsed with js-yaml, the parser electron-builder itself uses. */
export function loadBuilderConfig(): BuilderConfig {
  return load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
}

export const PACKAGE_JSON = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

/** The main-process entry and preload the Electron host compiles to (package.json "main"). */
export const ELECTRON_MAIN = PACKAGE_JSON.main;
export const ELECTRON_PRELOAD = 'build/src-main/host/electron/preload.cjs';
export const RENDERER_INDEX = 'build/renderer/index.html';

/** Why a test needing the build output cannot run, or null when `npm run build` has run. */
export function missingBuild(): string | null {
  const need = ['build/src-main', 'build/src-shared', RENDERER_INDEX];
  const missing = need.filter((p) => !existsSync(join(ROOT, p)));
  return missing.length ? `no build output (${missing.join(', ')}): run \`npm run build\` first` : null;
}

/** Every file under `dir` (recursively), as posix paths relative to ROOT. */
export function listFiles(dir: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const full = join(abs, entry.name);
      const rel = relative(ROOT, full).split(sep).join('/');
      if (skip(rel)) continue;
      if (entry.isDirectory()) walk(full);
      else out.push(rel);
    }
  };
  walk(join(ROOT, dir));
  return out.sort();
}

/** The repository's files, as packaging sees them (no .git, no node_modules, no packaging output). */
export function listRepoFiles(): string[] {
  const config = loadBuilderConfig();
  const skipped = new Set(['.git', 'node_modules', config.directories.output, 'test-results']);
  return listFiles('.', (rel) => skipped.has(rel));
}

// electron-builder's default exclusions (app-builder-lib, fileMatcher.ts): dropped from the app
// whatever `files` says.
const DEFAULT_EXCLUDED_EXTS =
  'iml,hprof,orig,pyc,pyo,rbc,swp,csproj,sln,suo,xproj,cc,d.ts,mk,a,o,obj,forge-meta,pdb';
const DEFAULT_EXCLUDED_NAMES =
  '.git,.hg,.svn,CVS,RCS,SCCS,__pycache__,.DS_Store,thumbs.db,.gitignore,.gitkeep,.gitattributes,' +
  '.npmignore,.idea,.vs,.flowconfig,.jshintrc,.eslintrc,.circleci,.yarn-integrity,' +
  '.yarn-metadata.json,yarn-error.log,yarn.lock,package-lock.json,npm-debug.log,pnpm-lock.yaml,' +
  'bun.lock,bun.lockb,appveyor.yml,.travis.yml,circle.yml,.nyc_output,.husky,.github,electron-builder.env';

function normalizePattern(pattern: string): string {
  const negate = pattern.startsWith('!');
  let body = negate ? pattern.slice(1) : pattern;
  if (body.startsWith('./')) body = body.slice(2);
  return (negate ? '!' : '') + posix.normalize(body);
}

/**
 * The ordered patterns electron-builder applies to the app folder (not node_modules), built as
 * its documentation describes: the `files` rules, package.json always, node_modules and the
 * buildResources and output folders excluded first (so a later rule can take a file back), and
 * its default exclusions last.
 */
export function appFilePatterns(config: BuilderConfig): string[] {
  const patterns = config.files.map(normalizePattern);
  if (!patterns.includes('package.json')) patterns.push('package.json');
  const first = [
    '!**/node_modules/**',
    `!${config.directories.buildResources}{,/**/*}`,
    `!${config.directories.output}{,/**/*}`,
  ];
  let insertAt = 0;
  patterns.forEach((p, i) => {
    if (p.startsWith('**/')) insertAt = i + 1;
  });
  patterns.splice(insertAt, 0, ...first);
  patterns.push(
    `!**/*.{${DEFAULT_EXCLUDED_EXTS}}`,
    '!**/._*',
    '!**/electron-builder.{yaml,yml,json,json5,toml,ts}',
    `!**/{${DEFAULT_EXCLUDED_NAMES}}`,
    '!.yarn{,/**/*}',
    '!.editorconfig',
    '!.yarnrc.yml',
  );
  return patterns;
}

/** The patterns electron-builder applies inside a production dependency: everything, less the "!" rules. */
export function nodeModulePatterns(config: BuilderConfig): string[] {
  return ['**/*', ...config.files.map(normalizePattern).filter((p) => p.startsWith('!'))];
}

export type PathFilter = (path: string, isDirectory: boolean) => boolean;

/**
 * A filter over posix paths relative to the app folder: a path is in when some rule takes it
 * and no later "!" rule drops it. Directories match partially (so `build` passes on the way to
 * `build/src-main/x.js`), and a pattern without a dot or glob also means everything below it.
 */
export function createPathFilter(patterns: string[]): PathFilter {
  const parsed: Minimatch[] = [];
  for (const pattern of patterns) {
    const m = new Minimatch(pattern, { dot: true });
    parsed.push(m);
    const body = m.negate ? pattern.slice(1) : pattern;
    if (!body.includes('.') && !m.hasMagic()) parsed.push(new Minimatch(`${pattern}/**/*`, { dot: true }));
  }
  return (path, isDirectory) => {
    let match = false;
    for (const m of parsed) {
      if (match !== m.negate) continue;
      match = m.match(path, isDirectory && !m.negate);
    }
    return match;
  };
}

/**
 * The files of `paths` a walk with `filter` keeps: a file is kept when it passes and so does
 * every folder above it (electron-builder does not descend into a folder that fails).
 */
export function selectFiles(paths: string[], filter: PathFilter): string[] {
  const dirOk = new Map<string, boolean>();
  const folderPasses = (dir: string): boolean => {
    if (dir === '.' || dir === '') return true;
    const known = dirOk.get(dir);
    if (known !== undefined) return known;
    const ok = folderPasses(posix.dirname(dir)) && filter(dir, true);
    dirOk.set(dir, ok);
    return ok;
  };
  return paths.filter((p) => folderPasses(posix.dirname(p)) && filter(p, false));
}

/** The app files (outside node_modules) that electron-builder would pack, by the rules above. */
export function selectAppFiles(config: BuilderConfig, paths: string[]): string[] {
  return selectFiles(paths, createPathFilter(appFilePatterns(config)));
}

/**
 * The same selection done by electron-builder's own matcher (app-builder-lib's
 * getMainFileMatchers), to prove the rules above read the config the way electron-builder does.
 */
export function selectAppFilesWithElectronBuilder(config: BuilderConfig, paths: string[]): string[] {
  const fileMatcher = requireFromRoot('app-builder-lib/out/fileMatcher.js') as {
    getMainFileMatchers: (
      appDir: string,
      destination: string,
      macroExpander: (s: string) => string,
      platformOptions: object,
      packager: object,
      outDir: string,
      isElectronCompile: boolean,
    ) => { createFilter: () => (file: string, stat: { isDirectory: () => boolean }) => boolean }[];
  };
  const packager = {
    info: {
      isPrepackedAppAsar: false,
      config: structuredClone(config),
      projectDir: ROOT,
      buildResourcesDir: join(ROOT, config.directories.buildResources),
      debugLogger: { isEnabled: false },
    },
  };
  const matchers = fileMatcher.getMainFileMatchers(
    ROOT,
    '/app',
    (s) => s,
    {},
    packager,
    join(ROOT, config.directories.output),
    false,
  );
  const first = matchers[0];
  if (!first) throw new Error('electron-builder made no file matcher');
  const filter = first.createFilter();
  return selectFiles(paths, (p, isDirectory) => filter(join(ROOT, p), { isDirectory: () => isDirectory }));
}

/** Folders of the production dependencies (no devDependencies), as npm lists them. */
export function productionDependencyDirs(): string[] {
  let out: string;
  try {
    out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (error) {
    // npm ls exits non-zero on a tree it finds fault with, but still prints it.
    out = String((error as { stdout?: string }).stdout ?? '');
  }
  return out
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && resolve(line) !== ROOT)
    .map((line) => relative(ROOT, line).split(sep).join('/'))
    .sort();
}

/** Paths that must never reach the app: tests, sources, maps, docs, benchmarks, e2e, tooling. */
export function forbiddenReason(path: string): string | null {
  if (/\.(test|spec)\.[cm]?[jt]sx?$/.test(path)) return 'a test';
  if (/\.[cm]?tsx?$/.test(path)) return 'TypeScript source';
  if (path.endsWith('.map')) return 'a source map';
  if (/^(src-main|src-shared|src-renderer|test|e2e|bench|docs|scripts|bin|\.ci)\//.test(path))
    return 'not app code';
  if (/\.md$/.test(path) && !path.startsWith('node_modules/')) return 'documentation';
  if (
    /^(electron-builder\.yml|tsconfig.*\.json|vite\.config\.ts|vitest\.config\.ts|biome\.json|package-lock\.json)$/.test(
      path,
    )
  )
    return 'tooling';
  if (/^assets\//.test(path) && !/^assets\/tray\/[^/]+\.png$/.test(path)) return 'installer-only asset';
  return null;
}

/** Runs scripts/icons.mjs into `outDir`. */
export function runIconScript(outDir: string): string {
  return execFileSync(process.execPath, [join(ROOT, 'scripts', 'icons.mjs'), '--out', outDir], {
    cwd: ROOT,
    encoding: 'utf8',
  });
}

/** The sentinel @electron/fuses looks for in an Electron binary, followed by the fuse wire. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

/**
 * The bytes of a stand-in for an Electron executable: not a program, only the fuse wire
 * where a real binary has it (version 1, 8 fuses, Electron's defaults: RunAsNode on, cookie
 * encryption off, NODE_OPTIONS on, --inspect on, asar integrity off, asar-only off, V8 snapshot
 * off, file:// privileges on), so @electron/fuses can read and flip it.
 */
export function standInElectronBytes(): Buffer {
  return Buffer.concat([
    Buffer.from('stand-in for the Electron executable\n'),
    Buffer.from(FUSE_SENTINEL, 'latin1'),
    Buffer.from([1, 8]),
    Buffer.from('10110001', 'latin1'),
    Buffer.from('\n'),
  ]);
}
