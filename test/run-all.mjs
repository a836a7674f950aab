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

// What each suite needs from Debian: the real registry and Redis for the server suites, Chromium for the webview, and
// for the extension suite Chromium plus what code-server's native modules are compiled with on its first run.
const DEBIAN_NEEDS = {
  server: [['docker-registry', 'command'], ['redis-server', 'command']],
  stress: [['docker-registry', 'command']],
  webview: [['chromium', 'command']],
  extension: [['chromium', 'command'], ['libkrb5-dev', 'package'], ['pkg-config', 'command'], ['g++', 'command'], ['make', 'command'], ['python3', 'command']],
};
const has = (name, kind) =>
  kind === 'command'
    ? spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0
    : spawnSync('dpkg', ['-s', name], { stdio: 'ignore' }).status === 0;
const missing = [...new Set(suites.flatMap((suite) => (DEBIAN_NEEDS[suite.name] ?? []).filter(([name, kind]) => !has(name, kind)).map(([name]) => name)))];
if (missing.length > 0) {
  const install = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  const canInstall = process.getuid?.() === 0 && has('apt-get', 'command');
  if (!canInstall) {
    console.log(`The tests need ${missing.join(', ')}. Install them first (Debian/Ubuntu):\n  sudo sh -c '${install}'`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  console.log(`installing ${missing.join(', ')} (apt-get)`);
  const run = spawnSync('sh', ['-c', install], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (run.status !== 0) {
    console.log(`apt-get could not install ${missing.join(', ')}; run: ${install}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

// The bundles are built without type checking (esbuild), so the types are checked here first.
for (const step of [['esbuild.mjs'], ['node_modules/typescript/bin/tsc', '-b']]) {
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
