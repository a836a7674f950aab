import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import {
  MANAGED_VARIABLES,
  buildServerEnvironment,
  registryEndpointsVariable,
  serverDefinitionVersion,
  serverScriptPath,
  type ServerSettings,
} from '../../../extension/src/serverEnvironment';
import { loadConfig } from '../../../server/src/config';

const STORAGE = { globalStorageUri: { fsPath: '/home/user/.config/Code/User/globalStorage/dockerhub-mcp.dockerhub-mcp' } };
const TOKEN = 'dckr_pat_unitCanaryToken000000000000000';

function settings(overrides: Partial<ServerSettings> = {}): ServerSettings {
  return {
    username: 'alice',
    registryEndpoints: {},
    cacheMaxMb: 64,
    logLevel: 'warn',
    hubApiUrl: '',
    registryUrl: '',
    scoutUrl: '',
    toolsets: [],
    readOnly: false,
    ...overrides,
  };
}

describe('server environment', () => {
  it('runs the bundled server script inside the extension', () => {
    assert.equal(serverScriptPath({ extensionPath: '/ext' }), join('/ext', 'server', 'dist', 'index.js'));
  });

  it('makes the editor binary act as Node and keeps the disk cache in the extension’s global storage', () => {
    const env = buildServerEnvironment(STORAGE, settings());
    assert.equal(env.ELECTRON_RUN_AS_NODE, '1');
    assert.equal(env.DOCKERHUB_MCP_CACHE_DIR, join(STORAGE.globalStorageUri.fsPath, 'cache'));
    assert.equal(env.DOCKERHUB_MCP_CACHE_MAX_MB, '64');
    assert.equal(env.DOCKERHUB_MCP_LOG_LEVEL, 'warn');
    assert.equal(env.DOCKERHUB_USERNAME, 'alice');
  });

  it('holds no token unless one is passed', () => {
    const env = buildServerEnvironment(STORAGE, settings());
    assert.equal('DOCKERHUB_TOKEN' in env, false);
    assert.ok(!JSON.stringify(env).includes('dckr_'));
  });

  it('adds the token when passed with a username', () => {
    assert.equal(buildServerEnvironment(STORAGE, settings(), TOKEN).DOCKERHUB_TOKEN, TOKEN);
  });

  it('leaves a token without a username out, since the server refuses that pair', () => {
    const env = buildServerEnvironment(STORAGE, settings({ username: '  ' }), TOKEN);
    assert.equal('DOCKERHUB_TOKEN' in env, false);
    assert.equal('DOCKERHUB_USERNAME' in env, false);
    assert.doesNotThrow(() => loadConfig(env));
  });

  it('sets API URLs only when configured, so the server keeps Docker Hub’s defaults', () => {
    const plain = buildServerEnvironment(STORAGE, settings());
    for (const name of ['DOCKERHUB_API_URL', 'DOCKERHUB_REGISTRY_URL', 'DOCKERHUB_SCOUT_URL', 'DOCKERHUB_MCP_REGISTRY_ENDPOINTS']) {
      assert.equal(name in plain, false, name);
    }
    const configured = buildServerEnvironment(
      STORAGE,
      settings({ hubApiUrl: 'http://127.0.0.1:9001', registryUrl: 'http://127.0.0.1:9002', scoutUrl: 'http://127.0.0.1:9001/v1/graphql' }),
    );
    assert.equal(configured.DOCKERHUB_API_URL, 'http://127.0.0.1:9001');
    assert.equal(configured.DOCKERHUB_REGISTRY_URL, 'http://127.0.0.1:9002');
    assert.equal(configured.DOCKERHUB_SCOUT_URL, 'http://127.0.0.1:9001/v1/graphql');
  });

  it('writes registry endpoints as host=url pairs, dropping empty ones', () => {
    assert.equal(
      registryEndpointsVariable({ 'ghcr.io': 'https://ghcr.io', 'localhost:5000': ' http://127.0.0.1:5000 ', 'empty.example': '' }),
      'ghcr.io=https://ghcr.io,localhost:5000=http://127.0.0.1:5000',
    );
  });

  it('is accepted by the server’s own configuration loader, token and all', () => {
    const env = buildServerEnvironment(
      STORAGE,
      settings({ registryEndpoints: { 'ghcr.io': 'https://ghcr.io' }, cacheMaxMb: 128, logLevel: 'debug', hubApiUrl: 'http://127.0.0.1:9001' }),
      TOKEN,
    );
    const config = loadConfig(env);
    assert.equal(config.username, 'alice');
    assert.equal(config.token, TOKEN);
    assert.equal(config.cacheMaxBytes, 128 * 1024 * 1024);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.registryEndpoints.get('ghcr.io'), 'https://ghcr.io');
    assert.equal(config.hubApiUrl, 'http://127.0.0.1:9001');
  });

  it('names every variable it can set among the managed ones, so the definition can clear inherited values', () => {
    const env = buildServerEnvironment(
      STORAGE,
      settings({ registryEndpoints: { 'ghcr.io': 'https://ghcr.io' }, hubApiUrl: 'https://h', registryUrl: 'https://r', scoutUrl: 'https://s' }),
      TOKEN,
    );
    const unmanaged = Object.keys(env).filter((name) => name !== 'ELECTRON_RUN_AS_NODE' && !(MANAGED_VARIABLES as readonly string[]).includes(name));
    assert.deepEqual(unmanaged, []);
  });
});

describe('server definition version', () => {
  it('is the same for the same settings and credentials', () => {
    assert.equal(serverDefinitionVersion('0.1.0', settings(), 3), serverDefinitionVersion('0.1.0', settings(), 3));
  });

  it('does not depend on the order settings were read in', () => {
    const a = settings({ registryEndpoints: { 'a.example': 'https://a', 'b.example': 'https://b' } });
    const b = settings({ registryEndpoints: { 'b.example': 'https://b', 'a.example': 'https://a' } });
    assert.equal(serverDefinitionVersion('0.1.0', a, 0), serverDefinitionVersion('0.1.0', b, 0));
  });

  it('changes when the stored token changes (the revision is bumped)', () => {
    assert.notEqual(serverDefinitionVersion('0.1.0', settings(), 3), serverDefinitionVersion('0.1.0', settings(), 4));
  });

  it('changes when any setting or the extension version changes', () => {
    const base = serverDefinitionVersion('0.1.0', settings(), 0);
    const variants: Array<[string, string]> = [
      ['username', serverDefinitionVersion('0.1.0', settings({ username: 'bob' }), 0)],
      ['endpoints', serverDefinitionVersion('0.1.0', settings({ registryEndpoints: { 'ghcr.io': 'https://ghcr.io' } }), 0)],
      ['cache size', serverDefinitionVersion('0.1.0', settings({ cacheMaxMb: 65 }), 0)],
      ['log level', serverDefinitionVersion('0.1.0', settings({ logLevel: 'debug' }), 0)],
      ['hub API', serverDefinitionVersion('0.1.0', settings({ hubApiUrl: 'https://hub.example' }), 0)],
      ['registry', serverDefinitionVersion('0.1.0', settings({ registryUrl: 'https://registry.example' }), 0)],
      ['scout', serverDefinitionVersion('0.1.0', settings({ scoutUrl: 'https://scout.example' }), 0)],
      ['extension version', serverDefinitionVersion('0.2.0', settings(), 0)],
    ];
    for (const [what, version] of variants) assert.notEqual(version, base, `${what} changes the version`);
  });
});
