import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../server/src/config';
import { ALICE_DEFAULT_PAT } from '../rig/images';
import { rig } from '../rig/mocha-hooks';
import { startHttpServer, type HttpServerProcess } from './helpers/httpServer';
import { startInProcess, type InProcessServer } from './helpers/inProcess';

/** DOCKERHUB_TOKEN_FILE and DOCKERHUB_MCP_HTTP_TOKEN_FILE: Docker/Kubernetes secrets, re-read when refused. */
describe('secrets kept in files', () => {
  let directory: string;
  const servers: InProcessServer[] = [];
  const OLD_TOKEN = 'dckr_pat_rotatedAwayFakeToken0000000000';

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'secret-files-'));
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
    rmSync(directory, { recursive: true, force: true });
  });

  function secretFile(name: string, content: string): string {
    const path = join(directory, name);
    writeFileSync(path, content);
    return path;
  }

  it('reads the token from its file, without the trailing newline', () => {
    const path = secretFile('token', `${ALICE_DEFAULT_PAT}\n`);
    const config = loadConfig({ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN_FILE: path });
    assert.equal(config.token, ALICE_DEFAULT_PAT);
    assert.equal(config.tokenFile, path);
  });

  it('refuses a token in both the variable and a file, an unreadable file and an empty one, naming the variable', () => {
    const path = secretFile('token', ALICE_DEFAULT_PAT);
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: ALICE_DEFAULT_PAT, DOCKERHUB_TOKEN_FILE: path }, /DOCKERHUB_TOKEN and DOCKERHUB_TOKEN_FILE are both set/],
      [{ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN_FILE: join(directory, 'absent') }, /DOCKERHUB_TOKEN_FILE names a file that cannot be read \(ENOENT\)/],
      [{ DOCKERHUB_MCP_HTTP_TOKEN_FILE: secretFile('empty', '\n') }, /DOCKERHUB_MCP_HTTP_TOKEN_FILE names an empty file/],
      [{ DOCKERHUB_MCP_DOCKER_CONFIG: 'no' }, /DOCKERHUB_MCP_DOCKER_CONFIG must be 0 .* or 1/],
      [{ DOCKERHUB_MCP_REGISTRY_CREDENTIALS: '{"ghcr.io": {"username": "u"}}' }, /entry "ghcr\.io" needs a string username and a non-empty secret/],
    ];
    for (const [env, reason] of cases) {
      assert.throws(() => loadConfig(env), (err: Error) => err instanceof ConfigError && reason.test(err.message) && !err.message.includes(ALICE_DEFAULT_PAT));
    }
  });

  it('a rotated DOCKERHUB_TOKEN_FILE is read again when the registry\'s token service refuses the old token', async () => {
    const path = secretFile('token', OLD_TOKEN);
    const mcp = await startInProcess({ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN_FILE: path });
    servers.push(mcp);
    writeFileSync(path, `${ALICE_DEFAULT_PAT}\n`);
    const result = await mcp.callTool('docker_get_manifest', { image: 'alice/private-app:1' });
    assert.equal(result.isError, false, result.text);
    assert.deepEqual(
      rig().tokenServer.requests().map((r) => `${r.user} ${r.status}`),
      ['alice 401', 'alice 200'],
      'refused once with the old token, then asked with the new one',
    );
  });

  it('a rotated DOCKERHUB_TOKEN_FILE is read again when the Docker Hub login refuses the old token', async () => {
    const path = secretFile('token', OLD_TOKEN);
    const mcp = await startInProcess({ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN_FILE: path });
    servers.push(mcp);
    writeFileSync(path, ALICE_DEFAULT_PAT);
    const result = await mcp.callTool('docker_list_namespaces');
    assert.equal(result.isError, false, result.text);
    assert.ok(!mcp.logs.join('').includes(ALICE_DEFAULT_PAT) && !mcp.logs.join('').includes(OLD_TOKEN));
  });

  it('a token file that still holds the refused token is an UNAUTHORIZED login naming the account', async () => {
    const path = secretFile('token', OLD_TOKEN);
    const mcp = await startInProcess({ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN_FILE: path });
    servers.push(mcp);
    const result = await mcp.callTool('docker_list_namespaces');
    assert.equal(result.isError, true);
    assert.match(result.text, /^UNAUTHORIZED: Docker Hub refused the login of "alice"/);
  });

  describe('DOCKERHUB_MCP_HTTP_TOKEN_FILE', () => {
    let server: HttpServerProcess | undefined;
    afterEach(() => {
      server?.child.kill();
      server = undefined;
    });

    it('a client with the rotated token is let in without a restart; the old token no longer is', async () => {
      const path = secretFile('http-token', 'http-token-before-rotation-0001');
      server = await startHttpServer([], { DOCKERHUB_MCP_HTTP_TOKEN_FILE: path });
      const status = async (token: string) => {
        const response = await fetch(server!.url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
        });
        await response.arrayBuffer();
        return response.status;
      };
      assert.notEqual(await status('http-token-before-rotation-0001'), 401);
      writeFileSync(path, 'http-token-after-rotation-0002\n');
      assert.notEqual(await status('http-token-after-rotation-0002'), 401);
      assert.equal(await status('http-token-before-rotation-0001'), 401);
    });
  });
});
