import { strict as assert } from 'node:assert';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, type Dirent } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { diskChallengeStore } from '../../server/src/auth/challenges';
import { RegistryAuth } from '../../server/src/auth/registryAuth';
import { loadConfig } from '../../server/src/config';
import { DockerMcpError, rateLimited } from '../../server/src/errors';
import { createLogger } from '../../server/src/log';
import { ByteBudget } from '../../server/src/net/budget';
import { HttpClient } from '../../server/src/net/client';
import { DestinationPolicy, isPublicAddress } from '../../server/src/net/destinations';
import { errorFromResponse, retryAfter } from '../../server/src/net/errors';
import type { Fetch, HttpRequest, HttpResponse } from '../../server/src/net/fetch';
import { redactKnownSecrets, redactSecrets, redactValue, registerSecret } from '../../server/src/net/redact';
import { redirects } from '../../server/src/net/redirects';
import { freePort } from '../rig/freePort';
import { startHttpServer } from './helpers/httpServer';
import { startInProcess } from './helpers/inProcess';

const silent = createLogger('error', () => undefined);

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Fake {
  url: string;
  origin: string;
  requests: { method: string; path: string; authorization?: string }[];
  server: Server;
}

const fakes: Server[] = [];
async function fake(handler: Handler): Promise<Fake> {
  const requests: Fake['requests'] = [];
  const server = createHttpServer((req, res) => {
    requests.push({ method: req.method!, path: req.url!, authorization: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fakes.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, origin: url, requests, server };
}

afterEach(() => {
  for (const server of fakes.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

function reply(status: number, headers: Record<string, string> = {}, body = ''): HttpResponse {
  return { status, headers, body: Buffer.from(body), url: '' };
}

describe('security: which 401 is a challenge (issue 12 item 1)', () => {
  it('a 401 from the blob storage host a registry redirected to is an error: no credential to its realm, the registry challenge kept', async () => {
    const tokenService = await fake((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"registry-token-from-its-own-realm","expires_in":300}'));
    const thief = await fake((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"stolen"}'));
    const storage = await fake((_req, res) =>
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${thief.url}/steal",service="evil"` }).end(),
    );
    const registry = await fake((req, res) => {
      if (!req.headers.authorization) {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="${tokenService.url}/token",service="registry.test"` }).end();
      } else if (req.url!.includes('/blobs/')) {
        res.writeHead(307, { location: `${storage.url}/data` }).end();
      } else {
        res.writeHead(200, { 'docker-content-digest': 'sha256:abc' }).end();
      }
    });
    const config = loadConfig({
      DOCKERHUB_REGISTRY_URL: registry.url,
      DOCKERHUB_USERNAME: 'alice',
      DOCKERHUB_TOKEN: 'dckr_pat_fake-token-for-this-test-only',
    });
    const http = new HttpClient({ timeoutMs: 2000, log: silent, baseDelayMs: 1 });
    const auth = new RegistryAuth({ config, http, log: silent });
    const target = { registry: 'docker.io', scope: 'repository:library/demo:pull' };
    try {
      await assert.rejects(
        auth.request(target, { method: 'GET', url: `${registry.url}/v2/library/demo/blobs/sha256:1`, followRedirects: true }),
        (err: DockerMcpError) => err.code === 'UPSTREAM_ERROR' && /storage host 127\.0\.0\.1:\d+ .* refused it \(HTTP 401\)/.test(err.message),
      );
      assert.deepEqual(thief.requests, [], 'nothing, least of all the PAT, went to the realm the storage host named');
      assert.ok(storage.requests.every((r) => r.authorization === undefined), 'the storage host never got an Authorization');
      const tokensBefore = tokenService.requests.length;
      const head = await auth.request(
        { registry: 'docker.io', scope: 'repository:library/other:pull' },
        { method: 'HEAD', url: `${registry.url}/v2/library/other/manifests/1` },
      );
      assert.equal(head.status, 200);
      assert.equal(tokenService.requests.length, tokensBefore + 1, 'the next token came from the registry’s own realm, at once');
      assert.deepEqual(thief.requests, []);
      assert.ok(registry.requests.every((r) => !r.authorization || r.authorization === 'Bearer registry-token-from-its-own-realm'));
    } finally {
      await http.close();
    }
  });
});

describe('security: Docker Hub’s token realm (issue 12 item 14)', () => {
  const hubConfig = () => loadConfig({ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: 'dckr_pat_fake-token-for-this-test-only' });

  it('for the default registry the challenge is known in advance: the first request is the token request to auth.docker.io', async () => {
    const seen: HttpRequest[] = [];
    const fetch: Fetch = async (request) => {
      seen.push(request);
      if (request.url.startsWith('https://auth.docker.io/token')) return reply(200, {}, '{"token":"hub-registry-token-fake","expires_in":300}');
      return { ...reply(200), url: request.url };
    };
    const auth = new RegistryAuth({ config: hubConfig(), http: { request: fetch }, log: silent });
    await auth.request({ registry: 'docker.io', scope: 'repository:library/nginx:pull' }, { method: 'HEAD', url: 'https://registry-1.docker.io/v2/library/nginx/manifests/latest' });
    assert.deepEqual(
      seen.map((r) => `${r.method} ${new URL(r.url).origin}${new URL(r.url).pathname}`),
      ['GET https://auth.docker.io/token', 'HEAD https://registry-1.docker.io/v2/library/nginx/manifests/latest'],
    );
    assert.match(seen[0].url, /service=registry\.docker\.io/);
  });

  it('refuses any other realm the default registry names, and sends it nothing', async () => {
    const seen: string[] = [];
    const fetch: Fetch = async (request) => {
      seen.push(request.url);
      if (request.url.startsWith('https://auth.docker.io/')) return reply(401);
      return { ...reply(401, { 'www-authenticate': 'Bearer realm="https://evil.example/token",service="registry.docker.io"' }), url: request.url };
    };
    const auth = new RegistryAuth({ config: hubConfig(), http: { request: fetch }, log: silent });
    await assert.rejects(
      auth.request({ registry: 'docker.io', scope: 'repository:library/nginx:pull' }, { method: 'HEAD', url: 'https://registry-1.docker.io/v2/library/nginx/manifests/latest' }),
      (err: DockerMcpError) => err.code === 'UNAUTHORIZED' || /not Docker's \(auth\.docker\.io\)/.test(err.message),
    );
    assert.ok(!seen.some((url) => url.includes('evil.example')), `no request to the foreign realm: ${seen.join(', ')}`);
  });

  it('a configured DOCKERHUB_REGISTRY_URL learns its realm from its own challenge', async () => {
    const seen: string[] = [];
    const fetch: Fetch = async (request) => {
      seen.push(`${request.method} ${request.url.split('?')[0]}`);
      if (request.url.startsWith('https://tokens.mirror.example/')) return reply(200, {}, '{"token":"mirror-token-fake"}');
      if (request.headers?.authorization) return { ...reply(200), url: request.url };
      return { ...reply(401, { 'www-authenticate': 'Bearer realm="https://tokens.mirror.example/token",service="mirror"' }), url: request.url };
    };
    const config = loadConfig({ DOCKERHUB_REGISTRY_URL: 'https://mirror.example' });
    const auth = new RegistryAuth({ config, http: { request: fetch }, log: silent });
    const response = await auth.request({ registry: 'docker.io', scope: 'repository:library/nginx:pull' }, { method: 'GET', url: 'https://mirror.example/v2/library/nginx/manifests/1' });
    assert.equal(response.status, 200);
    assert.deepEqual(seen, ['GET https://mirror.example/v2/library/nginx/manifests/1', 'GET https://tokens.mirror.example/token', 'GET https://mirror.example/v2/library/nginx/manifests/1']);
  });
});

describe('learned challenges (issue 13 item 3)', () => {
  it('a challenge learned from a configured registry is kept in the cache dir: after a restart the first request is the token request', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'dhm-challenges-'));
    try {
      const seen: string[] = [];
      const fetch: Fetch = async (request) => {
        seen.push(`${request.method} ${request.url.split('?')[0]}`);
        if (request.url.startsWith('https://tokens.mirror.example/')) return reply(200, {}, '{"token":"mirror-token-fake"}');
        if (request.headers?.authorization) return { ...reply(200), url: request.url };
        return { ...reply(401, { 'www-authenticate': 'Bearer realm="https://tokens.mirror.example/token",service="mirror"' }), url: request.url };
      };
      const config = loadConfig({ DOCKERHUB_REGISTRY_URL: 'https://mirror.example', DOCKERHUB_MCP_CACHE_DIR: directory });
      const target = { registry: 'docker.io', scope: 'repository:library/nginx:pull' };
      const request = { method: 'GET' as const, url: 'https://mirror.example/v2/library/nginx/manifests/1' };
      const store = diskChallengeStore(directory, silent);
      const first = new RegistryAuth({ config, http: { request: fetch }, log: silent, challenges: store });
      await first.request(target, request);
      assert.equal(seen.length, 3, 'the first process collected a 401 first');
      await store.flush();
      assert.doesNotMatch(readFileSync(join(directory, 'registry-challenges.json'), 'utf8'), /mirror-token-fake/, 'no token is kept');
      seen.length = 0;
      const restarted = new RegistryAuth({ config, http: { request: fetch }, log: silent, challenges: diskChallengeStore(directory, silent) });
      await restarted.request(target, request);
      assert.deepEqual(seen, ['GET https://tokens.mirror.example/token', 'GET https://mirror.example/v2/library/nginx/manifests/1']);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
  it('docker_cache_clear removes the learned challenges with the rest of the cache, leaving no file the server wrote', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'dhm-challenges-clear-'));
    const server = await startInProcess({ DOCKERHUB_MCP_CACHE_DIR: directory });
    try {
      const read = await server.callTool('docker_get_manifest', { image: 'demo:latest' });
      assert.equal(read.isError, false, read.text);
      await server.services.challenges!.flush();
      assert.ok(filesUnder(directory).includes('registry-challenges.json'), 'the challenge was learned and kept');
      const cleared = await server.callTool('docker_cache_clear');
      assert.equal(cleared.isError, false, cleared.text);
      assert.deepEqual(filesUnder(directory), []);
    } finally {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

function filesUnder(directory: string): string[] {
  return (readdirSync(directory, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
}

describe('security: redirects (issue 12 item 7)', () => {
  const follow = (hops: Record<string, HttpResponse>) => {
    const seen: { url: string; authorization?: string }[] = [];
    const fetch = redirects()(async (request) => {
      seen.push({ url: request.url, authorization: request.headers?.authorization });
      return { ...(hops[request.url] ?? reply(200, {}, 'blob')), url: request.url };
    });
    return { fetch, seen };
  };

  it('refuses a redirect from an https registry to plain http', async () => {
    const { fetch, seen } = follow({ 'https://registry.example/v2/a/blobs/sha256:1': reply(307, { location: 'http://storage.example/blob' }) });
    await assert.rejects(
      fetch({ method: 'GET', url: 'https://registry.example/v2/a/blobs/sha256:1', followRedirects: true, headers: { authorization: 'Bearer t0ken-value' } }),
      /refused a redirect to a http: URL on storage\.example from registry\.example \(redirects must be https\)/,
    );
    assert.deepEqual(seen.map((s) => s.url), ['https://registry.example/v2/a/blobs/sha256:1']);
  });

  it('refuses plain http to loopback unless the registry itself is on loopback; never other schemes', async () => {
    const fromPublic = follow({ 'https://registry.example/b': reply(302, { location: 'http://127.0.0.1:9/blob' }) });
    await assert.rejects(fromPublic.fetch({ method: 'GET', url: 'https://registry.example/b', followRedirects: true }), /refused/);
    const fromLoopback = follow({ 'http://127.0.0.1:5000/b': reply(307, { location: 'http://127.0.0.1:5001/blob' }) });
    const ok = await fromLoopback.fetch({ method: 'GET', url: 'http://127.0.0.1:5000/b', followRedirects: true });
    assert.equal(ok.url, 'http://127.0.0.1:5001/blob', 'the reply says its final URL');
    const file = follow({ 'http://127.0.0.1:5000/b': reply(307, { location: 'file:///etc/passwd' }) });
    await assert.rejects(file.fetch({ method: 'GET', url: 'http://127.0.0.1:5000/b', followRedirects: true }), /refused a redirect to a file: URL/);
  });

  it('drops Authorization on leaving the origin and does not bring it back on the way home', async () => {
    const { fetch, seen } = follow({
      'https://registry.example/c': reply(307, { location: 'https://storage.example/c' }),
      'https://storage.example/c': reply(307, { location: 'https://registry.example/d' }),
    });
    await fetch({ method: 'GET', url: 'https://registry.example/c', followRedirects: true, headers: { authorization: 'Bearer t0ken-value' } });
    assert.deepEqual(seen.map((s) => s.authorization), ['Bearer t0ken-value', undefined, undefined]);
  });
});

describe('security: destination policy of the HTTP transport (issue 12 item 4)', function () {
  this.timeout(30_000);

  it('knows which addresses are public', () => {
    for (const address of ['127.0.0.1', '127.9.9.9', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '::ffff:7f00:1', '224.0.0.1']) {
      assert.equal(isPublicAddress(address), false, address);
    }
    for (const address of ['1.1.1.1', '8.8.8.8', '2606:4700::1111', '172.32.0.1']) assert.equal(isPublicAddress(address), true, address);
  });

  it('refuses loopback in every spelling with one neutral error, sending nothing; configured registries stay reachable', async () => {
    const local = await fake((_req, res) => res.writeHead(404).end());
    const localPort = new URL(local.url).port;
    const closedPort = await freePort();
    const nonHttp = createTcpServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    await new Promise<void>((resolve) => nonHttp.listen(0, '127.0.0.1', resolve));
    const nonHttpPort = (nonHttp.address() as AddressInfo).port;
    const server = await startInProcess({}, { transport: 'http' });
    try {
      const spellings = [
        `127.0.0.1:${localPort}`,
        `127.1:${localPort}`,
        `2130706433:${localPort}`,
        `0x7f.0.0.1:${localPort}`,
        `[::1]:${localPort}`,
        `localhost:${localPort}`,
        `127.0.0.1:${closedPort}`,
        `127.0.0.1:${nonHttpPort}`,
      ];
      const texts = new Set<string>();
      for (const host of spellings) {
        const result = await server.callTool('docker_get_manifest', { image: `${host}/probe/target:1` });
        assert.equal(result.isError, true, `${host}: ${result.text}`);
        texts.add(result.text.replace(/^UPSTREAM_ERROR: \S+ /, 'UPSTREAM_ERROR: <host> '));
      }
      assert.deepEqual([...texts], [
        'UPSTREAM_ERROR: <host> is not reachable from this server, or not allowed by its destination policy (DOCKERHUB_MCP_ALLOWED_REGISTRIES); check the registry name.',
      ]);
      assert.deepEqual(local.requests, [], 'the loopback service was never reached');
      const configured = await server.callTool('docker_get_manifest', { image: 'demo:latest' });
      assert.equal(configured.isError, false, `the configured registry (on loopback) is the operator's choice: ${configured.text}`);
    } finally {
      await server.close();
      nonHttp.close();
    }
  });

  it('DOCKERHUB_MCP_ALLOWED_REGISTRIES lets a listed local registry through; stdio allows a local registry as before', async () => {
    const local = await fake((_req, res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}'));
    const host = `127.0.0.1:${new URL(local.url).port}`;
    const listed = await startInProcess({ DOCKERHUB_MCP_ALLOWED_REGISTRIES: `public,${host}` }, { transport: 'http' });
    const stdio = await startInProcess();
    try {
      for (const server of [listed, stdio]) {
        const result = await server.callTool('docker_get_manifest', { image: `${host}/probe/target:1` });
        assert.match(result.text, /^NOT_FOUND: /, result.text);
      }
      assert.equal(local.requests.length, 2);
    } finally {
      await listed.close();
      await stdio.close();
    }
  });

  it('the built server applies it on --transport http', async () => {
    const local = await fake((_req, res) => res.writeHead(404).end());
    const token = 'destination-policy-test-token-0123456789';
    const running = await startHttpServer([], { DOCKERHUB_MCP_HTTP_TOKEN: token });
    const client = new Client({ name: 'policy-test', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(running.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      const result = await client.callTool({ name: 'docker_get_manifest', arguments: { image: `127.1:${new URL(local.url).port}/x/y:1` } });
      assert.equal(result.isError, true);
      assert.match(JSON.stringify(result.content), /not reachable from this server, or not allowed by its destination policy/);
      assert.deepEqual(local.requests, []);
    } finally {
      await client.close();
      running.child.kill('SIGTERM');
    }
  });

  it('a name that resolves to loopback is refused, and so is every address at connect time', async () => {
    const policy = new DestinationPolicy({ trustedOrigins: [], allowed: ['public'], resolve: async () => ['127.0.0.1'] });
    await assert.rejects(policy.check(new URL('https://registry.rebinding.example/v2/')), /not reachable from this server/);
    const lookedUp = await new Promise<string>((resolve) =>
      policy.connectLookup('localhost', {}, (err) => resolve(err ? (err as NodeJS.ErrnoException).code ?? 'error' : 'connected')),
    );
    assert.equal(lookedUp, 'EDESTINATION');
  });
});

describe('security: bounded bytes in flight (issue 12 item 8)', () => {
  it('concurrent large replies never hold more than the budget at once', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 'x');
    const s = await fake((_req, res) => res.writeHead(200, { 'content-length': String(body.length) }).end(body));
    const http = new HttpClient({ timeoutMs: 10_000, log: silent, budgetBytes: 8 * 1024 * 1024, coalesce: false });
    try {
      const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => http.request({ method: 'GET', url: `${s.url}/page/${i}` })));
      assert.ok(replies.every((r) => r.body.length === body.length));
      assert.ok(http.budget.peakBytes <= 8 * 1024 * 1024, `peak ${http.budget.peakBytes}`);
      assert.ok(http.budget.peakBytes >= 6 * 1024 * 1024, 'the budget was used in parallel');
      await new Promise(setImmediate);
      assert.equal(http.budget.inUse, 0, 'all given back once the callers had their turn');
    } finally {
      await http.close();
    }
  });

  it('a waiting reservation leaves the queue when its call gives up', async () => {
    const budget = new ByteBudget(10);
    const release = await budget.reserve(10);
    const cancel = new AbortController();
    const waiting = budget.reserve(5, cancel.signal);
    cancel.abort();
    await assert.rejects(waiting, /cancelled/);
    release();
    assert.equal(budget.inUse, 0);
    (await budget.reserve(10))();
  });
});

describe('security: Retry-After and odd URLs (issue 12 items 10, 15)', () => {
  it('a huge Retry-After is RATE_LIMITED, never a RangeError', () => {
    for (const value of ['9'.repeat(30), '99999999999999', 'Fri, 31 Dec 275760 00:00:00 GMT']) {
      const error = errorFromResponse(reply(429, { 'retry-after': value }), 'image x');
      assert.equal(error.code, 'RATE_LIMITED');
      assert.match(error.message, /retry /);
    }
    assert.ok(Number.isFinite(retryAfter({ 'retry-after': '9'.repeat(400) })!));
    assert.doesNotThrow(() => rateLimited('x', Number.MAX_SAFE_INTEGER));
  });

  it('refuses a non-http URL before any layer keys anything on its (empty) host', async () => {
    const http = new HttpClient({ timeoutMs: 2000, log: silent, maxRetries: 0, breakerThreshold: 1 });
    const s = await fake((_req, res) => res.writeHead(200).end('ok'));
    try {
      for (const url of ['ftp://x/next', 'mailto:someone@example.com', 'file:///etc/passwd', 'javascript:alert(1)']) {
        await assert.rejects(http.request({ method: 'GET', url }), (err: DockerMcpError) => {
          assert.match(err.message, /refused a request to a \w+ URL; only http\(s\) is used/);
          assert.doesNotMatch(err.message, /could not reach\s+\(/);
          return true;
        });
      }
      assert.equal((await http.request({ method: 'GET', url: `${s.url}/still` })).status, 200, 'no breaker was opened by them');
    } finally {
      await http.close();
    }
  });
});

describe('security: redaction of every secret held or obtained (issue 12 item 13)', () => {
  it('registers the base64 and Basic forms of a secret', () => {
    const secret = 'registry-token-0123456789abcdef';
    registerSecret(secret, 'carol');
    const forms = [secret, Buffer.from(secret).toString('base64'), Buffer.from(`carol:${secret}`).toString('base64'), Buffer.from(`carol:${secret}`).toString('base64url')];
    for (const form of forms) {
      assert.equal(redactKnownSecrets(`before ${form} after`), 'before [REDACTED] after', form);
      assert.ok(!redactSecrets(`x ${form}`).includes(form));
    }
    assert.deepEqual(redactValue({ nested: [{ text: `a ${forms[2]} b` }] }), { nested: [{ text: 'a [REDACTED] b' }] });
    assert.equal(redactKnownSecrets('Basic usage: a basic example'), 'Basic usage: a basic example', 'data is not mangled');
  });

  it('a Hub access token that an upstream echoes into a successful answer is redacted', async function () {
    this.timeout(20_000);
    const jwt = `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 600, iat: Math.floor(Date.now() / 1000) })).toString('base64url')}.echoed-signature-fake`;
    const hub = await fake((req, res) => {
      if (req.url === '/v2/auth/token') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: jwt }));
        return;
      }
      const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          name: 'echo',
          namespace: 'alice',
          description: `token ${bearer}`,
          full_description: `# Echo\n\nbase64: ${Buffer.from(bearer).toString('base64')}`,
          star_count: 1,
          pull_count: 2,
          last_updated: '2026-01-01T00:00:00Z',
          date_registered: '2025-01-01T00:00:00Z',
          is_private: true,
          status: 1,
          repository_type: 'image',
        }),
      );
    });
    const server = await startInProcess({ DOCKERHUB_API_URL: hub.url, DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: 'dckr_pat_fake-token-for-the-echo-test' });
    try {
      const result = await server.callTool('docker_get_image_details', { image: 'alice/echo' });
      assert.equal(result.isError, false, result.text);
      const everything = JSON.stringify(result);
      assert.ok(hub.requests.some((r) => r.authorization === `Bearer ${jwt}`), 'the token was really used');
      assert.ok(!everything.includes(jwt), 'the JWT itself');
      assert.ok(!everything.includes(jwt.split('.')[2]), 'its signature');
      assert.ok(!everything.includes(Buffer.from(jwt).toString('base64').slice(0, 40)), 'its base64 form');
      assert.match(everything, /\[REDACTED\]/);
    } finally {
      await server.close();
    }
  });
});

