// What electron-builder is really told by the workflows' build steps. Each step's run line, with
// its matrix entry filled in, goes through bash and the real npm (package.json's dist:* scripts,
// with electron-builder swapped for an argv recorder), and the arguments that arrive are parsed by
// electron-builder's own command line (its yargs setup and normalizeOptions). Nothing may be left
// over as a positional: npm passes a second `--` on, and electron-builder would then drop every
// option after it without a word (--publish never, the publish repository). The step's env goes
// along, with the secrets as GitHub passes them (an unset one is ""), to show which signing
// variables electron-builder is handed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_JSON, ROOT, requireFromRoot } from '../packaging/support.js';

interface Step {
  run?: string;
  env?: Record<string, string>;
}
interface Job {
  strategy?: { matrix: { include?: Record<string, string>[] } };
  steps: Step[];
}
interface Workflow {
  jobs: Record<string, Job>;
}

interface BuilderCli {
  createYargs: () => { parse?: never };
  configureBuildCommand: (yargs: unknown) => { parse: (argv: string[]) => Record<string, unknown> };
  normalizeOptions: (args: Record<string, unknown>) => {
    targets: Map<{ name: string }, Map<number, string[]>>;
    publish?: string;
    config?: { publish?: { owner?: string; repo?: string } };
  };
}
const builder = requireFromRoot('electron-builder/out/builder.js') as BuilderCli;
const { Arch } = requireFromRoot('builder-util') as { Arch: Record<number, string> };
const { PlatformPackager } = requireFromRoot('app-builder-lib/out/platformPackager.js') as {
  PlatformPackager: { prototype: { getCscLink: (this: unknown, extraEnvName?: string) => string | null } };
};

/** The variables electron-builder signs and notarizes with. */
const SIGNING = [
  'CSC_IDENTITY_AUTO_DISCOVERY',
  'CSC_LINK',
  'CSC_KEY_PASSWORD',
  'WIN_CSC_LINK',
  'WIN_CSC_KEY_PASSWORD',
  'APPLE_ID',
  'APPLE_APP_SPECIFIC_PASSWORD',
  'APPLE_TEAM_ID',
];

const work = mkdtempSync(join(tmpdir(), 'nance-builder-args-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A package whose dist:* scripts are the real ones, electron-builder replaced by an argv recorder. */
function recorderPackage(): string {
  const recorder = join(work, 'argv.cjs');
  writeFileSync(
    recorder,
    `const names = ${JSON.stringify(SIGNING)};\n` +
      'const env = Object.fromEntries(names.filter((n) => n in process.env).map((n) => [n, process.env[n]]));\n' +
      "require('node:fs').writeFileSync(process.env.ARGV_OUT, JSON.stringify({ argv: process.argv.slice(2), env }));\n",
  );
  const scripts: Record<string, string> = {};
  for (const [name, command] of Object.entries(PACKAGE_JSON.scripts)) {
    if (!name.startsWith('dist')) continue;
    const swapped = command.replace('npm run build && electron-builder', `node ${JSON.stringify(recorder)}`);
    if (swapped === command)
      throw new Error(`package.json ${name} is not "npm run build && electron-builder ..."`);
    scripts[name] = swapped;
  }
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'recorder', version: '0.0.0', scripts }));
  return work;
}

const ENV = { GITHUB_REPOSITORY: 'forker/nance-fork', GITHUB_REPOSITORY_OWNER: 'forker' };

interface Told {
  argv: string[];
  env: Record<string, string>;
}

/** What electron-builder receives from `run` (a workflow's bash lines) with `stepEnv` set. */
function tell(run: string, cwd: string, stepEnv: Record<string, string> = {}): Told {
  const out = join(work, 'argv.json');
  rmSync(out, { force: true });
  const env: Record<string, string | undefined> = { ...process.env, ...ENV, ...stepEnv, ARGV_OUT: out };
  for (const name of SIGNING) if (!(name in stepEnv)) delete env[name];
  execFileSync('bash', ['-ec', run], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  return JSON.parse(readFileSync(out, 'utf8')) as Told;
}
const argvOf = (run: string, cwd: string) => tell(run, cwd).argv;

/**
 * A step's env as GitHub would set it, given the repository's secrets: `${{ secrets.X }}` is the
 * secret or "" when unset, `${{ secrets.X != '' }}` is "true" or "false". Any other expression
 * is an error, so the check cannot pass by leaving one unread.
 */
function stepEnvWith(env: Record<string, string> | undefined, secrets: Record<string, string>) {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env ?? {})) {
    out[name] = String(value)
      .replace(/\$\{\{ secrets\.(\w+) != '' \}\}/g, (_, s: string) => String((secrets[s] ?? '') !== ''))
      .replace(/\$\{\{ secrets\.(\w+) \}\}/g, (_, s: string) => secrets[s] ?? '');
    if (out[name]?.includes('${{')) throw new Error(`${name}: an expression this check cannot read`);
  }
  return out;
}

