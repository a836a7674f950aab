// The extension in real VS Code (code-server) on a registry rig: builds and installs the VSIX, runs the mocha
// suites inside the extension host, then drives the workbench in Chromium. Writes `{passed, failed, pending}` to
// $TEST_SUMMARY_DIR/$TEST_SUITE_NAME.json and exits non-zero on any failure. Every process it starts runs in its
// own process group and is killed at the end.
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_LAUNCH_OPTIONS } from '../../chromium';
import { formatBytes } from '../../../server/src/contract';
import { ALICE_DEFAULT_PAT } from '../../rig/images';
import { buildLarge } from '../../rig/layerImages';
import { startRig, type Rig } from '../../rig/index';
import { createRunFolders, installExtension, startCodeServer, writeUserSettings, type CodeServer, type RunFolders } from './codeServer';
import { prepareEditorRig } from './editorRig';
import { takeEditorScreenshots } from './editorScreenshots';
import { ensureTestTools } from './tools';
import { EXTENSION_ID, QUIET_WORKBENCH_SETTINGS, REPO, buildSuiteBundle, rigSettings } from './suiteBundle';
import { vsixEntries } from './vsix';
import { THEMES, WIDTHS, pressTitleButton, setSideBarWidth, setTheme, walkExplorer } from './explorerWalk';
import { Workbench } from './workbench';

const SCREENSHOTS = join(REPO, 'test', 'extension', 'screenshots');
const VSIX = join(REPO, 'dockerhub-mcp.vsix');
const HOST_SUITES_TIMEOUT_MS = 240_000;

const counts = { passed: 0, failed: 0, pending: 0 };
const log = (line: string) => console.log(`[e2e] ${line}`);

async function check(title: string, body: () => Promise<void>, onFailure?: () => Promise<void>): Promise<void> {
  const started = Date.now();
  try {
    await body();
    counts.passed++;
    console.log(`  ✔ ${title} (${Date.now() - started} ms)`);
  } catch (err) {
    counts.failed++;
    await onFailure?.().catch(() => undefined);
    console.log(`  ✘ ${title}\n    ${String(err instanceof Error ? (err.stack ?? err.message) : err).replace(/\n/g, '\n    ')}`);
  }
}

function packageExtension(): void {
  rmSync(VSIX, { force: true });
  const result = spawnSync('npm', ['run', '--silent', 'package'], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0 || !existsSync(VSIX)) throw new Error(`npm run package failed (${result.status ?? result.signal})`);
}

function assertVsixContents(entries: string[]): void {
  const allowed = [
    /^extension\.vsixmanifest$/,
    /^\[Content_Types\]\.xml$/,
    /^extension\/package\.json$/,
    /^extension\/readme\.md$/i,
    /^extension\/changelog\.md$/i,
    /^extension\/LICENSE(\.txt)?$/,
    /^extension\/media\/(icon\.png|docker-hub\.svg)$/,
    /^extension\/dist\/extension\.js$/,
    /^extension\/dist\/webview\/[^/]+\.(js|css|ttf)$/,
    /^extension\/server\/dist\/(index\.js|package\.json)$/,
  ];
  const unexpected = entries.filter((entry) => !allowed.some((pattern) => pattern.test(entry)));
  if (unexpected.length > 0) throw new Error(`the VSIX holds files it should not: ${unexpected.join(', ')}`);
  const required = [
    'extension/package.json',
    'extension/dist/extension.js',
    'extension/server/dist/index.js',
    'extension/media/icon.png',
    'extension/media/docker-hub.svg',
    'extension/dist/webview/main.js',
  ];
  const missing = required.filter((name) => !entries.includes(name));
  for (const pattern of [/^extension\/readme\.md$/i, /^extension\/changelog\.md$/i, /^extension\/LICENSE(\.txt)?$/]) {
    if (!entries.some((entry) => pattern.test(entry))) missing.push(String(pattern));
  }
  if (missing.length > 0) throw new Error(`the VSIX lacks ${missing.join(', ')} (it holds ${entries.join(', ')})`);
}

