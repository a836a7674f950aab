// The one test command: builds every bundle, runs each suite, and ends with one line `N passed, N failed` summed
// over all suites. A suite that wrote no summary (crashed, or ran nothing) counts as a failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const only = process.argv.slice(2);
const summaryDir = mkdtempSync(join(tmpdir(), 'dhm-test-summary-'));
const mocha = ['node_modules/mocha/bin/mocha.js'];
const reporter = ['--reporter', 'test/summary-reporter.cjs'];

const suites = [
  { name: 'server', command: [process.execPath, ...mocha, '--config', 'test/server/.mocharc.json', ...reporter] },
  { name: 'stress', command: [process.execPath, ...mocha, '--config', 'test/stress/.mocharc.json', ...reporter] },
  { name: 'extension-unit', command: [process.execPath, ...mocha, '--config', 'test/extension/unit/.mocharc.json', ...reporter] },
  { name: 'webview', command: [process.execPath, ...mocha, '--config', 'test/webview/.mocharc.json', ...reporter] },
  { name: 'extension', command: [process.execPath, 'test/extension/run-e2e.mjs'] },
].filter((suite) => only.length === 0 || only.includes(suite.name));

// The bundles are built without type checking (esbuild), so the types are checked here first.
for (const step of [['esbuild.mjs'], ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit']]) {
  if (spawnSync(process.execPath, step, { stdio: 'inherit' }).status !== 0) {
    console.log(`${step[0]} failed`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

let passed = 0;
let failed = 0;
const lines = [];
for (const suite of suites) {
  const started = Date.now();
  const run = spawnSync(suite.command[0], suite.command.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, TEST_SUMMARY_DIR: summaryDir, TEST_SUITE_NAME: suite.name },
  });
  const file = join(summaryDir, `${suite.name}.json`);
  let counts = { passed: 0, failed: 0, pending: 0 };
  if (existsSync(file)) counts = JSON.parse(readFileSync(file, 'utf8'));
  const ranNothing = counts.passed + counts.failed === 0;
  const crashed = run.status !== 0 && counts.failed === 0;
  if (ranNothing || crashed) counts.failed += 1;
  passed += counts.passed;
  failed += counts.failed;
  lines.push(
    `${suite.name.padEnd(16)} ${String(counts.passed).padStart(4)} passed ${String(counts.failed).padStart(3)} failed` +
      `${counts.pending ? ` ${counts.pending} pending` : ''}  ${((Date.now() - started) / 1000).toFixed(0)} s` +
      `${ranNothing ? '  (ran no test)' : crashed ? `  (exited ${run.status ?? run.signal})` : ''}`,
  );
}
rmSync(summaryDir, { recursive: true, force: true });
console.log('\nSuites:');
for (const line of lines) console.log(`  ${line}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
