import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCredentialRig, writeCredentialHelper, type CredentialRig } from '../rig/credentials';
import { ALICE_DEFAULT_PAT, BOB_DEFAULT_PAT } from '../rig/images';
import { rig } from '../rig/mocha-hooks';
import { startInProcess, type InProcessServer, type ToolOutcome } from './helpers/inProcess';

/**
 * Credentials for any registry, read as docker/cli reads them, against real docker-registry processes: htpasswd
 * (Basic) and a token server with per-user private repositories, a real credential helper executable on PATH, an
 * identity token, and a hostile registry on another loopback port that asks for credentials it must never get.
 */
describe('registry credentials from Docker\'s config.json', function () {
  this.timeout(60_000);
  let creds: CredentialRig;
  let helper: ReturnType<typeof writeCredentialHelper>;
  let configDir: string;
  let cacheDir: string;
  const savedPath = process.env.PATH;
  const servers: InProcessServer[] = [];

  /** Aliases of the token registry, one per way of holding credentials; the config.json keys name them. */
  const AUTHS = 'auths.token.test';
  const HELPER = 'helper.token.test';
  const IDENTITY = 'identity.token.test';
  const WRONG = 'wrong.token.test';
  const MISSING = 'missing.token.test';
  const FAILING = 'failing.token.test';
  const HANGING = 'hanging.token.test';
  const GARBAGE = 'garbage.token.test';
  const WRONG_BASIC = 'wrong.basic.test';

  before(async function () {
    this.timeout(120_000);
    creds = await startCredentialRig();
    const dave = { Username: creds.token.dave.username, Secret: creds.token.dave.password };
    helper = writeCredentialHelper({
      [HELPER]: { answer: dave },
      [FAILING]: { fail: 3 },
      [HANGING]: { hang: true },
      [GARBAGE]: { garbage: `not json, but the secret anyway: ${creds.token.dave.password}` },
    });
    process.env.PATH = `${helper.directory}:${savedPath}`;
    configDir = mkdtempSync(join(tmpdir(), 'creds-docker-config-'));
    cacheDir = mkdtempSync(join(tmpdir(), 'creds-cache-'));
    const auth = (user: string, secret: string) => Buffer.from(`${user}:${secret}`).toString('base64');
    writeFileSync(
      join(configDir, 'config.json'),
      JSON.stringify({
        auths: {
          [AUTHS]: { auth: auth(creds.token.dave.username, creds.token.dave.password) },
          [`https://${IDENTITY}`]: { auth: auth('00000000-0000-0000-0000-000000000000', ''), identitytoken: creds.token.erin.identityToken },
          [WRONG]: { username: creds.token.dave.username, password: 'not-the-password' },
          [creds.basic.host]: { auth: auth(creds.basic.username, creds.basic.password) },
          [WRONG_BASIC]: { auth: auth(creds.basic.username, 'not-the-password') },
          [creds.redirecting.host]: { auth: auth(creds.redirecting.username, creds.redirecting.password) },
          [`https://index.docker.io/v1/`]: { auth: auth('bob', BOB_DEFAULT_PAT) },
        },
        credHelpers: { [HELPER]: 'rigtest', [FAILING]: 'rigtest', [HANGING]: 'rigtest', [GARBAGE]: 'rigtest', [MISSING]: 'absent' },
      }),
    );
  });

  after(async () => {
    process.env.PATH = savedPath;
    await Promise.all(servers.map((server) => server.close()));
    await creds?.stop();
    helper?.remove();
    rmSync(configDir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    creds.token.tokenServer.resetCounts();
    creds.hostile.requests.length = 0;
  });

  async function server(env: Record<string, string> = {}): Promise<InProcessServer> {
    const aliases = [AUTHS, HELPER, IDENTITY, WRONG, MISSING, FAILING, HANGING, GARBAGE].map((host) => `${host}=${creds.token.url}`);
    const started = await startInProcess({
      DOCKERHUB_MCP_DOCKER_CONFIG: '1',
      DOCKER_CONFIG: configDir,
      DOCKERHUB_MCP_LOG_LEVEL: 'debug',
      DOCKERHUB_MCP_CACHE_DIR: cacheDir,
      DOCKERHUB_MCP_TIMEOUT_MS: '4000',
      DOCKERHUB_MCP_REGISTRY_ENDPOINTS: [...aliases, `${WRONG_BASIC}=${creds.basic.url}`, `ghcr.io=${rig().registry.url}`].join(','),
      ...env,
    });
    servers.push(started);
    return started;
  }

  function ok(outcome: ToolOutcome): Record<string, any> {
    assert.equal(outcome.isError, false, outcome.text);
    return outcome.structured!;
  }

  function refusedWith(outcome: ToolOutcome, code: string, ...patterns: RegExp[]): void {
    assert.equal(outcome.isError, true, `expected ${code}, got: ${outcome.text}`);
    assert.match(outcome.text, new RegExp(`^${code}: `));
    for (const pattern of patterns) assert.match(outcome.text, pattern);
  }

  const digest = () => creds.image.manifest.digest;
  const escape = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

  it('reads a private repository with the username and password of `auths` (Basic at the token realm)', async () => {
    const mcp = await server();
    assert.equal(ok(await mcp.callTool('docker_get_manifest', { image: `${AUTHS}/dave/private:1` })).digest, digest());
    const requests = creds.token.tokenServer.requests();
    assert.deepEqual(requests.map((r) => `${r.grant ?? 'basic'} ${r.user} ${r.status}`), ['basic dave 200']);
  });

  it('answers an htpasswd registry\'s Basic challenge with the credentials of its own `auths` entry', async () => {
    const mcp = await server();
    const inspected = ok(await mcp.callTool('docker_inspect_image', { image: `${creds.basic.host}/carol/app:1` }));
    assert.equal(inspected.digest, digest());
  });

  it('runs the host\'s credHelpers entry as `docker-credential-<name> get`, server address on stdin', async () => {
    const mcp = await server();
    const runsBefore = helper.runs();
    assert.equal(ok(await mcp.callTool('docker_get_manifest', { image: `${HELPER}/dave/private:1` })).digest, digest());
    assert.equal(ok(await mcp.callTool('docker_get_manifest', { image: `${HELPER}/dave/private@${digest()}` })).digest, digest());
    assert.equal(helper.runs() - runsBefore, 1, 'the helper\'s answer is kept, not asked for per request');
    assert.deepEqual(creds.token.tokenServer.requests().map((r) => r.user), ['dave']);
  });

  it('exchanges an identity token at the realm with grant_type=refresh_token (POST form)', async () => {
    const mcp = await server();
    assert.equal(ok(await mcp.callTool('docker_get_manifest', { image: `${IDENTITY}/erin/private:1` })).digest, digest());
    const requests = creds.token.tokenServer.requests();
    assert.deepEqual(requests.map((r) => `${r.grant ?? 'basic'} ${r.user} ${r.status}`), ['refresh_token erin 200']);
    assert.deepEqual(requests[0].scopes, ['repository:erin/private:pull']);
  });

  it('asks for both repositories\' scopes in one token request when one call reads two repositories', async () => {
    const mcp = await server();
    ok(await mcp.callTool('docker_get_manifest', { image: `${AUTHS}/shared/public:1` }));
    creds.token.tokenServer.resetCounts();
    ok(await mcp.callTool('docker_compare_images', { image_a: `${AUTHS}/dave/private:1`, image_b: `${AUTHS}/shared/other:1` }));
    const requests = creds.token.tokenServer.requests();
    assert.equal(requests.length, 1, JSON.stringify(requests));
    assert.deepEqual([...requests[0].scopes].sort(), ['repository:dave/private:pull', 'repository:shared/other:pull']);
    assert.equal(requests[0].user, 'dave');
  });

  it('says who each registry was asked as in docker_check_rate_limit, never the secret', async () => {
    const mcp = await server();
    ok(await mcp.callTool('docker_get_manifest', { image: `${HELPER}/dave/private:1` }));
    ok(await mcp.callTool('docker_get_manifest', { image: `${FAILING}/shared/public:1` }));
    const result = await mcp.callTool('docker_check_rate_limit');
    const answer = ok(result);
    assert.deepEqual(answer.identity, {
      registry: 'docker.io',
      as: 'account',
      username: 'bob',
      source: `auths in ${join(configDir, 'config.json')}`,
      problem: null,
    });
    const byHost = new Map<string, any>(answer.registries.map((entry: any) => [entry.registry, entry]));
    assert.equal(byHost.get(HELPER).username, 'dave');
    assert.match(byHost.get(HELPER).source, /credHelpers \(docker-credential-rigtest\)/);
    assert.equal(byHost.get(FAILING).as, 'anonymous');
    assert.match(byHost.get(FAILING).problem, /docker-credential-rigtest failed \(exit status 3\)/);
    assert.equal(byHost.get(IDENTITY).as, 'account');
    assert.match(result.text, /asked as bob \(from auths in /);
    assert.match(result.text, new RegExp(`Signed in: .*${HELPER.replace(/\./g, '\\.')} as dave`));
  });

  it('lets DOCKERHUB_USERNAME/DOCKERHUB_TOKEN win for docker.io over config.json', async () => {
    const mcp = await server({ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: ALICE_DEFAULT_PAT });
    ok(await mcp.callTool('docker_get_manifest', { image: 'alice/private-app:1' }));
    assert.deepEqual(rig().tokenServer.requests().map((r) => r.user), ['alice']);
    const anonymousEnv = await server();
    rig().tokenServer.resetCounts();
    ok(await anonymousEnv.callTool('docker_get_manifest', { image: 'demo:latest' }));
    assert.deepEqual(rig().tokenServer.requests().map((r) => r.user), ['bob'], 'https://index.docker.io/v1/ is docker.io');
  });

  it('reads no credentials with DOCKERHUB_MCP_DOCKER_CONFIG=0', async () => {
    const mcp = await server({ DOCKERHUB_MCP_DOCKER_CONFIG: '0' });
    const runsBefore = helper.runs();
    refusedWith(await mcp.callTool('docker_get_manifest', { image: `${AUTHS}/dave/private:1` }), 'UNAUTHORIZED', /asked anonymously/);
    refusedWith(await mcp.callTool('docker_get_manifest', { image: `${HELPER}/dave/private:1` }), 'UNAUTHORIZED');
    assert.equal(helper.runs(), runsBefore);
    assert.ok(creds.token.tokenServer.requests().every((r) => r.user === null));
  });

  describe('when credentials cannot be had, a private image says why and public ones still read', () => {
    const cases: Array<[string, string, RegExp[]]> = [
      ['a wrong password in auths', WRONG, [/refused the credentials of dave from auths in /]],
      ['a helper that is not installed', MISSING, [/docker-credential-absent is not installed \(not found on PATH\)/]],
      ['a failing helper', FAILING, [/docker-credential-rigtest failed \(exit status 3\)/]],
      ['a hanging helper', HANGING, [/docker-credential-rigtest did not answer within 2000 ms/]],
      ['a helper printing garbage', GARBAGE, [/docker-credential-rigtest answered with something other than the helper protocol's JSON/]],
    ];
    for (const [name, host, patterns] of cases) {
      it(name, async () => {
        const mcp = await server();
        const started = process.hrtime.bigint();
        const failed = await mcp.callTool('docker_get_manifest', { image: `${host}/dave/private:1` });
        refusedWith(failed, 'UNAUTHORIZED', escape(`${host}/dave/private:1`), escape(host), ...patterns);
        assert.doesNotMatch(failed.text, escape(creds.token.dave.password));
        assert.equal(ok(await mcp.callTool('docker_get_manifest', { image: `${host}/shared/public:1` })).digest, digest());
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        assert.ok(seconds < 4 * 2, `both calls end within their deadlines (${seconds} s)`);
      });
    }

    it('a wrong password at an htpasswd registry', async () => {
      const mcp = await server();
      refusedWith(
        await mcp.callTool('docker_inspect_image', { image: `${WRONG_BASIC}/carol/app:1` }),
        'UNAUTHORIZED',
        /wrong\.basic\.test refused the credentials of carol from auths in /,
      );
    });
  });

  describe('canary: each credential reaches only its own registry and realm', () => {
    let canaryCache: string;
    before(() => (canaryCache = mkdtempSync(join(tmpdir(), 'creds-canary-cache-'))));
    after(() => rmSync(canaryCache, { recursive: true, force: true }));

    it('never sends any credential to a registry that asks for it, nor after a redirect, nor into logs, answers or the cache', async () => {
      const mcp = await server({ DOCKERHUB_MCP_CACHE_DIR: canaryCache });
      const outputs: string[] = [];
      const call = async (tool: string, args: Record<string, unknown>) => {
        const outcome = await mcp.callTool(tool, args);
        outputs.push(outcome.text, JSON.stringify(outcome.structured ?? null));
        return outcome;
      };
      // A credentialed registry redirects its blobs to the hostile host, which then challenges for credentials.
      const redirected = await call('docker_inspect_image', { image: `${creds.redirecting.host}/frank/app:1` });
      assert.equal(redirected.isError, true, redirected.text);
      // Every way a credential is used, beside a registry that asks every client for credentials.
      await call('docker_get_manifest', { image: `${AUTHS}/dave/private:1` });
      await call('docker_get_manifest', { image: `${HELPER}/dave/private:1` });
      await call('docker_get_manifest', { image: `${IDENTITY}/erin/private:1` });
      await call('docker_inspect_image', { image: `${creds.basic.host}/carol/app:1` });
      await call('docker_get_manifest', { image: `${WRONG}/dave/private:1` });
      await call('docker_get_manifest', { image: `${GARBAGE}/dave/private:1` });
      for (const scheme of ['bearer', 'basic'] as const) {
        creds.hostile.scheme = scheme;
        refusedWith(await call('docker_get_manifest', { image: `${creds.hostile.host}/dave/private:1` }), 'UNAUTHORIZED');
        await call('docker_compare_images', { image_a: `${creds.hostile.host}/a/b:1`, image_b: `${AUTHS}/dave/private:1` });
      }
      await call('docker_check_rate_limit', {});
      assert.ok(creds.hostile.requests.some((r) => r.url.includes('/v2/stolen/blobs/')), 'the redirect reached the hostile host');
      assert.ok(creds.hostile.requests.length >= 4, 'the hostile registry was asked');

      const leaks = (where: string, text: string) => {
        for (const form of creds.secretForms()) assert.ok(!text.includes(form), `a credential reached ${where}`);
      };
      for (const request of creds.hostile.requests) leaks(`the hostile registry (${request.method} ${request.url})`, JSON.stringify(request));
      leaks('the tool answers', outputs.join('\n'));
      leaks('the log', mcp.logs.join(''));
      assert.ok(mcp.logs.some((line) => line.includes(' DEBUG ')), 'debug logging was on');
      for (const file of filesUnder(canaryCache)) leaks(`the cache (${file})`, readFileSync(file).toString('latin1'));
      // The basic registry's password never went to the token registry's realm, nor the token registry's to the basic one.
      assert.ok(creds.token.tokenServer.requests().every((r) => r.user === null || ['dave', 'erin'].includes(r.user)));
    });
  });
});

function filesUnder(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
