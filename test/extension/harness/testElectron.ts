// The same extension-host suites under @vscode/test-electron, the ecosystem's usual runner, which downloads desktop
// VS Code (so it needs the internet, and a display: `xvfb-run -a npm run test:vscode` on a headless Linux). The
// extension runs from the repository (extensionDevelopmentPath) against the registry rig; only the launcher
// differs from harness/e2e.ts. VSCODE_TEST_VERSION picks the VS Code version (default: stable).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { ALICE_DEFAULT_PAT } from '../../rig/images';
import { startRig } from '../../rig/index';
import { prepareEditorRig } from './editorRig';
import { QUIET_WORKBENCH_SETTINGS, REPO, buildSuiteBundle, rigSettings } from './suiteBundle';

export async function main(): Promise<number> {
  const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
  if (build.status !== 0) return 1;
  const root = mkdtempSync(join(tmpdir(), 'dhm-test-electron-'));
  const rig = await startRig();
  let counts = { passed: 0, failed: 0, pending: 0 };
  try {
    const userData = join(root, 'user-data');
    const workspace = join(root, 'workspace');
    mkdirSync(join(userData, 'User'), { recursive: true });
    mkdirSync(workspace, { recursive: true });
    const settings = rigSettings(rig.env);
    writeFileSync(
      join(userData, 'User', 'settings.json'),
      JSON.stringify({
        ...QUIET_WORKBENCH_SETTINGS,
        ...settings,
        // Desktop VS Code asks before running a tool that is not read-only; nobody is there to answer.
        'chat.tools.autoApprove': true,
        'chat.tools.global.autoApprove': true,
      }),
    );
    const resultsFile = join(root, 'results.json');
    const editorRig = await prepareEditorRig(rig);
    const suiteEntry = await buildSuiteBundle({ resultsFile, settings, rigUser: { username: 'alice', token: ALICE_DEFAULT_PAT }, rigControlUrl: editorRig.url });
    try {
      await runTests({
        version: process.env.VSCODE_TEST_VERSION || 'stable',
        extensionDevelopmentPath: REPO,
        extensionTestsPath: suiteEntry,
        launchArgs: [
          workspace,
          '--user-data-dir', userData,
          '--extensions-dir', join(root, 'extensions'),
          '--disable-workspace-trust',
          '--skip-welcome',
          '--skip-release-notes',
        ],
      });
    } catch (err) {
      console.error(`VS Code exited with a failure: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (existsSync(resultsFile)) counts = JSON.parse(readFileSync(resultsFile, 'utf8'));
    else counts.failed += 1;
    await editorRig.stop();
  } finally {
    await rig.stop();
    rmSync(root, { recursive: true, force: true });
  }
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  const summaryDir = process.env.TEST_SUMMARY_DIR;
  if (summaryDir) {
    mkdirSync(summaryDir, { recursive: true });
    writeFileSync(join(summaryDir, `${process.env.TEST_SUITE_NAME || 'extension-vscode'}.json`), JSON.stringify(counts));
  }
  return counts.failed === 0 && counts.passed > 0 ? 0 : 1;
}