/** Runs the mocha suites inside the extension host; returns their counts. */
async function runHostSuites(browser: Browser, server: CodeServer, folders: RunFolders, extensionDir: string, suiteEntry: string, resultsFile: string) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  try {
    const page = await context.newPage();
    let exit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (exit = resolve));
    // The smoke-test driver hands the extension host's console and its exit code to these.
    const consoleLog = join(SCREENSHOTS, 'extension-host-console.log');
    writeFileSync(consoleLog, '');
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      const line = format(...(Array.isArray(args) ? args : [args]));
      appendFileSync(consoleLog, `${line}\n`);
      // Mocha's report is shown; the workbench's own chatter ([Component] lines, stack traces) stays in the file.
      if (line.trim() && !/^\s*\[[\w.-]+\]/.test(line) && !/\n\s+at .*https?:\/\//.test(line)) console.log(`  [host] ${line}`);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
    const authority = new URL(server.url).host;
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://${authority}${extensionDir}`],
      ['extensionTestsPath', `vscode-remote://${authority}${suiteEntry}`],
    ];
    await page.goto(`${server.url}/?folder=${encodeURIComponent(folders.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const timeout = new Promise<number>((_, reject) =>
      setTimeout(() => reject(new Error(`the extension host suites did not finish within ${HOST_SUITES_TIMEOUT_MS / 1000} s`)), HOST_SUITES_TIMEOUT_MS),
    );
    const code = await Promise.race([exited, timeout]).finally(() => page.screenshot({ path: join(SCREENSHOTS, 'host-suites.png') }).catch(() => undefined));
    if (!existsSync(resultsFile)) throw new Error(`the extension host exited ${code} without writing its results`);
    const host = JSON.parse(readFileSync(resultsFile, 'utf8')) as typeof counts;
    log(`extension host suites: ${host.passed} passed, ${host.failed} failed, exit code ${code}`);
    return { ...host, code };
  } finally {
    await context.close();
  }
}

/** Server processes of this extension's install (Copilot's, and the window's one connection). */
function serverProcesses(extensionDir: string): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.stdout.split('\n').filter((line) => line.includes(join(extensionDir, 'server', 'dist', 'index.js')));
}

/** The walk's pictures that docs/explorer.md and extension/README.md show. */
const DOCS_SCREENSHOTS = [
  ...['search', 'repository', 'tag', 'layers', 'config', 'dockerfile', 'vulnerabilities-app', 'attestations', 'compare', 'cache'].map((step) => `explorer-${step}-300-dark.png`),
  ...['layers', 'vulnerabilities-app', 'compare'].map((step) => `explorer-${step}-700-light.png`),
  ...['vulnerabilities-app', 'layers'].map((step) => `explorer-${step}-300-high-contrast.png`),
];

const WRONG_TOKEN = 'dckr_pat_wrongButWellFormedFakeToken0000';

/** The workbench as a person sees it: MCP: List Servers → start → Running with every tool; token; explorer. */
async function runWorkbenchChecks(browser: Browser, server: CodeServer, folders: RunFolders, expectedTools: number, extensionDir: string, rig: Rig): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  // The web workbench's clipboard is the browser's.
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  // tsx compiles the functions the walk runs inside the webview with keepNames, which wraps them in __name().
  await context.addInitScript({ content: 'globalThis.__name = (target) => target;' });
  const workbench = new Workbench(await context.newPage());
  const shot = (name: string) => workbench.screenshot(join(SCREENSHOTS, name));
  const explorer = () => workbench.webviewFrame('#view > .view', 20_000);
  // Each step leaves a screenshot under its name, whether it passed or not.
  const step = (title: string, screenshot: string, body: () => Promise<void>) =>
    check(title, async () => {
      await body();
      await shot(screenshot);
    }, () => shot(screenshot.replace(/\.png$/, '-failed.png')));
  try {
    await step('the installed extension activates and shows anonymous use in the status bar', '1-workbench.png', async () => {
      await workbench.open(server.url, folders.workspace);
      await workbench.statusBarItem('Docker Hub: anonymous').waitFor({ timeout: 60_000 });
    });

    await step('Show Authentication Status explains anonymous use', '2-auth-anonymous.png', async () => {
      await workbench.runCommand('Docker Hub: Show Authentication Status');
      await workbench.waitForNotification(/used anonymously: public repositories work/);
      await workbench.clearNotifications();
    });

    await step(`MCP: List Servers starts "Docker Hub"; its output shows Running and ${expectedTools} tools`, '3-mcp-running.png', async () => {
      await workbench.runCommand('MCP: List Servers');
      await workbench.pick('Docker Hub');
      await workbench.pick('Start Server');
      // Starting shows the server's output channel, which takes the focus: wait for it before typing anything.
      await workbench.waitForOutput((t) => /Connection state: /.test(t), 30_000);
      await workbench.runCommand('View: Toggle Maximized Panel');
      const text = await workbench.waitForOutput((t) => /Connection state: Running/.test(t) && /Discovered \d+ tools/.test(t), 60_000);
      const discovered = Number(/Discovered (\d+) tools/.exec(text)![1]);
      if (discovered !== expectedTools) throw new Error(`VS Code discovered ${discovered} tools, expected ${expectedTools}`);
      // Back to normal size: the explorer beside it, the server's output still in view.
      await workbench.runCommand('View: Toggle Maximized Panel');
    });

    await step('the explorer has its own activity bar entry; back, search, compare and cache are in its title bar', '4-explorer-container.png', async () => {
      await workbench.runCommand('Docker Hub: Open Explorer');
      await workbench.page.locator('.activitybar [aria-label^="Docker Hub"]').first().waitFor({ timeout: 10_000 });
      await explorer();
      for (const action of ['Back', 'Search', 'Compare Images', 'Cache and Pull Limit']) {
        await workbench.page.locator(`.part.sidebar .actions-container [aria-label^="${action}"]`).first().waitFor({ state: 'attached', timeout: 10_000 });
      }
      // The page itself has no toolbar repeating the title.
      if ((await (await explorer()).locator('.toolbar').count()) > 0) throw new Error('the webview still draws its own toolbar');
    });

    await step('anonymous, vulnerabilities invite a sign-in; its button stores the token and the view reloads by itself', '5-sign-in-card.png', async () => {
      let frame = await explorer();
      await frame.locator('#search-input').fill('app:1');
      await frame.locator('#search-input').press('Enter');
      await frame.locator('button', { hasText: 'Layers, config and Dockerfile' }).click({ timeout: 30_000 });
      await frame.locator('#tab-vulnerabilities').click();
      const card = frame.locator('.state.notice', { hasText: 'Sign in to see vulnerabilities' });
      await card.waitFor({ timeout: 30_000 });
      const shown = await card.innerText();
      if (/DOCKERHUB_|UNAUTHORIZED/.test(shown.replace(/Details[\s\S]*$/, ''))) throw new Error(`server jargon in the card: ${shown}`);
      await card.locator('button', { hasText: 'Set Access Token' }).click();
      await workbench.answerInputBox('alice', /Docker ID/);
      await workbench.answerInputBox(ALICE_DEFAULT_PAT, /personal access token/);
      // The check mark appears only once Docker Hub (the rig's emulator) has accepted the token.
      await workbench.statusBarItem('Docker Hub: alice').locator('.codicon-pass').waitFor({ timeout: 20_000 });
      // The definition changed, so VS Code stops the server that runs with the old credentials.
      await workbench.waitForOutput((t) => /Stopping server Docker Hub/.test(t), 15_000);
      await workbench.waitForNotification(/Signed in to Docker Hub as alice with a personal access token/);
      // No Retry pressed: the explorer asked again with the new login.
      frame = await explorer();
      await frame.locator('.tab-panel .severity-counts').waitFor({ timeout: 30_000 });
      if ((await workbench.page.content()).includes(ALICE_DEFAULT_PAT)) throw new Error('the token appears in the page');
      await workbench.clearNotifications();
    });

    await step('Show Authentication Status verifies the stored token with Docker Hub', '6-auth-verified.png', async () => {
      await workbench.runCommand('Docker Hub: Show Authentication Status');
      await workbench.waitForNotification(/Signed in to Docker Hub as alice \(personal access token\)/);
      await workbench.clearNotifications();
    });

    await step('a new token Docker Hub refuses is not stored and leaves the stored token verified', '7-token-refused.png', async () => {
      await workbench.runCommand('Docker Hub: Set Access Token');
      await workbench.answerInputBox('alice', /Docker ID/);
      await workbench.answerInputBox(WRONG_TOKEN, /personal access token/);
      await workbench.waitForNotification(/Docker Hub refused this token for "alice"/, 30_000);
      await workbench.statusBarItem('Docker Hub: alice').locator('.codicon-pass').waitFor({ timeout: 5_000 });
      await workbench.clearNotifications();
    });

    await check('the explorer walk: search → repository → tag → platform (every tab) → compare → cache, at 300 and 700 px, in light, dark and high contrast, never scrolling sideways', async () => {
      await workbench.runCommand('View: Hide Panel');
      const imagesDir = join(SCREENSHOTS, 'walk');
      for (const theme of THEMES) {
        await setTheme(theme, workbench, await explorer());
        for (const width of WIDTHS) {
          await setSideBarWidth(workbench, width);
          await walkExplorer({ workbench, explorer, width, theme, imagesDir });
        }
      }
      await setTheme(THEMES[0], workbench, await explorer());
      await setSideBarWidth(workbench, WIDTHS[0]);
      // `UPDATE_DOCS_SCREENSHOTS=1` refreshes the pictures the docs and the Marketplace page show.
      if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') {
        for (const name of DOCS_SCREENSHOTS) copyFileSync(join(imagesDir, name), join(REPO, 'docs', 'images', name));
      }
    }, () => shot('8-walk-failed.png'));

    await step('the Files tab of an image with a 256 MiB layer shows a progress bar with its bytes while the layer streams, gone when the tree shows', '8b-files-progress.png', async () => {
      const large = await buildLarge();
      await rig.push('library/large', large, ['1']);
      const layerBytes = large.layers.reduce((sum, layer) => sum + layer.size, 0);
      // The layer compresses to a few hundred KB: slowed down, it streams for about four seconds.
      rig.registry.proxy.setCdnRate(Math.max(16 * 1024, Math.round(layerBytes / 4)));
      try {
        const frame = await explorer();
        await pressTitleButton(workbench, frame, 'Search');
        await frame.locator('#search-input').fill('large:1');
        await frame.locator('#search-input').press('Enter');
        await frame.locator('button', { hasText: 'Layers, config and Dockerfile' }).click({ timeout: 30_000 });
        await frame.locator('#tab-files').click();
        const valueNow = await frame.waitForFunction(
          () => {
            const bar = document.querySelector('#platform-panel [role="progressbar"]');
            const now = Number(bar?.getAttribute('aria-valuenow'));
            return now > 0 ? { now, max: Number(bar!.getAttribute('aria-valuemax')), words: bar!.querySelector('.progress-words')?.textContent ?? '' } : false;
          },
          null,
          { timeout: 30_000, polling: 50 },
        );
        const seen = (await valueNow.jsonValue()) as { now: number; max: number; words: string };
        if (seen.max !== layerBytes) throw new Error(`the bar counts to ${seen.max} bytes, the layers have ${layerBytes}`);
        if (seen.words !== `${formatBytes(seen.now)} of ${formatBytes(layerBytes)}`) {
          throw new Error(`the bar's words say "${seen.words}" at ${seen.now} of ${layerBytes} bytes`);
        }
        await shot('8b-files-progress-streaming.png');
        await frame.locator('.file-tree .file-row[data-path="data"]').waitFor({ timeout: 60_000 });
        if ((await frame.locator('[role="progressbar"]').count()) > 0) throw new Error('the progress bar is still shown beside the answer');
      } finally {
        rig.registry.proxy.setCdnRate(0);
      }
    });

    await step('an explorer error goes to the Docker Hub log with the tool, the reference and the code', '9-error-logged.png', async () => {
      const frame = await explorer();
      await pressTitleButton(workbench, frame, 'Search');
      await frame.locator('#search-input').fill('nosuchimage:1');
      await frame.locator('#search-input').press('Enter');
      await frame.locator('.state.error', { hasText: 'Not found' }).waitFor({ timeout: 30_000 });
      await workbench.runCommand('Docker Hub: Show Log');
      await workbench.waitForOutput((t) => /docker_get_manifest\s+image=nosuchimage:1\s+failed:\s+NOT_FOUND/.test(t), 15_000);
      await workbench.runCommand('View: Hide Panel');
    });

    await step('Search Images shows Docker Hub results in the explorer, on the window’s one server connection', '10-search.png', async () => {
      await workbench.runCommand('Docker Hub: Search Images');
      await workbench.answerInputBox('demo', /Search Docker Hub/);
      const frame = await explorer();
      await frame.locator('#search-results .list-item[data-repository="demo"]').waitFor({ timeout: 30_000 });
      if ((await frame.locator('#search-input').inputValue()) !== 'demo') throw new Error('the explorer does not show the search');
      const processes = serverProcesses(extensionDir);
      if (processes.length > 2) throw new Error(`${processes.length} server processes run; Copilot's and the window's one connection are all there should be:\n${processes.join('\n')}`);
    });

    await step('Clear Cache empties the disk cache through the server (docker_cache_clear)', '11-cache-cleared.png', async () => {
      // The host suites and the walk left manifests, by digest, in the extension's global storage.
      const cacheDir = join(folders.userData, 'User', 'globalStorage', EXTENSION_ID, 'cache');
      const files = () => (existsSync(cacheDir) ? readdirSync(cacheDir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length : 0);
      if (files() === 0) throw new Error(`nothing was cached in ${cacheDir} to clear`);
      await workbench.runCommand('Docker Hub: Clear Cache');
      await workbench.waitForNotification(/Docker Hub cache cleared/);
      if (files() !== 0) throw new Error(`${files()} files are still in ${cacheDir}`);
      await workbench.clearNotifications();
    });

    await step('Clear Access Token returns to anonymous use', '12-token-cleared.png', async () => {
      await workbench.runCommand('Docker Hub: Clear Access Token');
      await workbench.statusBarItem('Docker Hub: anonymous').waitFor({ timeout: 10_000 });
      await workbench.waitForNotification(/access token removed/);
      await workbench.clearNotifications();
    });

    await step('Add Registry Credentials checks them with the registry, refuses a wrong token; Remove forgets them', '9b-registry-credentials.png', async () => {
      // The last answer is accepted once its validation has run: a command palette opened before then cancels it.
      const answered = () => workbench.page.locator('.quick-input-widget').filter({ visible: true }).waitFor({ state: 'detached', timeout: 10_000 });
      const notified = (text: RegExp) => workbench.waitForNotification(text, 20_000);
      const wrongToken = 'dckr_pat_wrongRegistryFakeToken000000';
      await workbench.runCommand('Docker Hub: Add Registry Credentials');
      await workbench.answerInputBox('ghcr.io', /Registry host/);
      await workbench.answerInputBox('alice', /Username on ghcr\.io/);
      await workbench.answerInputBox(wrongToken, /Access token \(or password\) of alice on ghcr\.io/);
      await answered();
      await notified(/ghcr\.io refused this username and token/);
      await workbench.clearNotifications();
      await workbench.runCommand('Docker Hub: Add Registry Credentials');
      await workbench.answerInputBox('ghcr.io', /Registry host/);
      await workbench.answerInputBox('alice', /Username on ghcr\.io/);
      await workbench.answerInputBox(ALICE_DEFAULT_PAT, /Access token \(or password\) of alice on ghcr\.io/);
      await answered();
      await notified(/Signed in to ghcr\.io as alice/);
      const page = await workbench.page.content();
      if (page.includes(ALICE_DEFAULT_PAT) || page.includes(wrongToken)) throw new Error('a registry token appears in the page');
      await workbench.clearNotifications();
      await workbench.runCommand('Docker Hub: Remove Registry Credentials');
      await workbench.pick('ghcr.io');
      await notified(/no longer keeps or hands over credentials for ghcr\.io/);
      await workbench.clearNotifications();
    });

    await step('the explorer lists the registries signed in, without a secret in the page, and follows when credentials are added and removed', '9c-explorer-sign-ins.png', async () => {
      let frame = await explorer();
      await pressTitleButton(workbench, frame, 'Search');
      await frame.locator('.sign-in[data-registry="docker.io"][data-signed-in="false"]').waitFor({ timeout: 30_000 });
      if ((await frame.locator('.sign-in[data-registry="ghcr.io"]').count()) > 0) throw new Error('ghcr.io is listed before any credentials were added');
      await workbench.runCommand('Docker Hub: Add Registry Credentials');
      await workbench.answerInputBox('ghcr.io', /Registry host/);
      await workbench.answerInputBox('alice', /Username on ghcr\.io/);
      await workbench.answerInputBox(ALICE_DEFAULT_PAT, /Access token \(or password\) of alice on ghcr\.io/);
      await workbench.waitForNotification(/Signed in to ghcr\.io as alice/, 20_000);
      // No reload pressed: the server restarts with the new credentials and the explorer asks again.
      frame = await explorer();
      const row = frame.locator('.sign-in[data-registry="ghcr.io"][data-signed-in="true"]');
      await row.waitFor({ timeout: 30_000 });
      const shown = await row.innerText();
      if (!/as alice, from VS Code/.test(shown)) throw new Error(`the ghcr.io row says: ${shown}`);
      await shot('9c-explorer-sign-ins-listed.png');
      if ((await frame.content()).includes(ALICE_DEFAULT_PAT) || (await workbench.page.content()).includes(ALICE_DEFAULT_PAT)) {
        throw new Error('the registry token appears in the page');
      }
      await workbench.clearNotifications();
      await row.locator('button[aria-label="Remove Registry Credentials of ghcr.io"]').click();
      await workbench.waitForNotification(/no longer keeps or hands over credentials for ghcr\.io/, 20_000);
      await (await explorer()).locator('.sign-in[data-registry="ghcr.io"]').waitFor({ state: 'detached', timeout: 30_000 });
      await workbench.clearNotifications();
    });

    await step('Show Log opens the extension’s log', '13-log.png', async () => {
      await workbench.runCommand('Docker Hub: Show Log');
      await workbench.waitForOutput((t) => /server started|server: |the access token was removed/.test(t), 15_000);
    });
  } finally {
    await context.close();
  }
}

