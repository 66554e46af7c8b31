// The layer rules of docs/architecture.md, checked on every import in the tree.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir: string): string[] {
  const abs = path.join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs).flatMap((name) => {
    const full = path.join(abs, name);
    const rel = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(rel);
    return /\.(ts|tsx|cts)$/.test(name) && !/\.test\.tsx?$/.test(name) ? [rel] : [];
  });
}

/** Every module specifier a file imports, resolved to a project path when relative. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const specs = [
    ...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]/g),
  ];
  return specs.map((m) => {
    const spec = (m[1] ?? m[2]) as string;
    return spec.startsWith('.') ? path.join(path.dirname(file), spec) : spec;
  });
}

/** What the app runs: the CLI, and the Electron main process with its preload. */
const ENTRY_POINTS = [
  'src-main/host/cli/main.ts',
  'src-main/host/electron/main.ts',
  'src-main/host/electron/preload.cts',
];

/** The source file an import of `x.js` / `x.cjs` names. */
function sourceOf(spec: string): string {
  return spec.replace(/\.js$/, '.ts').replace(/\.cjs$/, '.cts');
}

interface Rule {
  layer: string;
  forbidden: RegExp;
  why: string;
}

const rules: Rule[] = [
  {
    layer: 'src-shared',
    forbidden: /^(node:|electron|src-main|src-renderer|better-sqlite3)/,
    why: 'pure TypeScript',
  },
  {
    layer: 'src-renderer',
    forbidden: /^(node:|electron|src-main|better-sqlite3)/,
    why: 'talks to main only through the contract',
  },
  {
    layer: 'src-main/core',
    // node:crypto alone: pure computation (address tokens' HMAC), the same in the simulator.
    forbidden: /^(node:(?!crypto$)|electron|better-sqlite3|stun|src-main\/(net|nat|store|host|service))/,
    why: 'depends on ports only (and node:crypto), so it runs over the simulator',
  },
  { layer: 'src-main/net', forbidden: /^(electron|src-main\/(host|service|store))/, why: 'an adapter' },
  { layer: 'src-main/nat', forbidden: /^(electron|src-main\/(host|service|store))/, why: 'an adapter' },
  { layer: 'src-main/store', forbidden: /^(electron|src-main\/(host|service|net|nat))/, why: 'an adapter' },
  { layer: 'src-main/service', forbidden: /^(electron|src-main\/host)/, why: 'shared by every host' },
];

describe('layer rules', () => {
  for (const rule of rules) {
    it(`${rule.layer} imports nothing forbidden (${rule.why})`, () => {
      const files = sources(rule.layer).filter((f) => !f.includes(`${path.sep}types${path.sep}`));
      const violations = files.flatMap((f) =>
        importsOf(f)
          .filter((spec) => rule.forbidden.test(spec))
          .map((spec) => `${f} -> ${spec}`),
      );
      expect(violations).toEqual([]);
    });
  }

  it('nothing under src-main imports test support (it would ship with the app)', () => {
    const offenders = sources('src-main').flatMap((f) =>
      importsOf(f)
        .filter((spec) => /^(test|e2e|bench)\//.test(spec))
        .map((spec) => `${f} -> ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('every module under src-main is reached from an entry point (no test-only code ships)', () => {
    const reached = new Set<string>();
    const visit = (file: string) => {
      if (reached.has(file) || !existsSync(path.join(root, file))) return;
      reached.add(file);
      for (const spec of importsOf(file)) if (spec.startsWith('src-')) visit(sourceOf(spec));
    };
    for (const entry of ENTRY_POINTS) visit(entry);
    const unreached = sources('src-main').filter(
      (f) => !reached.has(f) && !f.includes(`${path.sep}types${path.sep}`) && !f.endsWith('.d.ts'),
    );
    expect(unreached).toEqual([]);
  });

  it('only src-main/host/electron imports electron', () => {
    const all = ['src-main', 'src-shared'].flatMap(sources);
    const offenders = all.filter(
      (f) =>
        !f.startsWith(path.join('src-main', 'host', 'electron')) &&
        importsOf(f).some((s) => s === 'electron'),
    );
    expect(offenders).toEqual([]);
  });
});
