// Adds vitest's counts (from its JSON report) and, when given, Playwright's (from its JSON
// reporter) to the checks that ran before them and prints the closing line CI reads:
// "N passed, N failed[, N skipped]". Exits non-zero when anything failed.
// Usage: node scripts/summarize.mjs CHECKS_PASSED CHECKS_FAILED VITEST_JSON[,VITEST_JSON...] [PLAYWRIGHT_JSON]
import { existsSync, readFileSync } from 'node:fs';

const [checksPassed = '0', checksFailed = '0', report, playwrightReport] = process.argv.slice(2);
let passed = Number(checksPassed);
let failed = Number(checksFailed);
let skipped = 0;

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

// VITEST_JSON may name several reports, comma-separated (the parallel and the serial run).
for (const file of (report ?? '').split(',').filter(Boolean)) {
  const vitest = existsSync(file) ? readJson(file) : undefined;
  if (!vitest) {
    failed += 1;
    console.log(`vitest produced no report (${file})`);
    continue;
  }
  passed += vitest.numPassedTests;
  failed += vitest.numFailedTests;
  skipped += vitest.numPendingTests + vitest.numTodoTests;
  // A file that failed to load has no tests but is a failure.
  failed += vitest.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
}
if (!report) {
  failed += 1;
  console.log('vitest produced no report');
}

if (playwrightReport !== undefined) {
  const pw = existsSync(playwrightReport) ? readJson(playwrightReport) : undefined;
  if (pw?.stats) {
    const { expected = 0, unexpected = 0, flaky = 0, skipped: pwSkipped = 0 } = pw.stats;
    passed += expected;
    // With retries 0 nothing is flaky; if retries are ever allowed, a test that needed one still fails here.
    failed += unexpected + flaky;
    skipped += pwSkipped;
    // Errors outside any test (a spec that does not load, a failing beforeAll with no test run).
    const loose = Array.isArray(pw.errors) ? pw.errors.length : 0;
    if (loose > 0 && unexpected === 0) {
      failed += 1;
      console.log(`playwright reported ${loose} error(s) outside tests`);
    }
  } else {
    failed += 1;
    console.log('playwright produced no report');
  }
}

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
