import * as vscode from 'vscode';
import { TokenRejectedError, accessTokenFormProblem, accessTokenKind, verifyAccessToken, type VerifiedLogin } from './accessToken';
import type { AuthStatus } from './authStatus';
import { ExplorerClient } from './explorerClient';
import { EXPLORER_VIEW_ID } from './explorerView';
import { SERVER_LABEL, type DockerHubMcpProvider } from './mcpProvider';
import type { TokenStore } from './secrets';
import { SETTINGS_SECTION, hubApiUrl, onDidChangeServerSettings, readServerSettings } from './settings';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  provider: DockerHubMcpProvider;
  tokens: TokenStore;
  authStatus: AuthStatus;
  log: vscode.LogOutputChannel;
  serverScript: string;
  serverEnvironment: () => Promise<Record<string, string>>;
}

const SET_TOKEN = 'Set Access Token';
const CLEAR_TOKEN = 'Clear Access Token';

export function registerCommands(deps: CommandDeps): vscode.Disposable {
  // The search command's own server, started on first use; the Copilot one belongs to VS Code. It reads its
  // environment once, so a new token or setting means a new process.
  let searchClient: ExplorerClient | undefined;
  const dropSearchClient = () => {
    void searchClient?.dispose();
    searchClient = undefined;
  };
  const register = (id: string, run: () => Promise<unknown>) =>
    vscode.commands.registerCommand(id, async () => {
      try {
        await run();
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        deps.log.error(`${id} failed: ${reason}`);
        void vscode.window.showErrorMessage(`Docker Hub: ${reason}`);
      }
    });
  return vscode.Disposable.from(
    register('dockerhubMcp.setToken', () => setAccessToken(deps)),
    register('dockerhubMcp.clearToken', () => clearAccessToken(deps)),
    register('dockerhubMcp.showAuthStatus', () => showAuthStatus(deps)),
    register('dockerhubMcp.openExplorer', () => Promise.resolve(vscode.commands.executeCommand(`${EXPLORER_VIEW_ID}.focus`))),
    register('dockerhubMcp.search', () => {
      searchClient ??= new ExplorerClient(
        { command: process.execPath, args: [deps.serverScript], environment: deps.serverEnvironment },
        deps.log,
      );
      return searchDockerHub(searchClient);
    }),
    register('dockerhubMcp.clearCache', () => clearCache(deps)),
    register('dockerhubMcp.showServerLog', () => showServerLog(deps)),
    deps.tokens.onDidChange(dropSearchClient),
    onDidChangeServerSettings(dropSearchClient),
    new vscode.Disposable(dropSearchClient),
  );
}

async function setAccessToken(deps: CommandDeps): Promise<void> {
  const settings = readServerSettings();
  const username = await vscode.window.showInputBox({
    title: 'Docker Hub access token (1/2)',
    prompt: 'Your Docker ID, or the organisation name for an organisation access token',
    placeHolder: 'Docker ID',
    value: settings.username,
    ignoreFocusOut: true,
    validateInput: (value) => (/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(value.trim()) ? undefined : 'A Docker ID is letters and digits.'),
  });
  if (username === undefined) return;
  const token = await vscode.window.showInputBox({
    title: 'Docker Hub access token (2/2)',
    prompt: `Access token for "${username.trim()}": a personal access token (dckr_pat_…) or an organisation access token (dckr_oat_…)`,
    placeHolder: 'dckr_pat_…',
    password: true,
    ignoreFocusOut: true,
    validateInput: accessTokenFormProblem,
  });
  if (token === undefined) return;
  const identifier = username.trim();
  const secret = token.trim();

  let login: VerifiedLogin | undefined;
  try {
    login = await checkWithDockerHub(identifier, secret);
  } catch (err) {
    if (err instanceof TokenRejectedError) {
      await deps.authStatus.recordCheck(identifier, secret, { accepted: false, reason: err.message });
      const choice = await vscode.window.showErrorMessage(`Docker Hub: ${err.message} The token was not stored.`, 'Try Again');
      if (choice === 'Try Again') await setAccessToken(deps);
      return;
    }
    const reason = err instanceof Error ? err.message : String(err);
    deps.log.warn(`the access token could not be verified: ${reason}`);
    const choice = await vscode.window.showWarningMessage(
      `Docker Hub: the token could not be verified (${reason}). Store it anyway?`,
      'Store Anyway',
    );
    if (choice !== 'Store Anyway') return;
  }

  if (identifier !== settings.username) {
    await vscode.workspace.getConfiguration(SETTINGS_SECTION).update('username', identifier, vscode.ConfigurationTarget.Global);
  }
  await deps.tokens.store(secret);
  if (login) await deps.authStatus.recordCheck(identifier, secret, { accepted: true });
  else await deps.authStatus.refresh();
  const kind = accessTokenKind(secret) === 'organisation' ? 'organisation access token' : 'personal access token';
  deps.log.info(`stored a ${kind} for "${identifier}"${login ? ` (verified as "${login.username}")` : ' (not verified)'}`);
  void vscode.window.showInformationMessage(
    login
      ? `Docker Hub: authenticated as ${login.username} with a ${kind}. The MCP server restarts with it.`
      : `Docker Hub: ${kind} stored for ${identifier} without verification. The MCP server restarts with it.`,
  );
}

