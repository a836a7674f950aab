import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HubAuth, jwtClaims } from '../../server/src/auth/hubAuth';
import { Cache } from '../../server/src/cache/cache';
import { loadConfig } from '../../server/src/config';
import { DockerMcpError } from '../../server/src/errors';
import { HubClient } from '../../server/src/hub/client';
import { HttpClient } from '../../server/src/http/client';
import { createLogger } from '../../server/src/log';
import { startHubEmulator, type HubEmulator } from '../rig/hub/emulator';
import { ALICE_DEFAULT_PAT, MANY_TAG_COUNT } from '../rig/images';
import { rig } from '../rig/mocha-hooks';

const silent = createLogger('error', () => undefined);

interface Harness {
  auth: HubAuth;
  hub: HubClient;
  http: HttpClient;
}

/**
 * Each test gets its own Hub emulator (fresh accounts, tags and controls, built from the rig's catalogue), so
 * writes and faults here never reach other suites, and its request log shows exactly what the client sent.
 */
describe('Docker Hub client and login (against the Hub emulator)', () => {
  let emulator: HubEmulator;
  const harnesses: Harness[] = [];

  async function startEmulator(tokenLifetimeSeconds?: number): Promise<void> {
    await emulator?.stop();
    emulator = await startHubEmulator({ images: rig().images, users: rig().users, tokenLifetimeSeconds });
  }

  function connect(credentials?: { username: string; token: string }, baseUrl = emulator.url): Harness {
    const config = loadConfig({
      DOCKERHUB_API_URL: baseUrl,
      ...(credentials ? { DOCKERHUB_USERNAME: credentials.username, DOCKERHUB_TOKEN: credentials.token } : {}),
    });
    const http = new HttpClient({ timeoutMs: 5000, log: silent, baseDelayMs: 5 });
    const cache = new Cache({ maxBytes: 8 * 1024 * 1024, log: silent });
    const auth = new HubAuth({ config, http, log: silent });
    const harness = { auth, http, hub: new HubClient({ config, http, cache, log: silent, auth }) };
    harnesses.push(harness);
    return harness;
  }

  const alice = () => connect({ username: 'alice', token: ALICE_DEFAULT_PAT });
  const requests = (filter: (path: string, method: string) => boolean) =>
    emulator.requests().filter((r) => filter(r.path, r.method));
  const logins = () => requests((path, method) => method === 'POST' && /^\/v2\/(auth\/token|users\/login)/.test(path));

  async function rejection(promise: Promise<unknown>): Promise<DockerMcpError> {
    try {
      await promise;
    } catch (err) {
      assert.ok(err instanceof DockerMcpError, `expected a DockerMcpError, got ${String(err)}`);
      return err;
    }
    assert.fail('expected the call to fail');
  }

  beforeEach(async () => startEmulator());
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.http.close()));
  });
  after(async () => emulator?.stop());

  describe('login', () => {
    it('reads public data anonymously without logging in or sending Authorization', async () => {
      const { hub, auth } = connect();
      const repository = await hub.getRepository('library', 'demo');
      assert.equal(repository.name, 'demo');
      assert.equal(logins().length, 0);
      assert.ok(emulator.requests().every((r) => !r.auth));
      assert.deepEqual(auth.status(), { credentialsConfigured: false, authenticated: false, username: undefined, loginEndpoint: undefined, tokenExpiresAt: undefined });
    });

    it('exchanges the PAT at /v2/auth/token once and reuses the access token', async () => {
      const { hub, auth } = alice();
      await hub.getRepository('library', 'demo');
      await hub.listTags('library', 'demo', { page: 1, pageSize: 10 });
      await hub.getTag('library', 'demo', 'latest');
      assert.deepEqual(logins().map((r) => r.path), ['/v2/auth/token']);
      assert.ok(requests((path) => path.startsWith('/v2/namespaces/')).every((r) => r.auth));
      const status = auth.status();
      assert.equal(status.authenticated, true);
      assert.equal(status.username, 'alice');
      assert.equal(status.loginEndpoint, '/v2/auth/token');
      assert.ok(!JSON.stringify(status).includes('eyJ'), 'status never carries the token');
    });

    it('coalesces concurrent logins into one', async () => {
      const { hub } = alice();
      await Promise.all(['demo', 'base', 'app', 'app2', 'many'].map((name) => hub.getRepository('library', name)));
      assert.equal(logins().length, 1);
    });

    it('falls back to /v2/users/login where /v2/auth/token is absent', async () => {
      emulator.control.disableAuthTokenEndpoint(true);
      const { hub, auth } = alice();
      const repository = await hub.getRepository('alice', 'private-app');
      assert.equal(repository.is_private, true);
      assert.deepEqual(logins().map((r) => r.path), ['/v2/auth/token', '/v2/users/login']);
      assert.equal(auth.status().loginEndpoint, '/v2/users/login');
      await hub.getRepository('alice', 'nginx-playground');
      assert.equal(logins().length, 2, 'the absent endpoint is not asked again');
    });

    it('refreshes an expired token once after a 401 and repeats the request', async () => {
      const { hub } = alice();
      await hub.getRepository('alice', 'private-app');
      emulator.control.expireTokens();
      emulator.resetRequests();
      const tags = await hub.listTags('alice', 'private-app', { page: 1, pageSize: 10 });
      assert.deepEqual(tags.results.map((t) => t.name), ['1']);
      assert.deepEqual(
        emulator.requests().map((r) => `${r.method} ${r.path.split('?')[0]}`),
        [
          'GET /v2/namespaces/alice/repositories/private-app/tags',
          'POST /v2/auth/token',
          'GET /v2/namespaces/alice/repositories/private-app/tags',
        ],
      );
    });

    it('logs in again shortly before the token expires, without waiting for a 401', async () => {
      await startEmulator(2);
      const { hub, auth } = alice();
      await hub.getRepository('library', 'demo');
      const firstExpiry = auth.status().tokenExpiresAt;
      await new Promise((resolve) => setTimeout(resolve, 1700));
      await hub.getRepository('library', 'base');
      assert.equal(logins().length, 2);
      assert.ok(emulator.requests().every((r) => r.path.startsWith('/v2/auth/token') || r.auth));
      assert.notEqual(auth.status().tokenExpiresAt, firstExpiry);
    });

    it('reads public data anonymously when the credentials are refused, and reports the refusal naming the variables, without the token', async () => {
      const { hub, auth } = connect({ username: 'alice', token: 'dckr_pat_wrongwrongwrongwrong' });
      assert.equal((await hub.getRepository('library', 'demo')).name, 'demo');
      assert.match(auth.refusedLogin ?? '', /DOCKERHUB_TOKEN/);
      assert.ok(!auth.refusedLogin!.includes('dckr_pat_wrong'));
      const error = await rejection(hub.listOrgs({ page: 1, pageSize: 10 }));
      assert.equal(error.code, 'UNAUTHORIZED');
      assert.match(error.message, /DOCKERHUB_TOKEN/);
      assert.ok(!error.message.includes('dckr_pat_wrong'));
    });

    it('decodes the access token claims without verifying them', async () => {
      const { auth } = alice();
      const token = await auth.accessToken();
      const claims = jwtClaims(token!);
      assert.equal((claims?.['https://hub.docker.com'] as { username: string }).username, 'alice');
      assert.equal(await auth.scoutAuthorization(), `Bearer ${token}`);
    });

    it('never sends credentials or the access token to another origin', async () => {
      const seen: IncomingHttpHeaders[] = [];
      const other: Server = createServer((req, res) => {
        seen.push(req.headers);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      try {
        const { auth } = alice();
        const port = (other.address() as AddressInfo).port;
        const response = await auth.request({ method: 'GET', url: `http://127.0.0.1:${port}/v2/user`, headers: { authorization: 'Bearer planted' } });
        assert.equal(response.status, 200);
        assert.equal(seen.length, 1);
        assert.equal(seen[0].authorization, undefined);
        assert.equal(logins().length, 0, 'no login for a request that cannot carry the token');
      } finally {
        other.closeAllConnections();
        await new Promise((resolve) => other.close(resolve));
      }
    });
  });

  describe('private repositories', () => {
    it('are NOT_FOUND anonymously, with the variables that would help', async () => {
      const error = await rejection(connect().hub.getRepository('alice', 'private-app'));
      assert.equal(error.code, 'NOT_FOUND');
      assert.match(error.message, /alice\/private-app/);
      assert.match(error.message, /DOCKERHUB_USERNAME and DOCKERHUB_TOKEN/);
    });

    it('are readable with the owner’s token, and listed in the namespace', async () => {
      const { hub } = alice();
      assert.equal((await hub.getRepository('alice', 'private-app')).is_private, true);
      const page = await hub.listRepositories('alice', { page: 1, pageSize: 100 });
      assert.ok(page.results.some((r) => r.name === 'private-app' && r.is_private));
      const anonymous = await connect().hub.listRepositories('alice', { page: 1, pageSize: 100 });
      assert.ok(!anonymous.results.some((r) => r.name === 'private-app'));
    });
  });

  describe('rate limits and faults', () => {
    it('retries a 429 with Retry-After and returns the later answer', async () => {
      emulator.control.rateLimitNext(1, { retryAfterSeconds: 1, path: '/repositories/demo' });
      const started = Date.now();
      const repository = await connect().hub.getRepository('library', 'demo');
      assert.equal(repository.name, 'demo');
      assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
      assert.equal(requests((path) => path.includes('/repositories/demo')).length, 2);
    });

    it('reports a 429 whose wait is too long as RATE_LIMITED with the wait', async () => {
      emulator.control.rateLimitNext(5, { retryAfterSeconds: 120, path: '/repositories/demo' });
      const error = await rejection(connect().hub.getRepository('library', 'demo'));
      assert.equal(error.code, 'RATE_LIMITED');
      assert.equal(error.retryAfterSeconds, 120);
      assert.match(error.message, /retry in 120 s/);
      assert.equal(requests((path) => path.includes('/repositories/demo')).length, 1);
    });

    it('reads the older X-Retry-After (unix time) form too', async () => {
      const at = Math.floor(Date.now() / 1000) + 90;
      emulator.control.rateLimitNext(5, { xRetryAfterUnix: at, path: '/repositories/demo' });
      const error = await rejection(connect().hub.getRepository('library', 'demo'));
      assert.equal(error.code, 'RATE_LIMITED');
      assert.ok(error.retryAfterSeconds! >= 85 && error.retryAfterSeconds! <= 91, String(error.retryAfterSeconds));
    });

    it('gives up on persistent 503s with UPSTREAM_ERROR after a bounded number of tries', async () => {
      emulator.control.failNext(10, 503, { path: '/repositories/demo' });
      const error = await rejection(connect().hub.getRepository('library', 'demo'));
      assert.equal(error.code, 'UPSTREAM_ERROR');
      assert.equal(requests((path) => path.includes('/repositories/demo')).length, 4);
    });
  });

  describe('paging', () => {
    it('asks Hub for the page requested and nothing more', async () => {
      const { hub } = connect();
      const page = await hub.listTags('library', 'many', { page: 3, pageSize: 100 });
      assert.equal(page.count, MANY_TAG_COUNT);
      assert.equal(page.results.length, MANY_TAG_COUNT - 200);
      assert.equal(page.next, null);
      assert.equal(requests((path) => path.includes('/tags')).length, 1);
    });

    it('refuses a page size above 100 before asking Hub', async () => {
      const error = await rejection(connect().hub.listTags('library', 'many', { page: 1, pageSize: 101 }));
      assert.equal(error.code, 'INVALID_INPUT');
      assert.equal(emulator.requests().length, 0);
    });

    it('explains Hub’s refusal of deep anonymous paging', async () => {
      const error = await rejection(connect().hub.listTags('library', 'many', { page: 11, pageSize: 100 }));
      assert.equal(error.code, 'FORBIDDEN');
      assert.match(error.message, /anonymous/);
      assert.match(error.message, /DOCKERHUB_USERNAME/);
    });

    it('reports a page past the end as NOT_FOUND', async () => {
      const error = await rejection(alice().hub.listTags('library', 'many', { page: 11, pageSize: 100 }));
      assert.equal(error.code, 'NOT_FOUND');
      assert.match(error.message, /page 11/);
    });

    it('bounds search paging to what Hub serves', async () => {
      const error = await rejection(connect().hub.search({ query: 'demo', page: 26, pageSize: 100 }));
      assert.equal(error.code, 'INVALID_INPUT');
      assert.equal(emulator.requests().length, 0);
    });
  });

  describe('reads', () => {
    it('takes attestation entries out of a tag’s images', async () => {
      const tag = await connect().hub.getTag('library', 'demo', 'latest');
      assert.deepEqual(
        tag.images.map((i) => [i.os, i.architecture, i.variant]),
        [
          ['linux', 'amd64', null],
          ['linux', 'arm64', 'v8'],
          ['linux', 'arm', 'v7'],
        ],
      );
      assert.equal(tag.attestation_images, 3);
      assert.equal(tag.digest, rig().images['library/demo'].latest.digest);
    });

    it('searches with Hub’s badge filter and names official images without library/', async () => {
      const { hub } = connect();
      const all = await hub.search({ query: 'app', page: 1, pageSize: 25 });
      assert.ok(all.results.some((r) => r.name === 'owner/app' && r.badge === null));
      const official = await hub.search({ query: 'app', page: 1, pageSize: 25, badges: ['official'] });
      assert.ok(official.results.length > 0);
      assert.ok(official.results.every((r) => r.badge === 'official' && !r.name.includes('/')));
      assert.match(requests((path) => path.startsWith('/api/search/v4')).at(-1)!.path, /badges=official/);
    });

    it('finds the badge of a repository through search', async () => {
      const { hub } = connect();
      assert.equal(await hub.badgeOf('library', 'demo'), 'official');
      assert.equal(emulator.requests().length, 0, 'official images need no request');
      assert.equal(await hub.badgeOf('owner', 'app'), 'none');
    });

    it('serves a repeated read from the cache', async () => {
      const { hub } = connect();
      await hub.getRepository('library', 'demo');
      await hub.getRepository('library', 'demo');
      assert.equal(requests((path) => path.includes('/repositories/demo')).length, 1);
    });

    it('tells an unknown namespace from an empty one', async () => {
      const { hub } = connect();
      const page = await hub.listRepositories('nobody-here', { page: 1, pageSize: 10 });
      assert.equal(page.count, 0);
      assert.equal(await hub.namespaceExists('nobody-here'), false);
      assert.equal(await hub.namespaceExists('bob'), true);
    });

    it('lists the organisations of the logged-in user, and refuses without credentials', async () => {
      const orgs = await alice().hub.listOrgs({ page: 1, pageSize: 100 });
      // The rig makes alice an owner of acme; the emulator's account data may add more.
      const acme = orgs.results.find((o) => o.orgname === 'acme');
      assert.equal(acme?.user_role, 'owner');
      assert.equal(orgs.count, orgs.results.length);
      emulator.resetRequests();
      const error = await rejection(connect().hub.listOrgs({ page: 1, pageSize: 100 }));
      assert.equal(error.code, 'UNAUTHORIZED');
      assert.equal(emulator.requests().length, 0);
    });
  });

  describe('writes', () => {
    it('refuse without credentials before any request', async () => {
      const { hub } = connect();
      for (const write of [
        () => hub.createRepository('alice', { name: 'new-one', is_private: false }),
        () => hub.updateRepository('alice', 'nginx-playground', { description: 'x' }),
        () => hub.deleteTag('alice', 'private-app', '1'),
      ]) {
        const error = await rejection(write());
        assert.equal(error.code, 'UNAUTHORIZED');
        assert.match(error.message, /DOCKERHUB_USERNAME and DOCKERHUB_TOKEN/);
      }
      assert.equal(emulator.requests().length, 0);
    });

    it('create, update and delete, and the cached reads follow', async () => {
      const { hub } = alice();
      const created = await hub.createRepository('alice', { name: 'scratchpad', description: 'first', is_private: true });
      assert.equal(created.namespace, 'alice');
      assert.equal(created.is_private, true);
      assert.equal((await hub.getRepository('alice', 'scratchpad')).description, 'first');
      await hub.updateRepository('alice', 'scratchpad', { description: 'second', full_description: '# Scratchpad' });
      const updated = await hub.getRepository('alice', 'scratchpad');
      assert.equal(updated.description, 'second');
      assert.equal(updated.full_description, '# Scratchpad');

      assert.equal((await hub.listTags('alice', 'private-app', { page: 1, pageSize: 10 })).count, 1);
      await hub.deleteTag('alice', 'private-app', '1');
      assert.equal((await hub.listTags('alice', 'private-app', { page: 1, pageSize: 10 })).count, 0);
      const again = await rejection(hub.deleteTag('alice', 'private-app', '1'));
      assert.equal(again.code, 'NOT_FOUND');
    });

    it('reports an existing repository as CONFLICT and a foreign namespace as FORBIDDEN', async () => {
      const { hub } = alice();
      const exists = await rejection(hub.createRepository('alice', { name: 'private-app', is_private: true }));
      assert.equal(exists.code, 'CONFLICT');
      assert.match(exists.message, /already exists/);
      const foreign = await rejection(hub.createRepository('bob', { name: 'mine-now', is_private: false }));
      assert.equal(foreign.code, 'FORBIDDEN');
    });
  });
});
