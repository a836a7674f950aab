// The explorer page in headless Chromium, answered by the extension's own request handler and a real server.
//
// The page is the built bundle (dist/webview) served from a loopback origin with the very HTML the extension
// builds (explorerHtml). A test double of acquireVsCodeApi forwards each message to createRequestHandler — the code
// the extension runs — whose ServerConnection drives the built server (server/dist/index.js) over stdio against the
// rig. Only the editor actions (clipboard, untitled document, external link) are recorded instead of performed.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';
import { createRequestHandler, type ExplorerHostActions } from '../../extension/src/explorerRequests';
import { ServerConnection } from '../../extension/src/serverConnection';
import { explorerHtml } from '../../webview/src/page';
import type { HostEvent } from '../../webview/src/protocol';
import { CHROMIUM_LAUNCH_OPTIONS } from '../chromium';
import type { Rig } from '../rig/index';
import { THEMES, type ThemeName } from './themes';

const ROOT = join(__dirname, '..', '..');
const ASSETS: Record<string, string> = {
  '/main.js': 'text/javascript',
  '/styles.css': 'text/css',
  '/codicon.css': 'text/css',
  '/codicon.ttf': 'font/ttf',
};
export const SERVER_SCRIPT = join(ROOT, 'server', 'dist', 'index.js');

/** Serves the explorer page and its assets on 127.0.0.1, as a webview would load them. */
export async function startPageServer(): Promise<{ origin: string; stop(): Promise<void> }> {
  const server: Server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (path === '/') {
      const html = explorerHtml({
        cspSource: origin,
        scriptUri: `${origin}/main.js`,
        styleUri: `${origin}/styles.css`,
        codiconUri: `${origin}/codicon.css`,
      });
      // VS Code's webview iframe sandbox (enableForms: false): scripts, but no form submission, popups or top
      // navigation. Without this the page could rely on what a real webview blocks.
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': 'sandbox allow-scripts allow-same-origin',
      });
      response.end(html);
      return;
    }
    const type = ASSETS[path];
    if (!type) {
      response.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(join(ROOT, 'dist', 'webview', path.slice(1)));
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RecordedActions {
  copies: Array<{ text: string; label: string }>;
  dockerfiles: string[];
  links: string[];
  commands: string[];
}

export interface Explorer {
  page: Page;
  context: BrowserContext;
  origin: string;
  client: ServerConnection;
  actions: RecordedActions;
  /** Posts what the extension sends unasked (a title-bar button, a search to show, a changed login). */
  send(event: HostEvent): Promise<void>;
  /** Every request the page made, in order. */
  requests: Request[];
  /** What the extension answered, in order (as the handler returned it). */
  replies: unknown[];
  /** Last state the page saved with setState. */
  savedState(): unknown;
  /** Loads the page again, as VS Code does when a hidden view is shown again. */
  reload(): Promise<void>;
  setTheme(theme: ThemeName): Promise<void>;
  close(): Promise<void>;
}

export interface ExplorerOptions {
  serverEnv: Record<string, string>;
  theme?: ThemeName;
  /** The state a previous page saved, as VS Code hands it to getState. */
  initialState?: unknown;
  width?: number;
  height?: number;
}

export async function openExplorer(options: ExplorerOptions): Promise<Explorer> {
  const pageServer = await startPageServer();
  const userDataDir = await mkdtemp(join(tmpdir(), 'dhm-webview-chromium-'));
  const actions: RecordedActions = { copies: [], dockerfiles: [], links: [], commands: [] };
  const hostActions: ExplorerHostActions = {
    async copy(text, label) {
      actions.copies.push({ text, label });
    },
    async openDockerfile(content) {
      actions.dockerfiles.push(content);
    },
    async openLink(url) {
      actions.links.push(url);
    },
    async runCommand(command, registry) {
      actions.commands.push(registry ? `${command} ${registry}` : command);
    },
    async viewChanged() {},
  };
  const log = { debug() {}, info() {}, warn() {}, error: (message: string) => console.error(message) };
  const client = new ServerConnection({ command: process.execPath, args: [SERVER_SCRIPT], environment: async () => options.serverEnv }, log);
  const handle = createRequestHandler(client, hostActions, log);
  const replies: unknown[] = [];
  const requests: Request[] = [];
  let state: unknown = options.initialState ?? null;
  let theme: ThemeName = options.theme ?? 'dark';

  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      ...CHROMIUM_LAUNCH_OPTIONS,
      viewport: { width: options.width ?? 360, height: options.height ?? 820 },
      reducedMotion: 'reduce',
    });
    // Nothing but the page's own assets may load; anything else is refused and stays in `requests` for the test.
    await context.route('**/*', (route) => (route.request().url().startsWith(`${pageServer.origin}/`) ? route.continue() : route.abort('blockedbyclient')));
    await context.exposeBinding('__explorerToHost', async ({ page }, message: unknown) => {
      const reply = await handle(message, (event) => {
        if (!page.isClosed()) void page.evaluate((data) => window.postMessage(data, '*'), event).catch(() => undefined);
      });
      replies.push(reply);
      if (!page.isClosed()) await page.evaluate((data) => window.postMessage(data, '*'), reply).catch(() => undefined);
    });
    await context.exposeBinding('__explorerSaveState', (_source, saved: unknown) => {
      state = saved;
    });
    await context.exposeBinding('__explorerSavedState', () => state);
    await context.exposeBinding('__explorerTheme', () => ({ name: theme, ...THEMES[theme] }));
    // tsx compiles these test functions with esbuild's keepNames, which wraps them in __name(); give the page one.
    await context.addInitScript({ content: 'globalThis.__name = (target) => target;' });
    await context.addInitScript(installVsCodeApiDouble);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (request) => requests.push(request));
    page.on('dialog', (dialog) => void dialog.dismiss());

    const load = async (navigate: () => Promise<unknown>) => {
      // getState is synchronous in VS Code; the double reads the state handed over here before the bundle runs.
      await context!.addInitScript((saved) => ((window as any).__initialState = saved), state);
      await navigate();
      await page.waitForSelector('#view > .view');
    };
    await load(() => page.goto(`${pageServer.origin}/`));

    const explorer: Explorer = {
      page,
      context,
      origin: pageServer.origin,
      client,
      actions,
      requests,
      replies,
      savedState: () => state,
      async send(event) {
        await page.evaluate((data) => window.postMessage(data, '*'), event);
      },
      reload: () => load(() => page.reload()),
      async setTheme(name) {
        theme = name;
        await page.evaluate(applyTheme, { name, ...THEMES[name] });
      },
      async close() {
        await context!.close().catch(() => undefined);
        await client.dispose();
        await pageServer.stop();
        await rm(userDataDir, { recursive: true, force: true });
      },
    };
    return explorer;
  } catch (error) {
    await context?.close().catch(() => undefined);
    await client.dispose();
    await pageServer.stop();
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
}

