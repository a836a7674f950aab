import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnGroup, type GroupProcess } from './processes';
import type { TestTools } from './tools';

/** Folders of one code-server run: nothing is read from or written to the user's own VS Code or home. */
export interface RunFolders {
  root: string;
  userData: string;
  extensions: string;
  workspace: string;
}

export function createRunFolders(root: string): RunFolders {
  const folders = { root, userData: join(root, 'user-data'), extensions: join(root, 'extensions'), workspace: join(root, 'workspace') };
  for (const dir of [folders.userData, folders.extensions, folders.workspace, join(root, 'xdg', 'config'), join(root, 'xdg', 'data'), join(root, 'xdg', 'cache'), join(root, 'tmp')]) {
    mkdirSync(dir, { recursive: true });
  }
  return folders;
}

function isolatedEnvironment(tools: TestTools, folders: RunFolders, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...extra,
    PATH: `${join(tools.nodeDir, 'bin')}:${process.env.PATH ?? ''}`,
    // Without these code-server writes into ~/.config, ~/.local/share and /tmp.
    XDG_CONFIG_HOME: join(folders.root, 'xdg', 'config'),
    XDG_DATA_HOME: join(folders.root, 'xdg', 'data'),
    XDG_CACHE_HOME: join(folders.root, 'xdg', 'cache'),
    TMPDIR: join(folders.root, 'tmp'),
  };
  // Variables of the outer `npm test` (they name Node 20) and any real Docker Hub credentials stay out.
  for (const name of Object.keys(env)) {
    if (/^npm_/i.test(name) || name.startsWith('DOCKERHUB_') || name.startsWith('VSCODE_')) delete env[name];
  }
  return env;
}

export function writeUserSettings(folders: RunFolders, settings: Record<string, unknown>): void {
  mkdirSync(join(folders.userData, 'User'), { recursive: true });
  writeFileSync(join(folders.userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

/** Installs a VSIX the way a user would; returns the folder code-server unpacked it into. */
export function installExtension(tools: TestTools, folders: RunFolders, vsix: string, extensionId: string): string {
  const result = spawnSync(
    tools.node,
    [tools.codeServerEntry, '--user-data-dir', folders.userData, '--extensions-dir', folders.extensions, '--install-extension', vsix, '--force'],
    { env: isolatedEnvironment(tools, folders, {}), encoding: 'utf8', timeout: 120_000 },
  );
  if (result.status !== 0) throw new Error(`installing ${vsix} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  const installed = readdirSync(folders.extensions).find((name) => name.toLowerCase().startsWith(`${extensionId.toLowerCase()}-`));
  if (!installed) throw new Error(`code-server reported success but ${extensionId} is not in ${folders.extensions}:\n${result.stdout}`);
  return join(folders.extensions, installed);
}

export interface CodeServer {
  url: string;
  process: GroupProcess;
  stop(): Promise<void>;
}

export async function startCodeServer(tools: TestTools, folders: RunFolders, env: Record<string, string>): Promise<CodeServer> {
  const server = spawnGroup(
    tools.node,
    [
      tools.codeServerEntry,
      '--bind-addr', '127.0.0.1:0',
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir', folders.userData,
      '--extensions-dir', folders.extensions,
      // The workbench honours the extension-test payload in the URL only with the smoke-test driver enabled.
      '--vscode-option', 'enable-smoke-test-driver',
      folders.workspace,
    ],
    { label: 'code-server', env: isolatedEnvironment(tools, folders, env), cwd: folders.root },
  );
  try {
    const [, url] = await server.waitFor(/HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\//, 30_000);
    await waitForHealth(url);
    return { url, process: server, stop: () => server.stop() };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`code-server at ${url} did not become healthy`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
