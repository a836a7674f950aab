import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { EXTENSION_ID, extensionApi } from './extensionApi';

const COMMANDS = [
  'dockerhubMcp.setToken',
  'dockerhubMcp.clearToken',
  'dockerhubMcp.showAuthStatus',
  'dockerhubMcp.openExplorer',
  'dockerhubMcp.search',
  'dockerhubMcp.clearCache',
  'dockerhubMcp.showServerLog',
  'dockerhubMcp.addRegistryCredentials',
  'dockerhubMcp.removeRegistryCredentials',
  'dockerhubMcp.pinAllImages',
  'dockerhubMcp.checkWorkspace',
];

describe('extension activation', () => {
  it('activates and gives the test runner its parts', async () => {
    const api = await extensionApi();
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
    assert.ok(api.provider && api.tokens && api.authStatus);
  });

  it('registers every command it contributes', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    assert.deepEqual([...contributed].sort(), [...COMMANDS].sort());
    for (const command of COMMANDS) assert.ok(registered.has(command), `${command} is registered`);
  });

  it('reports anonymous use without a token and the account with one', async () => {
    const api = await extensionApi();
    await api.tokens.delete();
    assert.equal((await api.authStatus.refresh()).kind, 'anonymous');
    const config = vscode.workspace.getConfiguration('dockerhubMcp');
    await config.update('username', 'alice', vscode.ConfigurationTarget.Global);
    try {
      await api.tokens.store('dckr_pat_statusCheckFakeToken0000000');
      assert.deepEqual(await api.authStatus.refresh(), { kind: 'configured', username: 'alice' });
    } finally {
      await api.tokens.delete();
      await config.update('username', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