interface ThemeDescription {
  name: ThemeName;
  kind: string;
  variables: Record<string, string>;
}

/** Runs in the page before its scripts: acquireVsCodeApi as VS Code provides it, plus what the tests observe. */
function installVsCodeApiDouble(): void {
  const w = window as any;
  w.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    w.__cspViolations.push({ directive: event.violatedDirective, blocked: event.blockedURI, sample: event.sample });
  });
  w.__received = [];
  window.addEventListener('message', (event) => w.__received.push(event.data));
  let acquired = false;
  const api = {
    postMessage: (message: unknown) => void w.__explorerToHost(message),
    getState: () => w.__initialState ?? undefined,
    setState: (state: unknown) => {
      w.__initialState = state;
      void w.__explorerSaveState(state);
    },
  };
  w.__vscodeApi = api;
  w.acquireVsCodeApi = () => {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return api;
  };
  document.addEventListener('DOMContentLoaded', async () => {
    const theme = await w.__explorerTheme();
    const root = document.documentElement;
    for (const [name, value] of Object.entries(theme.variables as Record<string, string>)) root.style.setProperty(name, value);
    document.body.classList.add(theme.kind);
    document.body.dataset.vscodeThemeKind = theme.kind;
  });
}

function applyTheme(theme: ThemeDescription): void {
  const root = document.documentElement;
  for (const [name, value] of Object.entries(theme.variables)) root.style.setProperty(name, value);
  document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast');
  document.body.classList.add(theme.kind);
  document.body.dataset.vscodeThemeKind = theme.kind;
}

/** Messages the page received from the extension since load. */
export function received(page: Page): Promise<unknown[]> {
  return page.evaluate(() => (window as any).__received as unknown[]);
}

export function cspViolations(page: Page): Promise<Array<{ directive: string; blocked: string; sample: string }>> {
  return page.evaluate(() => (window as any).__cspViolations);
}

/** The server's environment over the rig: its endpoints, a fresh cache folder, and alice's login when asked for. */
export async function serverEnvironment(rig: Rig, options: { login?: boolean } = {}): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'dhm-webview-cache-'));
  const alice = rig.users.find((user) => user.username === 'alice');
  const env: Record<string, string> = {
    ...rig.env,
    DOCKERHUB_MCP_CACHE_DIR: cacheDir,
    ...(options.login && alice ? { DOCKERHUB_USERNAME: alice.username, DOCKERHUB_TOKEN: alice.password } : {}),
  };
  return { env, cleanup: () => rm(cacheDir, { recursive: true, force: true }) };
}

/** Requests for anything but the page's own files (the codicon font is asked for with a cache-busting query). */
export function foreignRequests(explorer: Explorer): string[] {
  const own = new Set(['/', ...Object.keys(ASSETS)]);
  return explorer.requests
    .map((request) => new URL(request.url()))
    .filter((url) => url.origin !== explorer.origin || !own.has(url.pathname))
    .map((url) => url.href);
}
