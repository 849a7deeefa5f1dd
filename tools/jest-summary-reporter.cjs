// Appends each jest run's totals to tmp/jest-summary.jsonl so .ci/run can print one closing line
// ("N passed, N failed") for the whole workspace: nx runs one jest process per package.
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const file = path.join(__dirname, '..', 'tmp', 'jest-summary.jsonl');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const row = {
      suite: path.basename(process.cwd()),
      passed: results.numPassedTests,
      failed: results.numFailedTests,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    fs.appendFileSync(file, JSON.stringify(row) + '\n');
  }
}
module.exports = SummaryReporter;
