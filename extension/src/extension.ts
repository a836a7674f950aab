import * as vscode from 'vscode';
import { AuthStatus } from './authStatus';
import { registerCommands } from './commands';
import { registerEditorFeatures } from './editor/editorFeatures';
import { registerExplorerView } from './explorerView';
import { DockerHubMcpProvider, MCP_PROVIDER_ID } from './mcpProvider';
import { registerRegistryCredentials, type RegistryCredentials } from './registryCredentials';
import { TokenStore } from './secrets';
import { ServerConnection } from './serverConnection';
import { buildServerEnvironment, serverScriptPath } from './serverEnvironment';
import { onDidChangeServerSettings, readServerSettings } from './settings';

/** What activate() returns under an extension test runner, so the suites can reach the parts; nothing otherwise. */
export interface ExtensionTestApi {
  provider: DockerHubMcpProvider;
  tokens: TokenStore;
  authStatus: AuthStatus;
  connection: ServerConnection;
  serverEnvironment: () => Promise<Record<string, string>>;
  registries: RegistryCredentials;
}

export async function activate(context: vscode.ExtensionContext): Promise<ExtensionTestApi | undefined> {
  const log = vscode.window.createOutputChannel('Docker Hub', { log: true });
  const tokens = new TokenStore(context.secrets);
  const registries = registerRegistryCredentials(context, {
    log,
    restartServer: () => provider.restartServer(),
    registryEndpoints: () => readServerSettings().registryEndpoints,
  });
  const provider = new DockerHubMcpProvider(context, tokens, log, registries);
  const authStatus = new AuthStatus(tokens);
  // The token goes straight into the process environment, never into storage.
  const serverEnvironment = async () => ({
    ...buildServerEnvironment(context, readServerSettings(), await tokens.get()),
    ...registries.definitionEnvironment(),
    ...(await registries.secretEnvironment()),
  });
  // The window's one server besides the one VS Code starts for Copilot: explorer, commands and editor features share it.
  const connection = new ServerConnection({ command: process.execPath, args: [serverScriptPath(context)], environment: serverEnvironment }, log);
  const explorer = registerExplorerView(context, connection, log);

  context.subscriptions.push(
    registerEditorFeatures({ connection, log, signedIn: async () => Boolean(await tokens.get()), onDidChangeServer: provider.onDidChangeMcpServerDefinitions }),
    log,
    tokens,
    registries,
    provider,
    authStatus,
    vscode.lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, provider),
    tokens.onDidChange(() => void authStatus.refresh()),
    onDidChangeServerSettings(() => void authStatus.refresh()),
    // The provider's change event is debounced and covers the token and every server setting: the connection's
    // server reads its environment once, so it gives way to a new one, and the explorer asks again.
    provider.onDidChangeMcpServerDefinitions(() => {
      void connection.restart().then(() => explorer.provider.refresh());
    }),
    explorer.registration,
    registerCommands({ provider, tokens, authStatus, log, connection, explorer: explorer.provider }),
    { dispose: () => void connection.dispose() },
  );
  await authStatus.refresh();
  log.info(`activated ${context.extension.id} ${context.extension.packageJSON.version}`);

  if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
  return { provider, tokens, authStatus, connection, serverEnvironment, registries };
}

export function deactivate(): void {}