function checkWithDockerHub(identifier: string, token: string): Promise<VerifiedLogin> {
  const apiUrl = hubApiUrl(readServerSettings());
  return Promise.resolve(
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Checking the token with ${new URL(apiUrl).host}…` },
      () => verifyAccessToken({ hubApiUrl: apiUrl, identifier, token }),
    ),
  );
}

async function clearAccessToken(deps: CommandDeps): Promise<void> {
  if (!(await deps.tokens.get())) {
    void vscode.window.showInformationMessage('Docker Hub: no access token is stored; the MCP server runs anonymously.');
    return;
  }
  await deps.tokens.delete();
  await deps.authStatus.refresh();
  deps.log.info('the access token was removed');
  void vscode.window.showInformationMessage('Docker Hub: access token removed. The MCP server restarts anonymously.');
}

async function showAuthStatus(deps: CommandDeps): Promise<void> {
  const state = await deps.authStatus.refresh();
  if (state.kind === 'anonymous') {
    const choice = await vscode.window.showInformationMessage(
      'Docker Hub MCP runs anonymously: public repositories work, with the anonymous pull limit. An access token ' +
        'adds private repositories, write operations and your account’s pull limit.',
      SET_TOKEN,
    );
    if (choice === SET_TOKEN) await setAccessToken(deps);
    return;
  }
  if (state.kind === 'incomplete') {
    const choice = await vscode.window.showWarningMessage(
      'Docker Hub: an access token is stored but the setting dockerhubMcp.username is empty, so the MCP server runs ' +
        'anonymously. Set the token again with its username.',
      SET_TOKEN,
      CLEAR_TOKEN,
    );
    if (choice === SET_TOKEN) await setAccessToken(deps);
    if (choice === CLEAR_TOKEN) await clearAccessToken(deps);
    return;
  }
  const token = await deps.tokens.get();
  if (!token) return showAuthStatus(deps);
  try {
    const login = await checkWithDockerHub(state.username, token);
    await deps.authStatus.recordCheck(state.username, token, { accepted: true });
    void vscode.window.showInformationMessage(
      `Docker Hub: authenticated as ${login.username} (${accessTokenKind(token) === 'organisation' ? 'organisation' : 'personal'} access token).`,
    );
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (err instanceof TokenRejectedError) {
      await deps.authStatus.recordCheck(state.username, token, { accepted: false, reason });
      const choice = await vscode.window.showErrorMessage(`Docker Hub: ${reason}`, SET_TOKEN, CLEAR_TOKEN);
      if (choice === SET_TOKEN) await setAccessToken(deps);
      if (choice === CLEAR_TOKEN) await clearAccessToken(deps);
    } else {
      void vscode.window.showWarningMessage(`Docker Hub: the token of ${state.username} could not be checked (${reason}).`);
    }
  }
}

interface SearchHit {
  name: string;
  short_description: string | null;
  is_official: boolean;
  is_verified: boolean;
  star_count: number | null;
  pull_count: string | number | null;
}

async function searchDockerHub(client: ExplorerClient): Promise<void> {
  const query = await vscode.window.showInputBox({ title: 'Search Docker Hub', placeHolder: 'e.g. postgres, python alpine' });
  if (!query?.trim()) return;
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Searching Docker Hub for "${query.trim()}"` },
    () => client.callTool('docker_search_images', { query: query.trim(), limit: 25 }),
  );
  if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
  const hits = ((outcome.value.structured as { results?: SearchHit[] } | null)?.results ?? []) as SearchHit[];
  if (hits.length === 0) {
    void vscode.window.showInformationMessage(`Docker Hub: nothing found for "${query.trim()}".`);
    return;
  }
  const picked = await vscode.window.showQuickPick(
    hits.map((hit) => ({
      label: `${hit.is_official ? '$(verified-filled) ' : hit.is_verified ? '$(verified) ' : ''}${hit.name}`,
      description: [hit.star_count !== null ? `$(star-empty) ${hit.star_count}` : '', hit.pull_count !== null ? `$(cloud-download) ${hit.pull_count}` : '']
        .filter(Boolean)
        .join('  '),
      detail: hit.short_description ?? undefined,
      name: hit.name,
    })),
    { title: `Docker Hub: "${query.trim()}"`, placeHolder: 'Pick an image to copy its name', matchOnDetail: true },
  );
  if (!picked) return;
  await vscode.env.clipboard.writeText(picked.name);
  void vscode.window.showInformationMessage(`Docker Hub: copied "${picked.name}".`);
}

async function clearCache(deps: CommandDeps): Promise<void> {
  // The disk store is shared by every server of this extension; the memory cache of the one VS Code runs goes
  // with its process, which the provider has VS Code stop (a new one starts on next use). The server removes the
  // folder itself just as bluntly (docker_cache_clear), and recreates it as it writes.
  const cacheDir = vscode.Uri.joinPath(deps.context.globalStorageUri, 'cache');
  try {
    await vscode.workspace.fs.delete(cacheDir, { recursive: true, useTrash: false });
  } catch (err) {
    if (!(err instanceof vscode.FileSystemError && err.code === 'FileNotFound')) throw err;
  }
  deps.provider.restartServer();
  deps.log.info(`cache cleared (${cacheDir.fsPath})`);
  void vscode.window.showInformationMessage('Docker Hub: cache cleared. The MCP server starts afresh on its next use.');
}

async function showServerLog(deps: CommandDeps): Promise<void> {
  // VS Code keeps the server's stderr in its own MCP output channel, once it has started the server (its tools
  // then show up to language models, named after the server's label); before that, ours has the story.
  const running = vscode.lm.tools.some((tool) => /(^|_)docker_hub_docker_get_manifest$/.test(tool.name));
  if (running) {
    await vscode.commands.executeCommand('workbench.mcp.showOutput', `${deps.context.extension.id.toLowerCase()}/${SERVER_LABEL}`);
  } else {
    deps.log.show(true);
  }
}
