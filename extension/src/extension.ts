import * as vscode from 'vscode';
import { AuthStatus } from './authStatus';
import { registerCommands } from './commands';
import { registerEditorFeatures } from './editor/editorFeatures';
import { ExplorerClient } from './explorerClient';
import { registerExplorerView } from './explorerView';
import { DockerHubMcpProvider, MCP_PROVIDER_ID } from './mcpProvider';
import { registerRegistryCredentials, type RegistryCredentials } from './registryCredentials';
import { TokenStore } from './secrets';
import { buildServerEnvironment, serverScriptPath } from './serverEnvironment';
import { onDidChangeServerSettings, readServerSettings } from './settings';

/** What activate() returns under an extension test runner, so the suites can reach the parts; nothing otherwise. */
export interface ExtensionTestApi {
  provider: DockerHubMcpProvider;
  tokens: TokenStore;
  authStatus: AuthStatus;
  serverEnvironment: () => Promise<Record<string, string>>;
  registries: RegistryCredentials;
}

export async function activate(context: vscode.ExtensionContext): Promise<ExtensionTestApi | undefined> {
  const log = vscode.window.createOutputChannel('Docker Hub MCP', { log: true });
  const tokens = new TokenStore(context.secrets);
  const registries = registerRegistryCredentials(context, {
    log,
    restartServer: () => provider.restartServer(),
    registryEndpoints: () => readServerSettings().registryEndpoints,
  });
  const provider = new DockerHubMcpProvider(context, tokens, log, registries);
  const authStatus = new AuthStatus(tokens);
  const serverScript = serverScriptPath(context);
  // For the explorer's own server process: the token goes straight into its environment, never into storage.
  const serverEnvironment = async () => ({
    ...buildServerEnvironment(context, readServerSettings(), await tokens.get()),
    ...registries.definitionEnvironment(),
    ...(await registries.secretEnvironment()),
  });

  const editorConnection = new ExplorerClient({ command: process.execPath, args: [serverScript], environment: serverEnvironment }, log);
  context.subscriptions.push(
    registerEditorFeatures({ connection: editorConnection, log, signedIn: async () => Boolean(await tokens.get()), onDidChangeServer: provider.onDidChangeMcpServerDefinitions }),
    { dispose: () => void editorConnection.dispose() },
    provider.onDidChangeMcpServerDefinitions(() => void editorConnection.restart()),
    log,
    tokens,
    registries,
    provider,
    authStatus,
    vscode.lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, provider),
    tokens.onDidChange(() => void authStatus.refresh()),
    onDidChangeServerSettings(() => void authStatus.refresh()),
    registerCommands({ context, provider, tokens, authStatus, log, serverScript, serverEnvironment }),
    registerExplorerView(context, {
      serverEnvironment,
      serverScript,
      log,
      onDidChangeServerEnvironment: provider.onDidChangeMcpServerDefinitions,
    }),
  );
  await authStatus.refresh();
  log.info(`activated ${context.extension.id} ${context.extension.packageJSON.version}`);

  if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
  return { provider, tokens, authStatus, serverEnvironment, registries };
}

export function deactivate(): void {}
