// Mocha reporter: the spec reporter's output, plus `{passed, failed, pending}` written to
// $TEST_SUMMARY_DIR/<suite>.json so test/run-all.mjs can print one line summing every suite.
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const counts = { passed: 0, failed: 0, pending: 0 };
    runner.on('pass', () => counts.passed++);
    runner.on('fail', () => counts.failed++);
    runner.on('pending', () => counts.pending++);
    runner.once('end', () => {
      const dir = process.env.TEST_SUMMARY_DIR;
      const suite = process.env.TEST_SUITE_NAME || 'suite';
      if (dir) {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, `${suite}.json`), JSON.stringify(counts));
      }
    });
  }
}
module.exports = SummaryReporter;
