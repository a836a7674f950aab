import * as vscode from 'vscode';
import { describeImage, errorCodeOf, verifyHubLogin, type HubLogin } from '../../server/src/contract';
import { HOME, routeForImage } from '../../webview/src/state';
import { accessTokenFormProblem, accessTokenKind } from './accessToken';
import type { AuthStatus } from './authStatus';
import type { ExplorerViewProvider } from './explorerView';
import type { DockerHubMcpProvider } from './mcpProvider';
import type { TokenStore } from './secrets';
import type { ToolCaller } from './serverConnection';
import { SETTINGS_SECTION, hubApiUrl, readServerSettings } from './settings';

export interface CommandDeps {
  provider: DockerHubMcpProvider;
  tokens: TokenStore;
  authStatus: AuthStatus;
  log: vscode.LogOutputChannel;
  connection: ToolCaller;
  explorer: ExplorerViewProvider;
}

const SET_TOKEN = 'Set Access Token';
const CLEAR_TOKEN = 'Clear Access Token';
const SHOW_LOG = 'Show Log';

/** A failure already put in a person's words; its detail (codes, upstream text) went to the log. */
class UserFacingError extends Error {}

export function registerCommands(deps: CommandDeps): vscode.Disposable {
  const register = (id: string, run: (...args: unknown[]) => Promise<unknown>) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        await run(...args);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        deps.log.error(`${id} failed: ${reason}`);
        const message = err instanceof UserFacingError ? reason : 'Something went wrong in the Docker Hub extension.';
        const choice = await vscode.window.showErrorMessage(message, SHOW_LOG);
        if (choice === SHOW_LOG) deps.log.show(true);
      }
    });
  return vscode.Disposable.from(
    register('dockerhubMcp.setToken', () => setAccessToken(deps)),
    register('dockerhubMcp.clearToken', () => clearAccessToken(deps)),
    register('dockerhubMcp.showAuthStatus', () => showAuthStatus(deps)),
    register('dockerhubMcp.openExplorer', (image) => openExplorer(deps, image)),
    register('dockerhubMcp.search', () => searchDockerHub(deps)),
    register('dockerhubMcp.clearCache', () => clearCache(deps)),
    register('dockerhubMcp.showServerLog', () => Promise.resolve(deps.log.show(true))),
    register('dockerhubMcp.explorer.back', () => Promise.resolve(deps.explorer.back())),
    register('dockerhubMcp.explorer.home', () => deps.explorer.show(HOME)),
    register('dockerhubMcp.explorer.compare', () => deps.explorer.show({ view: 'compare', imageA: '', imageB: '', platform: '' })),
    register('dockerhubMcp.explorer.cache', () => deps.explorer.show({ view: 'cache' })),
    register('dockerhubMcp.explorer.showInExplorer', () => moveExplorer('workbench.view.explorer')),
    register('dockerhubMcp.explorer.showInOwnContainer', () => moveExplorer('workbench.view.extension.dockerHub')),
  );
}

/** Focuses the explorer; given an image (the editor's hover link passes one), opens it there. */
async function openExplorer(deps: CommandDeps, image: unknown): Promise<void> {
  const described = typeof image === 'string' ? describeImage(image) : undefined;
  if (described) await deps.explorer.show(routeForImage(described));
  else await vscode.commands.executeCommand('dockerhubMcp.explorer.focus');
}

