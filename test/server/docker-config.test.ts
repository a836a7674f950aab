import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryCredentials } from '../../server/src/auth/credentials';
import { runCredentialHelper } from '../../server/src/auth/credentialsHelper';
import { helperFor, parseDockerConfig, readDockerConfig, registryOfConfigKey } from '../../server/src/auth/dockerConfig';
import { loadConfig } from '../../server/src/config';
import { createLogger } from '../../server/src/log';
import { writeCredentialHelper } from '../rig/credentials';

/** Docker's config.json read as docker/cli's cli/config reads it, and the credential helper protocol. */
describe('Docker config.json and credential helpers', () => {
  let directory: string;
  let helper: ReturnType<typeof writeCredentialHelper>;
  const logs: string[] = [];

  before(() => {
    helper = writeCredentialHelper({
      'store.example': { answer: { Username: 'ursula', Secret: 'store-secret-000111' } },
      'token.example': { answer: { Username: '<token>', Secret: 'identity-token-000222' } },
      'https://index.docker.io/v1/': { answer: { Username: 'hubber', Secret: 'hub-secret-000333' } },
    });
  });
  after(() => helper.remove());
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'docker-config-'));
    logs.length = 0;
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  function credentials(config: unknown, env: Record<string, string> = {}): RegistryCredentials {
    writeFileSync(join(directory, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
    return new RegistryCredentials({
      config: loadConfig({ DOCKER_CONFIG: directory, ...env }),
      log: createLogger('debug', (line) => logs.push(line)),
      helperEnv: { PATH: `${helper.directory}:${process.env.PATH}` },
    });
  }

  it('normalises keys as docker does: scheme and path dropped, Docker Hub\'s index server is docker.io', () => {
    assert.equal(registryOfConfigKey('https://index.docker.io/v1/'), 'docker.io');
    assert.equal(registryOfConfigKey('http://Registry.Example:5000/v2/'), 'registry.example:5000');
    assert.equal(registryOfConfigKey('ghcr.io'), 'ghcr.io');
  });

  it('decodes `auth` (base64 user:password) over the legacy fields, and keeps identitytoken', () => {
    const file = parseDockerConfig('/x/config.json', {
      auths: {
        'a.example': { auth: Buffer.from('ann:pa:ss').toString('base64'), username: 'ignored', password: 'ignored' },
        'b.example': { username: 'ben', password: 'pw' },
        'c.example': { auth: Buffer.from('cid:').toString('base64'), identitytoken: 'idt' },
      },
    });
    assert.deepEqual(file.auths.get('a.example'), { username: 'ann', password: 'pa:ss' });
    assert.deepEqual(file.auths.get('b.example'), { username: 'ben', password: 'pw' });
    assert.deepEqual(file.auths.get('c.example'), { username: 'cid', identityToken: 'idt' });
  });

  it('a host\'s credHelpers entry wins over credsStore, which wins over auths', () => {
    const file = parseDockerConfig('/x/config.json', { credsStore: 'desktop', credHelpers: { 'gcr.io': 'gcloud' }, auths: { 'a.example': {} } });
    assert.deepEqual(helperFor(file, 'gcr.io'), { name: 'gcloud', setting: 'credHelpers' });
    assert.deepEqual(helperFor(file, 'a.example'), { name: 'desktop', setting: 'credsStore' });
  });

  it('a missing config.json is an empty store; a malformed one is named without its contents', async () => {
    assert.equal((await readDockerConfig(join(directory, 'absent.json'))).auths.size, 0);
    writeFileSync(join(directory, 'config.json'), '{"auths": {"x": {"auth": "c2VjcmV0"}');
    await assert.rejects(readDockerConfig(join(directory, 'config.json')), (err: Error) => /is not valid JSON$/.test(err.message) && !err.message.includes('c2VjcmV0'));
  });

  it('credsStore serves every host without its own helper, docker.io asked as https://index.docker.io/v1/', async () => {
    const store = credentials({ credsStore: 'rigtest', auths: { 'store.example': { auth: Buffer.from('file:ignored').toString('base64') } } });
    assert.deepEqual(await store.lookup('store.example'), {
      username: 'ursula',
      secret: 'store-secret-000111',
      kind: 'basic',
      source: `credsStore (docker-credential-rigtest) in ${join(directory, 'config.json')}`,
    });
    assert.equal((await store.lookup('docker.io'))?.username, 'hubber');
    assert.equal((await store.lookup('token.example'))?.kind, 'identitytoken', 'Username <token> marks an identity token');
    assert.equal(await store.lookup('unknown.example'), undefined, '"credentials not found" is no credentials, not a failure');
    assert.equal(store.identity('unknown.example').problem, undefined);
    assert.ok(!logs.join('').includes('store-secret-000111'));
  });

  it('DOCKERHUB_USERNAME/DOCKERHUB_TOKEN win for docker.io; VS Code\'s credentials win over config.json', async () => {
    const store = credentials(
      { credsStore: 'rigtest' },
      {
        DOCKERHUB_USERNAME: 'envuser',
        DOCKERHUB_TOKEN: 'dckr_pat_envTokenFake0000',
        DOCKERHUB_MCP_REGISTRY_CREDENTIALS: JSON.stringify({ 'store.example': { username: 'vscode', secret: 'vscode-secret-000444' } }),
      },
    );
    assert.equal((await store.lookup('docker.io'))?.source, 'DOCKERHUB_TOKEN');
    assert.deepEqual(await store.lookup('store.example'), {
      username: 'vscode',
      secret: 'vscode-secret-000444',
      kind: 'basic',
      source: 'VS Code secret storage',
    });
  });

  it('a helper name that is not a program name is refused before anything runs', async () => {
    await assert.rejects(runCredentialHelper('../../bin/sh', 'x', { timeoutMs: 1000 }), /is not a program name/);
  });
});
