import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Redis } from 'ioredis';
import { ConfigError, loadConfig } from '../../server/src/config';
import { ALICE_DEFAULT_PAT } from '../rig/images';
import { rig } from '../rig/mocha-hooks';
import { startRedisServer, type RigRedis } from '../rig/redis';
import { startInProcess, type InProcessServer, type ToolOutcome } from './helpers/inProcess';

const ROOT = join(__dirname, '..', '..');
const BUNDLE = join(ROOT, 'server', 'dist', 'index.js');
const PASSWORD = 'rig-redis-password-7f3a';
/** What the instances of one deployment share to sign entries; a writer to Redis without it is an outsider. */
const REDIS_KEY = 'rig-redis-signing-key-0123456789abcdef';
const UNAVAILABLE = /shared cache unavailable/;

interface SpawnedServer {
  call(name: string, args?: Record<string, unknown>): Promise<ToolOutcome>;
  stderr(): string;
  close(): Promise<void>;
}

/** The built server, as a deployment runs it: its own process, its own (empty) disk cache, the shared Redis. */
async function spawnServer(env: Record<string, string>): Promise<SpawnedServer> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'dhm-redis-'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BUNDLE],
    env: { ...rig().env, DOCKERHUB_MCP_CACHE_DIR: cacheDir, PATH: process.env.PATH ?? '', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'redis-test', version: '1.0.0' });
  await client.connect(transport);
  return {
    async call(name, args = {}) {
      const result = await client.callTool({ name, arguments: args });
      return {
        isError: result.isError === true,
        text: ((result.content ?? []) as { text?: string }[]).map((part) => part.text ?? '').join('\n'),
        structured: result.structuredContent as Record<string, any> | undefined,
      };
    },
    stderr: () => stderr,
    async close() {
      await client.close();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

function ok(outcome: ToolOutcome, what: string): ToolOutcome {
  assert.equal(outcome.isError, false, `${what}: ${outcome.text.slice(0, 300)}`);
  return outcome;
}

/** Facts the registry served more than once (a 401 before the token is not an answer). */
function fetchedTwice(): string[] {
  const seen = new Map<string, number>();
  for (const request of rig().registry.proxy.requests()) {
    if (request.kind === 'other' || request.status === 401) continue;
    const key = `${request.kind} ${request.path}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, count]) => count > 1).map(([key, count]) => `${key} ×${count}`);
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

describe('shared Redis cache and quota ledger', function () {
  this.timeout(60_000);
  let redis: RigRedis;
  let inspector: Redis;
  const open: Array<{ close(): Promise<void> }> = [];

  async function inProcess(env: Record<string, string> = {}): Promise<InProcessServer> {
    const server = await startInProcess({
      DOCKERHUB_MCP_REDIS_URL: redis.url,
      DOCKERHUB_MCP_REDIS_KEY: REDIS_KEY,
      DOCKERHUB_MCP_LOG_LEVEL: 'info',
      ...env,
    });
    open.push(server);
    return server;
  }

  async function spawned(env: Record<string, string> = {}): Promise<SpawnedServer> {
    const server = await spawnServer({ DOCKERHUB_MCP_REDIS_URL: redis.url, DOCKERHUB_MCP_REDIS_KEY: REDIS_KEY, ...env });
    open.push(server);
    return server;
  }

  async function closeAll(): Promise<void> {
    await Promise.all(open.splice(0).map((server) => server.close()));
  }

  before(async () => {
    const build = spawnSync(process.execPath, ['esbuild.mjs', 'server'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, `the server bundle builds: ${build.stderr}`);
    redis = await startRedisServer({ password: PASSWORD });
  });

  beforeEach(async () => {
    redis.resume();
    await redis.start();
    inspector = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    inspector.on('error', () => undefined);
    await inspector.connect();
    await inspector.flushall();
    rig().hub.resetRequests();
  });

  afterEach(async () => {
    redis.resume();
    await closeAll();
    inspector.disconnect();
  });

  after(async () => {
    await redis?.stop();
  });

  it('loads nothing and connects nowhere when DOCKERHUB_MCP_REDIS_URL is unset', () => {
    // A fresh process, so no other test has loaded ioredis already; with the URL the same check sees it loaded.
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const { loadConfig } = await import(${JSON.stringify(join(ROOT, 'server/src/config.ts'))});
      const { createLogger } = await import(${JSON.stringify(join(ROOT, 'server/src/log.ts'))});
      const { createServices, closeServices } = await import(${JSON.stringify(join(ROOT, 'server/src/services.ts'))});
      const env = process.env.REDIS_URL_UNDER_TEST
        ? { DOCKERHUB_MCP_REDIS_URL: process.env.REDIS_URL_UNDER_TEST, DOCKERHUB_MCP_REDIS_KEY: ${JSON.stringify(REDIS_KEY)} }
        : {};
      const services = createServices(loadConfig(env), createLogger('error'));
      await services.cache.get('tagDigest', 'docker.io/library/demo:latest');
      const loaded = Object.keys(require.cache).some((path) => path.includes('/node_modules/ioredis/'));
      console.log(JSON.stringify({ shared: services.sharedCache !== undefined, loaded }));
      await closeServices(services);
    `;
    const run = (env: Record<string, string>) => {
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      assert.equal(child.status, 0, child.stderr);
      return JSON.parse(child.stdout.trim().split('\n').pop()!) as { shared: boolean; loaded: boolean };
    };
    assert.deepEqual(run({}), { shared: false, loaded: false });
    assert.deepEqual(run({ REDIS_URL_UNDER_TEST: redis.url }), { shared: true, loaded: true });
  });

  it('two server processes sharing one Redis make one upstream request for a fact both ask for', async () => {
    const [a, b] = await Promise.all([spawned(), spawned()]);
    // Slow replies widen the window in which both are missing the same keys, so the lock is what keeps it to one.
    rig().registry.proxy.setDelay(150);
    rig().hub.control.slow(150);
    rig().registry.resetCounts();
    const calls = ['docker_inspect_image', 'docker_get_image_details'].flatMap((tool) =>
      [a, b].map((server) => server.call(tool, { image: 'library/app:1' })),
    );
    for (const outcome of await Promise.all(calls)) ok(outcome, 'call');

    const served = rig().registry.proxy.requests().filter((request) => request.status === 200);
    assert.equal(served.filter((request) => request.kind === 'manifestHead').length, 1, 'one tag → digest HEAD for both');
    assert.ok(served.some((request) => request.kind === 'manifestGet'), 'a manifest was fetched');
    assert.ok(served.some((request) => request.kind === 'cdnGet'), 'a config was fetched');
    assert.deepEqual(fetchedTwice(), [], 'no manifest, tag or blob fetched twice');
    const hubCalls = rig().hub.requests().filter((request) => request.path.includes('/repositories/app'));
    assert.equal(hubCalls.length, 1, `one Hub request for the details: ${JSON.stringify(hubCalls)}`);

    const infos = await Promise.all([a, b].map((server) => server.call('docker_cache_info')));
    const waits = infos.reduce((sum, info) => sum + ok(info, 'cache info').structured!.shared.waits, 0);
    assert.ok(waits >= 1, `the second instance waited for the first instead of fetching (waits: ${waits})`);
    for (const info of infos) assert.equal(info.structured!.shared.state, 'connected');
  });

  it('after a restart of both with empty disk caches, makes zero manifest GETs', async () => {
    const images = ['library/demo:latest', 'library/app:1', 'library/app2:1'];
    const first = await Promise.all([spawned(), spawned()]);
    for (const image of images) {
      const both = await Promise.all(first.map((server) => server.call('docker_analyze_layers', { image })));
      for (const outcome of both) ok(outcome, image);
    }
    assert.ok(rig().registry.counts().manifestGet > 0);
    await closeAll();

    rig().registry.resetCounts();
    const second = await Promise.all([spawned(), spawned()]);
    for (const server of second) {
      for (const image of images) ok(await server.call('docker_analyze_layers', { image }), image);
    }
    const counts = rig().registry.counts();
    assert.equal(counts.manifestGet, 0, `no pull counted: ${JSON.stringify(counts)}`);
    assert.equal(counts.blobGet, 0, 'configs come from Redis too');
    assert.equal(counts.manifestHead, 0, 'tag digests are shared within their TTL');
  });

  it('keeps keys namespaced and versioned: digests without expiry, tag digests with their TTL, per identity', async () => {
    const server = await inProcess();
    ok(await server.callTool('docker_inspect_image', { image: 'library/demo:oci' }), 'inspect');
    const keys = await inspector.keys('*');
    assert.ok(keys.length >= 3, keys.join(', '));
    for (const key of keys) assert.match(key, /^dhm:v1:/);
    const digestKeys = keys.filter((key) => /^dhm:v1:(manifest|blob):sha256:[a-f0-9]{64}$/.test(key));
    assert.ok(digestKeys.length >= 2, 'manifest and config by digest');
    for (const key of digestKeys) assert.equal(await inspector.pttl(key), -1, `${key} never expires`);
    const tagKey = keys.find((key) => key.startsWith('dhm:v1:tagDigest:anonymous:'));
    assert.ok(tagKey, keys.join(', '));
    const ttl = await inspector.pttl(tagKey);
    assert.ok(ttl > 9 * 60_000 && ttl <= 10 * 60_000, `tag digest TTL ${ttl} ms`);
    assert.deepEqual(await inspector.keys('dhm:v1:lock:*'), [], 'locks are released');
  });

  it('never serves an answer learned with credentials to an instance without them', async () => {
    const alice = await inProcess({ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: ALICE_DEFAULT_PAT });
    ok(await alice.callTool('docker_inspect_image', { image: 'alice/private-app:1' }), 'alice reads her image');
    const scoped = await inspector.keys('dhm:v1:tagDigest:*');
    assert.ok(scoped.length > 0 && scoped.every((key) => /^dhm:v1:tagDigest:id-[a-f0-9]{16}:/.test(key)), scoped.join());
    assert.ok(!scoped.join().includes(ALICE_DEFAULT_PAT));

    const anonymous = await inProcess();
    const refused = await anonymous.callTool('docker_inspect_image', { image: 'alice/private-app:1' });
    assert.equal(refused.isError, true, 'the anonymous instance asks the registry, which refuses');
    assert.match(refused.text, /^(UNAUTHORIZED|NOT_FOUND|FORBIDDEN):/);
  });

  it('refuses a corrupted Redis value by its digest (or an unreadable one) and fetches it again', async () => {
    const writer = await inProcess();
    ok(await writer.callTool('docker_get_manifest', { image: 'library/demo:oci' }), 'first read');
    const manifestKeys = await inspector.keys('dhm:v1:manifest:*');
    assert.equal(manifestKeys.length, 1);
    await inspector.set(manifestKeys[0], '{"schemaVersion":2,"layers":["tampered"]}');
    const [tagKey] = await inspector.keys('dhm:v1:tagDigest:*');
    await inspector.set(tagKey, 'not json', 'PX', 60_000);

    rig().registry.resetCounts();
    const reader = await inProcess();
    const read = ok(await reader.callTool('docker_get_manifest', { image: 'library/demo:oci' }), 'read after tampering');
    assert.equal(read.structured!.digest, rig().images['library/demo'].oci.digest);
    const served = rig().registry.proxy.requests().filter((request) => request.kind === 'manifestGet' && request.status === 200);
    assert.equal(served.length, 1, 'fetched again from the registry');
    assert.ok(reader.logs.some((line) => line.includes('do not match their digest')), reader.logs.join(''));
    assert.ok(
      reader.logs.some((line) => /not JSON|without a valid signature/.test(line)),
      'an unreadable tag digest is dropped and asked again',
    );
    const repaired = await inspector.getBuffer(manifestKeys[0]);
    assert.equal(`sha256:${createHash('sha256').update(repaired!).digest('hex')}`, manifestKeys[0].slice('dhm:v1:manifest:'.length));
  });

  it('keeps answering when Redis is killed mid-run, warns once, and uses Redis again when it is back', async () => {
    const server = await inProcess();
    ok(await server.callTool('docker_inspect_image', { image: 'library/demo:latest' }), 'with Redis');
    await redis.kill();

    for (const image of ['library/app:1', 'library/app2:1', 'library/base:1']) {
      ok(await server.callTool('docker_inspect_image', { image }), `${image} without Redis`);
    }
    ok(await server.callTool('docker_get_image_details', { image: 'library/app' }), 'Hub details without Redis');
    const info = ok(await server.callTool('docker_cache_info'), 'cache info without Redis');
    assert.equal(info.structured!.shared.state, 'unavailable');
    assert.deepEqual(info.structured!.shared.rate_limits, {});
    assert.equal(server.logs.filter((line) => UNAVAILABLE.test(line)).length, 1, server.logs.join(''));

    await redis.start();
    await eventually(async () => (await server.services.cache.stats()).shared?.state === 'connected', 'reconnected');
    ok(await server.callTool('docker_get_manifest', { image: 'library/demo:schema2' }), 'after Redis is back');
    assert.ok((await inspector.keys('dhm:v1:manifest:*')).length > 0, 'written to the new Redis');
    assert.ok(server.logs.some((line) => line.includes('shared cache is back')));

    const everything = server.logs.join('') + JSON.stringify(info);
    assert.ok(!everything.includes(PASSWORD), 'the Redis password is never shown');
    assert.equal(info.structured!.shared.target, `redis://127.0.0.1:${redis.port}/0`);
  });

  it('keeps answering within its bound when Redis is slow, warns once, and uses it again afterwards', async () => {
    const server = await inProcess();
    ok(await server.callTool('docker_inspect_image', { image: 'library/demo:latest' }), 'with Redis');
    const baseline = await timed(() => server.callTool('docker_inspect_image', { image: 'library/demo:oci' }));
    ok(baseline.value, 'baseline');

    redis.pause();
    for (const image of ['library/app:1', 'library/app2:1', 'library/base:1']) {
      const call = await timed(() => server.callTool('docker_inspect_image', { image }));
      ok(call.value, `${image} with Redis stopped`);
      assert.ok(call.ms < baseline.ms + 1500, `${image} took ${call.ms.toFixed(0)} ms (baseline ${baseline.ms.toFixed(0)} ms)`);
    }
    assert.equal(server.logs.filter((line) => UNAVAILABLE.test(line)).length, 1, server.logs.join(''));
    assert.match(server.logs.find((line) => UNAVAILABLE.test(line))!, /"reason":"(Command timed out|no answer within \d+ ms)"/);

    redis.resume();
    // cache_info reads the quota ledger: a Redis command once the pause after the timeout is over.
    await eventually(async () => {
      ok(await server.callTool('docker_cache_info'), 'cache info');
      return (await server.services.cache.stats()).shared?.state === 'connected';
    }, 'Redis is used again');
    ok(await server.callTool('docker_get_manifest', { image: 'library/demo:list' }), 'after Redis answers again');
    const list = rig().images['library/demo'].list.digest;
    assert.equal(await inspector.exists(`dhm:v1:manifest:${list}`), 1);
  });

  it('shares the last ratelimit-remaining: another instance reports it with its age, without a request', async () => {
    rig().registry.proxy.setRateLimit({ limit: 100, remaining: 42 });
    const puller = await inProcess();
    ok(await puller.callTool('docker_get_manifest', { image: 'library/demo:oci' }), 'pull');
    const host = new URL(rig().registry.url).host;
    const seen = puller.services.http.rateLimits.get(host)!;
    assert.ok(seen.remaining !== undefined && seen.remaining <= 42);

    const other = await inProcess();
    const info = ok(await other.callTool('docker_cache_info'), 'cache info');
    assert.deepEqual(info.structured!.upstream_requests, {}, 'it made no request');
    const shared = info.structured!.shared.rate_limits[host];
    assert.equal(shared.remaining, seen.remaining);
    assert.equal(shared.limit, 100);
    assert.equal(shared.observed_at, seen.observedAt);
    assert.ok(shared.age_seconds >= 0 && shared.age_seconds < 30);
    assert.match(info.text, new RegExp(`${host} ${seen.remaining}/100 \\d+ s ago`));

    const check = ok(await other.callTool('docker_check_rate_limit', { image: 'library/demo' }), 'check');
    assert.equal(check.structured!.shared_view.remaining, check.structured!.remaining);
    assert.equal(check.structured!.shared_view.limit, 100);
    assert.match(check.text, /Latest seen by any instance sharing Redis: \d+ of 100, \d+ s ago\./);
  });

  it('works over rediss:// with a verified certificate, and refuses one it cannot verify', async () => {
    const tlsRedis = await startRedisServer({ password: PASSWORD, tls: true });
    try {
      const trusting = await spawned({ DOCKERHUB_MCP_REDIS_URL: tlsRedis.url, NODE_EXTRA_CA_CERTS: tlsRedis.caFile! });
      ok(await trusting.call('docker_get_manifest', { image: 'library/demo:oci' }), 'over TLS');
      const info = ok(await trusting.call('docker_cache_info'), 'cache info').structured!.shared;
      assert.equal(info.state, 'connected');
      assert.equal(info.target, `rediss://127.0.0.1:${tlsRedis.port}/0`);
      const reader = new Redis(tlsRedis.url, { tls: { ca: readFileSync(tlsRedis.caFile!) }, lazyConnect: true });
      try {
        await reader.connect();
        assert.equal(await reader.exists(`dhm:v1:manifest:${rig().images['library/demo'].oci.digest}`), 1);
      } finally {
        reader.disconnect();
      }

      const distrusting = await spawned({ DOCKERHUB_MCP_REDIS_URL: tlsRedis.url });
      ok(await distrusting.call('docker_get_manifest', { image: 'library/demo:oci' }), 'without Redis');
      assert.equal(ok(await distrusting.call('docker_cache_info'), 'cache info').structured!.shared.state, 'unavailable');
      assert.match(distrusting.stderr(), /shared cache unavailable.*certificate/);
      assert.ok(!(trusting.stderr() + distrusting.stderr()).includes(PASSWORD));
    } finally {
      await closeAll();
      await tlsRedis.stop();
    }
  });

  it('answers at once when Redis was never there, and refuses a URL it cannot parse without echoing it', async () => {
    const nowhere = await inProcess({ DOCKERHUB_MCP_REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:1/0` });
    const call = await timed(() => nowhere.callTool('docker_get_manifest', { image: 'library/demo:oci' }));
    ok(call.value, 'without Redis');
    assert.ok(call.ms < 1500, `took ${call.ms.toFixed(0)} ms`);
    ok(await nowhere.callTool('docker_get_manifest', { image: 'library/demo:schema2' }), 'again');
    assert.equal(nowhere.logs.filter((line) => UNAVAILABLE.test(line)).length, 1, nowhere.logs.join(''));
    assert.ok(!nowhere.logs.join('').includes(PASSWORD));

    assert.throws(
      () => loadConfig({ DOCKERHUB_MCP_REDIS_URL: `redis://:${PASSWORD}@[not-a-host` }),
      (err: Error) => err instanceof ConfigError && /not a valid URL/.test(err.message) && !err.message.includes(PASSWORD),
    );
  });

  it('clears only its own entries that can go stale, keeping digests for everyone', async () => {
    const server = await inProcess();
    ok(await server.callTool('docker_inspect_image', { image: 'library/demo:oci' }), 'inspect');
    const before = await inspector.keys('dhm:v1:*');
    const cleared = ok(await server.callTool('docker_cache_clear', {}), 'clear').structured as { shared_entries?: number };
    const after = (await inspector.keys('dhm:v1:*')).filter((key) => key !== 'dhm:v1:ratelimit');
    assert.ok(cleared.shared_entries! >= 1, 'the tool reports what it dropped from Redis');
    assert.deepEqual(after.filter((key) => key.startsWith('dhm:v1:tagDigest:')), []);
    assert.deepEqual(
      after.sort(),
      before.filter((key) => /^dhm:v1:(manifest|blob):/.test(key)).sort(),
      'digest-addressed objects stay',
    );
  });

  describe('entries no digest can check are signed with DOCKERHUB_MCP_REDIS_KEY', () => {
    const layersOf = async (server: InProcessServer, image: string) =>
      ok(await server.callTool('docker_analyze_layers', { image }), image).structured!.digest as string;
    const demo = (tag: string) => rig().images['library/demo'][tag].platforms[0].digest;

    it('never follows a tag → digest written by someone without the key, nor a genuine one moved to another tag', async () => {
      const writer = await inProcess();
      assert.equal(await layersOf(writer, 'library/demo:oci'), demo('oci'));
      assert.equal(await layersOf(writer, 'library/demo:schema2'), demo('schema2'));
      const tagKey = async (tag: string) => (await inspector.keys(`dhm:v1:tagDigest:anonymous:*demo:${tag}`))[0];
      const [ociKey, schema2Key] = [await tagKey('oci'), await tagKey('schema2')];
      assert.ok(ociKey && schema2Key, (await inspector.keys('*')).join(', '));

      // Someone who can write to Redis points demo:oci at demo:schema2's digest, in the stored shape of an unsigned entry.
      const forged = JSON.stringify({ digest: rig().images['library/demo'].schema2.digest });
      await inspector.set(ociKey, forged, 'PX', 60_000);
      const reader = await inProcess();
      assert.equal(await layersOf(reader, 'library/demo:oci'), demo('oci'), 'the forged entry is not followed');
      assert.ok(reader.logs.some((line) => line.includes('without a valid signature')), reader.logs.join(''));

      // A genuine signed entry copied under another tag's name does not pass either.
      await inspector.set(ociKey, (await inspector.getBuffer(schema2Key))!, 'PX', 60_000);
      const another = await inProcess();
      assert.equal(await layersOf(another, 'library/demo:oci'), demo('oci'), 'a moved entry is not followed');
    });

    it('without the key shares only digest-addressed objects, and says so', async () => {
      const unsigned = await inProcess({ DOCKERHUB_MCP_REDIS_KEY: '' });
      assert.ok(unsigned.logs.some((line) => line.includes('DOCKERHUB_MCP_REDIS_KEY is not set')), unsigned.logs.join(''));
      await layersOf(unsigned, 'library/demo:oci');
      const keys = await inspector.keys('dhm:v1:*');
      assert.ok(keys.some((key) => key.startsWith('dhm:v1:manifest:sha256:')), keys.join(', '));
      assert.deepEqual(keys.filter((key) => !/^dhm:v1:(manifest|blob):sha256:[a-f0-9]{64}$/.test(key)), []);

      // An entry planted under a tag's name is ignored by an instance without the key as well.
      await inspector.set('dhm:v1:tagDigest:anonymous:docker.io/library/demo:list', JSON.stringify({ digest: rig().images['library/demo'].oci.digest }));
      assert.equal(await layersOf(unsigned, 'library/demo:list'), demo('list'));
      assert.throws(() => loadConfig({ DOCKERHUB_MCP_REDIS_KEY: 'short' }), /DOCKERHUB_MCP_REDIS_KEY must be at least 32 characters/);
    });
  });
});
