import { strict as assert } from 'node:assert';
import {
  RegistryLoginError,
  registryBaseUrl,
  registryCredentialsVariable,
  registryHostProblem,
  verifyRegistryLogin,
} from '../../../extension/src/registryLogin';
import { startCredentialRig, type CredentialRig } from '../../rig/credentials';

describe('registry host as typed in Add Registry Credentials', () => {
  it('accepts hosts with ports and refuses URLs, paths and Docker Hub', () => {
    for (const host of ['ghcr.io', 'registry.example.com:5000', 'localhost:5000', '127.0.0.1:5001']) {
      assert.equal(registryHostProblem(host), undefined, host);
    }
    assert.match(registryHostProblem('https://ghcr.io') ?? '', /no https:\/\/, no path/);
    assert.match(registryHostProblem('ghcr.io/owner') ?? '', /no https:\/\/, no path/);
    assert.match(registryHostProblem('docker.io') ?? '', /Set Access Token/);
    assert.match(registryHostProblem('') ?? '', /Type the registry host/);
  });

  it('finds the base URL as the server does: the endpoints setting, else https, plain http only on loopback', () => {
    assert.equal(registryBaseUrl('ghcr.io', {}), 'https://ghcr.io');
    assert.equal(registryBaseUrl('localhost:5000', {}), 'http://localhost:5000');
    assert.equal(registryBaseUrl('ghcr.io', { 'GHCR.io': 'http://127.0.0.1:5001/' }), 'http://127.0.0.1:5001');
  });

  it('hands the server one JSON variable, nothing when nothing is stored', () => {
    assert.equal(registryCredentialsVariable({}), undefined);
    assert.deepEqual(JSON.parse(registryCredentialsVariable({ 'ghcr.io': { username: 'u', secret: 's' } })!), {
      'ghcr.io': { username: 'u', secret: 's' },
    });
  });
});

describe('registry credentials checked before they are stored, against real registries', function () {
  this.timeout(120_000);
  let creds: CredentialRig;
  before(async () => {
    creds = await startCredentialRig();
  });
  after(async () => creds?.stop());
  it('accepts the right password at an htpasswd registry (Basic) and at a token realm', async () => {
    const basic = { host: creds.basic.host, baseUrl: creds.basic.url, username: creds.basic.username, secret: creds.basic.password };
    assert.equal(await verifyRegistryLogin(basic), 'checked');
    creds.token.tokenServer.resetCounts();
    const token = { host: 'token.test', baseUrl: creds.token.url, username: creds.token.dave.username, secret: creds.token.dave.password };
    assert.equal(await verifyRegistryLogin(token), 'checked');
    assert.deepEqual(creds.token.tokenServer.requests().map((r) => `${r.user} ${r.status}`), ['dave 200']);
  });

  it('refuses a wrong password with words naming the host, without the password', async () => {
    for (const [host, baseUrl, username] of [
      [creds.basic.host, creds.basic.url, creds.basic.username],
      ['token.test', creds.token.url, creds.token.dave.username],
    ]) {
      await assert.rejects(
        verifyRegistryLogin({ host, baseUrl, username, secret: 'wrong-password-123' }),
        (err: Error) => err instanceof RegistryLoginError && err.refused && err.message.startsWith(`${host} refused`) && !err.message.includes('wrong-password-123'),
      );
    }
  });

  it('a registry that cannot be reached is a sentence naming the host', async () => {
    await assert.rejects(
      verifyRegistryLogin({ host: 'closed.test', baseUrl: 'http://127.0.0.1:9', username: 'u', secret: 's', timeoutMs: 2000 }),
      (err: Error) => err instanceof RegistryLoginError && !err.refused && /^closed\.test could not be reached: check the host name/.test(err.message),
    );
  });
});
