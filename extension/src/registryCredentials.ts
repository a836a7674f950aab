import * as vscode from 'vscode';
import {
  RegistryLoginError,
  registryBaseUrl,
  registryCredentialsVariable,
  registryHostProblem,
  verifyRegistryLogin,
} from './registryLogin';

/** SecretStorage key holding every registry's credentials, as JSON `{host: {username, secret}}`. */
export const REGISTRY_CREDENTIALS_KEY = 'dockerhubMcp.registryCredentials';
/** `dockerHub.useDockerConfig`: whether the server reads Docker's config.json (auths, credential helpers). */
const SETTINGS_SECTION = 'dockerHub';
const USE_DOCKER_CONFIG = 'useDockerConfig';

type StoredCredentials = Record<string, { username: string; secret: string }>;

/** Registry credentials in VS Code's SecretStorage (the OS keychain on desktop); the only place they are kept. */
export class RegistryCredentialStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange((event) => {
      if (event.key === REGISTRY_CREDENTIALS_KEY) this.changed.fire();
    });
  }

  async all(): Promise<StoredCredentials> {
    const raw = await this.secrets.get(REGISTRY_CREDENTIALS_KEY);
    if (!raw) return {};
    try {
      const parsed = JSON.parse(raw) as unknown;
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as StoredCredentials) : {};
    } catch {
      return {};
    }
  }

  async set(host: string, username: string, secret: string): Promise<void> {
    await this.secrets.store(REGISTRY_CREDENTIALS_KEY, JSON.stringify({ ...(await this.all()), [host]: { username, secret } }));
  }

  async remove(host: string): Promise<void> {
    const { [host]: _removed, ...rest } = await this.all();
    await this.secrets.store(REGISTRY_CREDENTIALS_KEY, JSON.stringify(rest));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

export interface RegistryCredentialsDeps {
  log: vscode.LogOutputChannel;
  /** Restarts the server (a new environment): credentials and the config.json setting are read at its start. */
  restartServer: () => void;
  registryEndpoints: () => Record<string, string>;
}

export interface RegistryCredentials extends vscode.Disposable {
  store: RegistryCredentialStore;
  /** Secret: only for `resolveMcpServerDefinition` and the extension's own server process, never a cached definition. */
  secretEnvironment(): Promise<Record<string, string>>;
  /** Not secret: fit for the cached definition. */
  definitionEnvironment(): Record<string, string>;
}

/** Every variable this part decides, so one exported in the editor's own environment never slips through. */
export const REGISTRY_VARIABLES = ['DOCKERHUB_MCP_REGISTRY_CREDENTIALS', 'DOCKERHUB_MCP_DOCKER_CONFIG'] as const;

/** The commands Add / Remove Registry Credentials, the store behind them, and what they hand to the server. */
export function registerRegistryCredentials(context: vscode.ExtensionContext, deps: RegistryCredentialsDeps): RegistryCredentials {
  const store = new RegistryCredentialStore(context.secrets);
  const disposables = vscode.Disposable.from(
    store,
    store.onDidChange(() => deps.restartServer()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${SETTINGS_SECTION}.${USE_DOCKER_CONFIG}`)) deps.restartServer();
    }),
    vscode.commands.registerCommand('dockerhubMcp.addRegistryCredentials', () => guarded(deps, () => addCredentials(store, deps))),
    // The explorer's row of a registry passes its host; the Command Palette passes nothing and a list is offered.
    vscode.commands.registerCommand('dockerhubMcp.removeRegistryCredentials', (host?: unknown) =>
      guarded(deps, () => removeCredentials(store, typeof host === 'string' ? host : undefined)),
    ),
  );
  return {
    store,
    async secretEnvironment(): Promise<Record<string, string>> {
      const variable = registryCredentialsVariable(await store.all());
      return variable ? { DOCKERHUB_MCP_REGISTRY_CREDENTIALS: variable } : {};
    },
    definitionEnvironment() {
      const use = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<boolean>(USE_DOCKER_CONFIG, true);
      return { DOCKERHUB_MCP_DOCKER_CONFIG: use === false ? '0' : '1' };
    },
    dispose: () => disposables.dispose(),
  };
}

async function guarded(deps: RegistryCredentialsDeps, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    deps.log.error(`registry credentials: ${reason}`);
    void vscode.window.showErrorMessage(`Docker Hub: ${reason}`);
  }
}

async function addCredentials(store: RegistryCredentialStore, deps: RegistryCredentialsDeps): Promise<void> {
  const host = (
    await vscode.window.showInputBox({
      title: 'Registry credentials (1/3)',
      prompt: 'Registry host, as written in image references',
      placeHolder: 'ghcr.io',
      ignoreFocusOut: true,
      validateInput: registryHostProblem,
    })
  )
    ?.trim()
    .toLowerCase();
  if (!host) return;
  const username = (
    await vscode.window.showInputBox({
      title: 'Registry credentials (2/3)',
      prompt: `Username on ${host}`,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() ? undefined : 'Type the username.'),
    })
  )?.trim();
  if (!username) return;
  const secret = (
    await vscode.window.showInputBox({
      title: 'Registry credentials (3/3)',
      prompt: `Access token (or password) of ${username} on ${host}; it is checked with ${host} and kept in VS Code's secret storage`,
      password: true,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() ? undefined : 'Paste the token.'),
    })
  )?.trim();
  if (!secret) return;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Checking the credentials with ${host}…` },
    () => verifyRegistryLogin({ host, baseUrl: registryBaseUrl(host, deps.registryEndpoints()), username, secret }),
  ).then(
    (verdict) => verdict,
    async (err: unknown) => {
      if (!(err instanceof RegistryLoginError)) throw err;
      deps.log.warn(`registry credentials not stored: ${err.message}`);
      const retry = 'Try Again';
      if ((await vscode.window.showErrorMessage(err.message, retry)) === retry) {
        await vscode.commands.executeCommand('dockerhubMcp.addRegistryCredentials');
      }
      return undefined;
    },
  );
  if (!result) return;
  await store.set(host, username, secret);
  deps.log.info(`registry credentials stored for ${host} (user ${username})`);
  void vscode.window.showInformationMessage(
    result === 'checked'
      ? `Signed in to ${host} as ${username}. Copilot's Docker Hub tools and the explorer now read its private images.`
      : `${host} asked for no credentials when checked; they are stored and used whenever it asks.`,
  );
}

async function removeCredentials(store: RegistryCredentialStore, host?: string): Promise<void> {
  const stored = await store.all();
  const hosts = Object.keys(stored).sort();
  if (host !== undefined && !hosts.includes(host)) {
    void vscode.window.showInformationMessage(`VS Code keeps no credentials for ${host}.`);
    return;
  }
  if (hosts.length === 0) {
    void vscode.window.showInformationMessage('No registry credentials are stored in VS Code.');
    return;
  }
  const chosen =
    host ??
    (
      await vscode.window.showQuickPick(
        hosts.map((name) => ({ label: name, description: stored[name].username })),
        { title: 'Remove registry credentials', placeHolder: 'Registry whose credentials VS Code forgets' },
      )
    )?.label;
  if (!chosen) return;
  await store.remove(chosen);
  void vscode.window.showInformationMessage(`VS Code no longer keeps or hands over credentials for ${chosen}.`);
}
