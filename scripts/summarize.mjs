// Adds vitest's counts (from its JSON report) to the checks that ran before it and prints the
// closing line CI reads: "N passed, N failed". Exits non-zero when anything failed.
import { existsSync, readFileSync } from 'node:fs';

const [checksPassed = '0', checksFailed = '0', report] = process.argv.slice(2);
let passed = Number(checksPassed);
let failed = Number(checksFailed);
let skipped = 0;
if (report && existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  skipped += json.numPendingTests + json.numTodoTests;
  // A file that failed to load has no tests but is a failure.
  failed += json.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
} else {
  failed += 1;
  console.log('vitest produced no report');
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
