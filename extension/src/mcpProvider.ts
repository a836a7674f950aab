import * as vscode from 'vscode';
import { REGISTRY_VARIABLES, type RegistryCredentials } from './registryCredentials';
import type { TokenStore } from './secrets';
import { MANAGED_VARIABLES, buildServerEnvironment, serverDefinitionVersion, serverScriptPath, toolsetsVariable } from './serverEnvironment';
import { onDidChangeServerSettings, readServerSettings } from './settings';

export const MCP_PROVIDER_ID = 'dockerhubMcp.servers';
export const SERVER_LABEL = 'Docker Hub';

const SERVER_REVISION_KEY = 'dockerhubMcp.serverRevision';
// secrets.onDidChange can fire twice for one store, and a settings edit may touch several keys at once.
const CHANGE_DEBOUNCE_MS = 250;

/**
 * Gives VS Code (and so Copilot agent mode) the bundled server. The definition VS Code keeps holds no secret; the
 * token is added only when VS Code is about to start the server.
 */
export class DockerHubMcpProvider implements vscode.McpServerDefinitionProvider<vscode.McpStdioServerDefinition>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeMcpServerDefinitions = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private pendingChange?: ReturnType<typeof setTimeout>;
  private revisionPending = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly tokens: TokenStore,
    private readonly log: vscode.LogOutputChannel,
    private readonly registries: RegistryCredentials,
  ) {
    this.subscriptions.push(
      tokens.onDidChange(() => {
        this.revisionPending = true;
        this.scheduleChange();
      }),
      onDidChangeServerSettings(() => this.scheduleChange()),
    );
  }

  provideMcpServerDefinitions(): vscode.McpStdioServerDefinition[] {
    const settings = readServerSettings();
    const environment: Record<string, string | null> = {
      ...buildServerEnvironment(this.context, settings),
      ...this.registries.definitionEnvironment(),
    };
    const toolsets = toolsetsVariable(settings);
    if (toolsets) environment.DOCKERHUB_MCP_TOOLSETS = toolsets;
    // The extension host's own environment (a DOCKERHUB_TOKEN exported in a shell, say) must not mix with ours.
    for (const name of [...MANAGED_VARIABLES, ...REGISTRY_VARIABLES]) environment[name] ??= null;
    const version = serverDefinitionVersion(this.extensionVersion, settings, this.revision);
    const args = [serverScriptPath(this.context), ...(settings.readOnly ? ['--read-only'] : [])];
    return [new vscode.McpStdioServerDefinition(SERVER_LABEL, process.execPath, args, environment, version)];
  }

  async resolveMcpServerDefinition(server: vscode.McpStdioServerDefinition): Promise<vscode.McpStdioServerDefinition> {
    const settings = readServerSettings();
    const token = await this.tokens.get();
    const environment = buildServerEnvironment(this.context, settings, token);
    server.env = { ...server.env, ...(await this.registries.secretEnvironment()) };
    if (environment.DOCKERHUB_TOKEN) {
      server.env = { ...server.env, DOCKERHUB_TOKEN: environment.DOCKERHUB_TOKEN };
      this.log.info(`starting the MCP server for Docker Hub user "${settings.username}"`);
    } else {
      if (token) this.log.warn('an access token is stored but the setting dockerHub.username is empty: the MCP server runs anonymously');
      else this.log.info('starting the MCP server anonymously (no access token stored)');
    }
    return server;
  }

  /**
   * Bumped on every token change and cache clear, each of which needs a fresh server process; persisted, so a
   * reload keeps VS Code's cached tool list valid.
   */
  get revision(): number {
    return this.context.globalState.get<number>(SERVER_REVISION_KEY, 0);
  }

  /** Makes VS Code stop the running server (it starts a new one on next use), e.g. to drop its memory cache. */
  restartServer(): void {
    this.revisionPending = true;
    this.scheduleChange();
  }

  private get extensionVersion(): string {
    return String(this.context.extension.packageJSON.version ?? '0.0.0');
  }

  private scheduleChange(): void {
    clearTimeout(this.pendingChange);
    this.pendingChange = setTimeout(() => void this.announceChange(), CHANGE_DEBOUNCE_MS);
  }

  private async announceChange(): Promise<void> {
    if (this.revisionPending) {
      this.revisionPending = false;
      await this.context.globalState.update(SERVER_REVISION_KEY, this.revision + 1);
    }
    this.log.info('the MCP server definition changed (credentials, settings or cache): VS Code restarts the server');
    this.changed.fire();
  }

  dispose(): void {
    clearTimeout(this.pendingChange);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}
