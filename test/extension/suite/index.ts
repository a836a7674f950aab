// Entry point the extension host loads (`extensionTestsPath`): runs the suites with mocha's programmatic API and
// leaves `{passed, failed, pending}` in the file run.json names, for the launcher to add to the test summary.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Mocha from 'mocha';
import { runConfig } from './runConfig';

export function run(): Promise<void> {
  const config = runConfig();
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  // The suites are bundled into this file: expose describe/it, then load them in order.
  mocha.suite.emit('pre-require', globalThis, 'bundle', mocha);
  require('./extension.test');
  require('./mcpProvider.test');
  require('./agentMode.test');
  require('./editor.test');

  return new Promise((resolve, reject) => {
    const counts = { passed: 0, failed: 0, pending: 0 };
    const runner = mocha.run((failures) => {
      mkdirSync(dirname(config.resultsFile), { recursive: true });
      writeFileSync(config.resultsFile, JSON.stringify(counts));
      if (failures > 0) reject(new Error(`${failures} extension host test(s) failed`));
      else resolve();
    });
    runner.on('pass', () => counts.passed++);
    runner.on('fail', () => counts.failed++);
    runner.on('pending', () => counts.pending++);
  });
}