/** electron-builder's own choice of certificate (PlatformPackager.getCscLink) under `env`. */
function certificateChosen(env: Record<string, string>, extraEnvName?: string): string | null {
  const saved = Object.fromEntries(SIGNING.map((n) => [n, process.env[n]]));
  try {
    for (const n of SIGNING) delete process.env[n];
    Object.assign(process.env, env);
    const packager = { info: { config: {} }, platformSpecificBuildOptions: {} };
    return PlatformPackager.prototype.getCscLink.call(packager, extraEnvName) ?? null;
  } finally {
    for (const [n, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  }
}

/** The build steps of a workflow, one per matrix entry, with the matrix filled in. */
function buildRuns(
  file: string,
): { entry: Record<string, string>; run: string; env?: Record<string, string> }[] {
  const workflow = load(readFileSync(join(ROOT, '.github', 'workflows', file), 'utf8')) as Workflow;
  const out: { entry: Record<string, string>; run: string; env?: Record<string, string> }[] = [];
  for (const job of Object.values(workflow.jobs)) {
    const step = job.steps.find((s) => /npm run \$\{\{ matrix\.\w+ \}\}/.test(s.run ?? ''));
    if (!step?.run) continue;
    for (const entry of job.strategy?.matrix.include ?? []) {
      const run = step.run.replace(/\$\{\{ matrix\.(\w+) \}\}/g, (_, key: string) => {
        const value = entry[key];
        if (value === undefined) throw new Error(`${file}: matrix entry ${entry.name} has no ${key}`);
        return value;
      });
      expect(run, `${file}: an expression left in ${run}`).not.toContain('${{');
      out.push({ entry, run, ...(step.env ? { env: step.env } : {}) });
    }
  }
  return out;
}

const PLATFORM: Record<string, string> = { 'dist:linux': 'linux', 'dist:win': 'windows', 'dist:mac': 'mac' };

function parsed(argv: string[]) {
  const args = builder.configureBuildCommand(builder.createYargs()).parse(argv);
  const options = builder.normalizeOptions(args);
  const targets = [...options.targets].map(([platform, archs]) => ({
    platform: platform.name,
    archs: [...archs.keys()].map((a) => Arch[a]),
  }));
  return { leftOver: args._ as unknown[], publish: options.publish, config: options.config, targets };
}

// The build lines are bash, run through npm's shell; Windows runs them too, but this check needs
// a POSIX npm shell and runs on Linux (the README's test command) and macOS.
const posix = process.platform !== 'win32';

describe.skipIf(!posix).each(['ci.yml', 'release.yml'])('%s: what electron-builder is told', (file) => {
  const cwd = recorderPackage();
  const runs = buildRuns(file);

  it('has a build step per installer, one architecture each', () => {
    expect(runs.map(({ entry }) => `${entry.script} ${entry.arch}`)).toEqual([
      'dist:linux --x64',
      'dist:win --x64',
      'dist:mac --arm64',
      'dist:mac --x64',
    ]);
  });

  it('every option reaches electron-builder: nothing dropped, never published, the right target', () => {
    const told = runs.map(({ entry, run }) => ({ entry, got: parsed(argvOf(run, cwd)) }));
    for (const { entry, got } of told) {
      expect(got.leftOver, `${entry.name}: dropped by electron-builder`).toEqual([]);
      expect(got.publish, entry.name).toBe('never');
    }
    for (const { entry, got } of told) {
      expect(got.targets, entry.name).toEqual([
        { platform: PLATFORM[entry.script as string], archs: [entry.arch?.replace(/^--/, '')] },
      ]);
    }
  });

  if (file === 'release.yml') {
    it('the feed inside each app names the repository the release is made in', () => {
      for (const { entry, run } of runs) {
        expect(parsed(argvOf(run, cwd)).config?.publish, entry.name).toEqual({
          owner: 'forker',
          repo: 'nance-fork',
        });
      }
    });

    it('without signing secrets, electron-builder gets no certificate (an empty CSC_LINK fails the Mac build)', () => {
      // electron-builder takes CSC_LINK="" as a given certificate ("allow to specify as empty
      // string"): on macOS it then imports the project folder as one and stops, "... not a file".
      for (const { entry, run, env } of runs) {
        const told = tell(run, cwd, stepEnvWith(env, {}));
        expect(told.env.CSC_IDENTITY_AUTO_DISCOVERY, entry.name).toBe('false');
        expect(certificateChosen(told.env), entry.name).toBeNull();
        expect(certificateChosen(told.env, 'WIN_CSC_LINK'), entry.name).toBeNull();
        expect(Object.keys(told.env).sort(), entry.name).toEqual(['CSC_IDENTITY_AUTO_DISCOVERY']);
      }
    });

    it('with them, electron-builder gets each one as set', () => {
      const secrets = Object.fromEntries(SIGNING.slice(1).map((n) => [n, `secret-${n}`]));
      for (const { entry, run, env } of runs) {
        const told = tell(run, cwd, stepEnvWith(env, secrets));
        expect(told.env, entry.name).toEqual({ CSC_IDENTITY_AUTO_DISCOVERY: 'true', ...secrets });
        expect(certificateChosen(told.env), entry.name).toBe('secret-CSC_LINK');
        expect(certificateChosen(told.env, 'WIN_CSC_LINK'), entry.name).toBe('secret-WIN_CSC_LINK');
      }
    });
  }
});

describe.skipIf(!posix)('the check itself', () => {
  it('catches an option after a second `--`', () => {
    const cwd = recorderPackage();
    const got = parsed(argvOf('npm run dist:mac -- --arm64 -- --publish never', cwd));
    expect(got.publish).toBeUndefined();
    expect(got.leftOver).toEqual(['--publish', 'never']);
  });
});