export async function main(): Promise<number> {
  const started = Date.now();
  const cleanups: Array<() => Promise<void> | void> = [];
  // Only this run's pictures: a stale "-failed" one from an earlier run would mislead.
  rmSync(SCREENSHOTS, { recursive: true, force: true });
  mkdirSync(SCREENSHOTS, { recursive: true });
  const runRoot = mkdtempSync(join(tmpdir(), 'dhm-vscode-'));
  cleanups.push(() => rmSync(runRoot, { recursive: true, force: true }));
  try {
    const tools = ensureTestTools(log);
    log('packaging the extension');
    packageExtension();
    await check('the VSIX holds the bundles, the icon, README, CHANGELOG and LICENSE, and nothing else', async () => assertVsixContents(vsixEntries(VSIX)));

    log('starting the registry rig');
    const rig: Rig = await startRig();
    cleanups.push(() => rig.stop());
    const folders = createRunFolders(runRoot);
    const settings = rigSettings(rig.env);
    writeUserSettings(folders, { ...QUIET_WORKBENCH_SETTINGS, ...settings });
    const extensionDir = installExtension(tools, folders, VSIX, EXTENSION_ID);
    const resultsFile = join(runRoot, 'host-results.json');
    const editorRig = await prepareEditorRig(rig);
    cleanups.push(() => editorRig.stop());
    const suiteEntry = await buildSuiteBundle({ resultsFile, settings, rigUser: { username: 'alice', token: ALICE_DEFAULT_PAT }, rigControlUrl: editorRig.url });
    const expectedTools = (JSON.parse(readFileSync(join(suiteEntry, '..', 'run.json'), 'utf8')) as { expectedTools: string[] }).expectedTools.length;

    log('starting code-server');
    const server = await startCodeServer(tools, folders, {});
    cleanups.push(() => server.stop());
    const browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
    cleanups.push(() => browser.close());

    log('running the suites inside the extension host');
    const host = await runHostSuites(browser, server, folders, extensionDir, suiteEntry, resultsFile);
    counts.passed += host.passed;
    counts.failed += host.failed;
    counts.pending += host.pending;
    if (host.code !== 0 && host.failed === 0) counts.failed++;

    log('driving the workbench');
    await runWorkbenchChecks(browser, server, folders, expectedTools, extensionDir, rig);
    await takeEditorScreenshots(browser, server, folders, check);
  } catch (err) {
    counts.failed++;
    console.log(`[e2e] aborted: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        console.log(`[e2e] cleanup failed: ${String(err)}`);
      }
    }
  }
  log(`${counts.passed} passed, ${counts.failed} failed in ${((Date.now() - started) / 1000).toFixed(0)} s; screenshots and the extension host console in ${SCREENSHOTS}`);
  const summaryDir = process.env.TEST_SUMMARY_DIR;
  if (summaryDir) {
    mkdirSync(summaryDir, { recursive: true });
    writeFileSync(join(summaryDir, `${process.env.TEST_SUITE_NAME || 'extension'}.json`), JSON.stringify(counts));
  }
  return counts.failed === 0 && counts.passed > 0 ? 0 : 1;
}