/** Moves the view between the Explorer and its own container; VS Code remembers where a person put it. */
async function moveExplorer(destinationId: string): Promise<void> {
  await vscode.commands.executeCommand('vscode.moveViews', { viewIds: ['dockerhubMcp.explorer'], destinationId });
  await vscode.commands.executeCommand('dockerhubMcp.explorer.focus');
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

  let login: HubLogin | undefined;
  try {
    login = await checkWithDockerHub(identifier, secret);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    if (errorCodeOf(err) === 'UNAUTHORIZED') {
      // Only a stored token has a status: a refused candidate leaves the stored one's check mark as it was.
      deps.log.warn(`Docker Hub refused the new token for "${identifier}"; the stored token is unchanged (${detail})`);
      const choice = await vscode.window.showErrorMessage(
        `Docker Hub refused this token for "${identifier}". Check the Docker ID and that the token is not expired or revoked. Nothing was stored.`,
        'Try Again',
        SHOW_LOG,
      );
      if (choice === 'Try Again') await setAccessToken(deps);
      if (choice === SHOW_LOG) deps.log.show(true);
      return;
    }
    deps.log.warn(`the new token could not be checked with Docker Hub: ${detail}`);
    const choice = await vscode.window.showWarningMessage(
      `Docker Hub could not be reached to check the token (${hostOf(hubApiUrl(settings))}). Store it anyway?`,
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
      ? `Signed in to Docker Hub as ${login.username} with a ${kind}.`
      : `Docker Hub ${kind} stored for ${identifier} without a check.`,
  );
}

function checkWithDockerHub(identifier: string, token: string): Promise<HubLogin> {
  const apiUrl = hubApiUrl(readServerSettings());
  return Promise.resolve(
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Checking the token with ${hostOf(apiUrl)}…` },
      () => verifyHubLogin({ hubApiUrl: apiUrl, username: identifier, token }),
    ),
  );
}

function hostOf(url: string): string {
  return URL.canParse(url) ? new URL(url).host : url;
}

async function clearAccessToken(deps: CommandDeps): Promise<void> {
  if (!(await deps.tokens.get())) {
    void vscode.window.showInformationMessage('No Docker Hub access token is stored: Docker Hub is used anonymously.');
    return;
  }
  await deps.tokens.delete();
  await deps.authStatus.refresh();
  deps.log.info('the access token was removed');
  void vscode.window.showInformationMessage('Docker Hub access token removed: Docker Hub is now used anonymously.');
}

async function showAuthStatus(deps: CommandDeps): Promise<void> {
  const state = await deps.authStatus.refresh();
  if (state.kind === 'anonymous') {
    const choice = await vscode.window.showInformationMessage(
      'Docker Hub is used anonymously: public repositories work, with the anonymous pull limit. An access token ' +
        'adds private repositories, vulnerability data and your account’s pull limit.',
      SET_TOKEN,
    );
    if (choice === SET_TOKEN) await setAccessToken(deps);
    return;
  }
  if (state.kind === 'incomplete') {
    const choice = await vscode.window.showWarningMessage(
      'An access token is stored but no Docker ID goes with it, so Docker Hub is used anonymously. Set the token again with its Docker ID.',
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
      `Signed in to Docker Hub as ${login.username} (${accessTokenKind(token) === 'organisation' ? 'organisation' : 'personal'} access token).`,
    );
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    deps.log.warn(`checking the stored token of "${state.username}" failed: ${detail}`);
    if (errorCodeOf(err) === 'UNAUTHORIZED') {
      const reason = `Docker Hub refused the stored token of "${state.username}": it may be expired or revoked.`;
      await deps.authStatus.recordCheck(state.username, token, { accepted: false, reason });
      const choice = await vscode.window.showErrorMessage(reason, SET_TOKEN, CLEAR_TOKEN);
      if (choice === SET_TOKEN) await setAccessToken(deps);
      if (choice === CLEAR_TOKEN) await clearAccessToken(deps);
    } else {
      void vscode.window.showWarningMessage(`The token of ${state.username} could not be checked: Docker Hub could not be reached.`);
    }
  }
}

/** Asks for words and shows Docker Hub's answer in the explorer, over the window's one server connection. */
async function searchDockerHub(deps: CommandDeps): Promise<void> {
  const query = await vscode.window.showInputBox({ title: 'Search Docker Hub', placeHolder: 'e.g. postgres, python alpine' });
  if (!query?.trim()) return;
  await deps.explorer.show({ ...HOME, query: query.trim() });
}

async function clearCache(deps: CommandDeps): Promise<void> {
  // The server empties its memory and the disk store every server of this extension shares; the one VS Code runs
  // for Copilot keeps its own memory cache, so the provider has VS Code start it afresh.
  const outcome = await deps.connection.callTool('docker_cache_clear', {});
  if (!outcome.ok) throw new UserFacingError('The Docker Hub cache could not be cleared. "Docker Hub: Show Log" has the details.');
  deps.provider.restartServer();
  deps.explorer.refresh();
  void vscode.window.showInformationMessage('Docker Hub cache cleared.');
}
