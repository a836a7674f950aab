import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { delay, extensionApi, nextEvent } from './extensionApi';
import { runConfig } from './runConfig';

const FIRST_TOKEN = 'dckr_pat_firstCanaryToken0000000000000';
const SECOND_TOKEN = 'dckr_pat_secondCanaryToken000000000000';

async function definition(): Promise<vscode.McpStdioServerDefinition> {
  const api = await extensionApi();
  const definitions = await api.provider.provideMcpServerDefinitions();
  assert.equal(definitions.length, 1);
  return definitions[0];
}

describe('MCP server definition provider', () => {
  const config = () => vscode.workspace.getConfiguration('dockerHub');

  before(async () => {
    await config().update('username', runConfig().rigUser.username, vscode.ConfigurationTarget.Global);
    await delay(400);
  });
  after(async () => {
    const api = await extensionApi();
    await api.tokens.delete();
    await config().update('username', undefined, vscode.ConfigurationTarget.Global);
  });

  it('runs the bundled server with the editor’s own Node and the rig settings', async () => {
    const server = await definition();
    const settings = runConfig().settings;
    assert.equal(server.label, 'Docker Hub');
    assert.equal(server.command, process.execPath);
    assert.equal(server.args.length, 1);
    assert.match(server.args[0], /[\\/]server[\\/]dist[\\/]index\.js$/);
    assert.ok(existsSync(server.args[0]), `${server.args[0]} exists`);
    assert.equal(server.env.ELECTRON_RUN_AS_NODE, '1');
    assert.equal(server.env.DOCKERHUB_API_URL, settings['dockerHub.hubApiUrl']);
    assert.equal(server.env.DOCKERHUB_REGISTRY_URL, settings['dockerHub.registryUrl']);
    assert.equal(server.env.DOCKERHUB_USERNAME, runConfig().rigUser.username);
    assert.match(String(server.env.DOCKERHUB_MCP_CACHE_DIR), /dockerhub-mcp\.dockerhub-mcp[\\/]cache$/i);
    assert.ok(server.version, 'the definition has a version');
  });

  it('keeps the stored token out of the definition and adds it when VS Code resolves the server', async () => {
    const api = await extensionApi();
    await api.tokens.store(FIRST_TOKEN);
    const server = await definition();
    assert.ok(!JSON.stringify(server).includes(FIRST_TOKEN), 'no token in the definition VS Code caches');
    // null removes a DOCKERHUB_TOKEN inherited from the editor's environment.
    assert.equal(server.env.DOCKERHUB_TOKEN, null);
    const resolved = (await api.provider.resolveMcpServerDefinition(server)) as vscode.McpStdioServerDefinition;
    assert.equal(resolved.env.DOCKERHUB_TOKEN, FIRST_TOKEN);
  });

  it('keeps registry credentials out of the definition and adds them only when VS Code resolves the server', async () => {
    const api = await extensionApi();
    const secret = 'registry-canary-secret-0000000000';
    await api.registries.store.set('ghcr.io', 'octo', secret);
    try {
      const server = await definition();
      assert.ok(!JSON.stringify(server).includes(secret), 'no registry secret in the definition VS Code caches');
      assert.equal(server.env.DOCKERHUB_MCP_REGISTRY_CREDENTIALS, null);
      assert.equal(server.env.DOCKERHUB_MCP_DOCKER_CONFIG, '1');
      const resolved = (await api.provider.resolveMcpServerDefinition(server)) as vscode.McpStdioServerDefinition;
      assert.deepEqual(JSON.parse(String(resolved.env.DOCKERHUB_MCP_REGISTRY_CREDENTIALS)), { 'ghcr.io': { username: 'octo', secret } });
    } finally {
      await api.registries.store.remove('ghcr.io');
    }
  });

  it('runs the server anonymously when no token is stored', async () => {
    const api = await extensionApi();
    await api.tokens.delete();
    const resolved = (await api.provider.resolveMcpServerDefinition(await definition())) as vscode.McpStdioServerDefinition;
    assert.equal(resolved.env.DOCKERHUB_TOKEN, null);
  });

  it('a new token changes the version and fires one change event', async () => {
    const api = await extensionApi();
    await api.tokens.store(FIRST_TOKEN);
    await delay(600);
    const before = (await definition()).version;
    let fired = 0;
    const subscription = api.provider.onDidChangeMcpServerDefinitions(() => fired++);
    try {
      const changed = nextEvent(api.provider.onDidChangeMcpServerDefinitions, 5000);
      await api.tokens.store(SECOND_TOKEN);
      await changed;
      // SecretStorage may report one store twice; the provider must still announce it once.
      await delay(600);
      assert.equal(fired, 1);
    } finally {
      subscription.dispose();
    }
    const after = await definition();
    assert.notEqual(after.version, before);
    assert.ok(!JSON.stringify(after).includes(SECOND_TOKEN));
    const resolved = (await api.provider.resolveMcpServerDefinition(after)) as vscode.McpStdioServerDefinition;
    assert.equal(resolved.env.DOCKERHUB_TOKEN, SECOND_TOKEN);
  });

  it('a settings change changes the version and fires the change event', async () => {
    const api = await extensionApi();
    const before = await definition();
    const changed = nextEvent(api.provider.onDidChangeMcpServerDefinitions, 5000);
    await config().update('cacheMaxMb', 32, vscode.ConfigurationTarget.Global);
    try {
      await changed;
      const after = await definition();
      assert.notEqual(after.version, before.version);
      assert.equal(after.env.DOCKERHUB_MCP_CACHE_MAX_MB, '32');
    } finally {
      await config().update('cacheMaxMb', undefined, vscode.ConfigurationTarget.Global);
      await delay(400);
    }
  });

  it('Clear Cache changes the version, so VS Code starts a fresh server with an empty memory cache', async () => {
    const api = await extensionApi();
    const before = (await definition()).version;
    const changed = nextEvent(api.provider.onDidChangeMcpServerDefinitions, 5000);
    await vscode.commands.executeCommand('dockerhubMcp.clearCache');
    await changed;
    assert.notEqual((await definition()).version, before);
  });

  it('dockerHub.toolsets narrows the tools Copilot gets, not the ones the explorer uses', async () => {
    const api = await extensionApi();
    assert.equal((await definition()).env.DOCKERHUB_MCP_TOOLSETS ?? null, null);
    const changed = nextEvent(api.provider.onDidChangeMcpServerDefinitions, 5000);
    await config().update('toolsets', ['search', 'images'], vscode.ConfigurationTarget.Global);
    try {
      await changed;
      assert.equal((await definition()).env.DOCKERHUB_MCP_TOOLSETS, 'search,images');
      assert.equal('DOCKERHUB_MCP_TOOLSETS' in (await api.serverEnvironment()), false);
    } finally {
      await config().update('toolsets', undefined, vscode.ConfigurationTarget.Global);
      await delay(400);
    }
  });

  it('dockerHub.readOnly starts Copilot’s server with --read-only, a new definition version', async () => {
    const api = await extensionApi();
    const before = await definition();
    assert.deepEqual(before.args.slice(1), []);
    const changed = nextEvent(api.provider.onDidChangeMcpServerDefinitions, 5000);
    await config().update('readOnly', true, vscode.ConfigurationTarget.Global);
    try {
      await changed;
      const readOnly = await definition();
      assert.deepEqual(readOnly.args.slice(1), ['--read-only']);
      assert.notEqual(readOnly.version, before.version, 'VS Code starts a new server rather than keep the old tool list');
    } finally {
      await config().update('readOnly', undefined, vscode.ConfigurationTarget.Global);
      await delay(400);
    }
  });

  it('the window’s one connection answers tools and logs a failed call with its arguments and code', async () => {
    const api = await extensionApi();
    // Anonymous: the fake tokens of the tests above would be refused by the registry.
    if (await api.tokens.get()) {
      const changed = nextEvent(api.provider.onDidChangeMcpServerDefinitions, 5000);
      await api.tokens.delete();
      await changed;
    }
    const found = await api.connection.callTool('docker_get_manifest', { image: 'demo:1.0' });
    assert.equal(found.ok, true, JSON.stringify(found));
    const missing = await api.connection.callTool('docker_get_manifest', { image: 'nosuchimage:1' });
    assert.equal(missing.ok, false);
    assert.equal(!missing.ok && missing.error.code, 'NOT_FOUND');
  });
});
