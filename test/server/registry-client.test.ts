import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryAuth } from '../../server/src/auth/registryAuth';
import { Cache, sha256Digest } from '../../server/src/cache/cache';
import { loadConfig } from '../../server/src/config';
import { DockerMcpError, type ErrorCode } from '../../server/src/errors';
import { HttpClient } from '../../server/src/net/client';
import { createLogger } from '../../server/src/log';
import { RegistryClient } from '../../server/src/registry/client';
import { RegistryEndpoints } from '../../server/src/registry/endpoints';
import { Manifests } from '../../server/src/registry/manifests';
import { MediaTypes, parseManifest } from '../../server/src/registry/manifest';
import { choosePlatform, isAttestation, platformEntries } from '../../server/src/registry/platform';
import { digestMatches } from '../../server/src/registry/digest';
import { parseReference } from '../../server/src/registry/reference';
import { closeServices, createServices, type Services } from '../../server/src/services';
import { ALICE_DEFAULT_PAT, MANY_TAG_COUNT } from '../rig/images';
import { rig } from '../rig/mocha-hooks';
import { buildImage, buildIndex } from '../rig/registry/imageBuilder';

const quiet = createLogger('error', () => undefined);
const ALICE = { DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: ALICE_DEFAULT_PAT };

const open: Services[] = [];
function services(env: Record<string, string> = {}): Services {
  const created = createServices(loadConfig({ ...rig().env, ...env }), quiet);
  open.push(created);
  return created;
}

async function refused(promise: Promise<unknown>, code: ErrorCode, pattern?: RegExp): Promise<DockerMcpError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof DockerMcpError, `expected DockerMcpError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected ${code}`);
}

const ref = parseReference;

const FIXTURES = join(__dirname, '..', 'reference', 'fixtures');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

describe('manifest parsing and platform choice (recorded registry answers)', () => {
  const ubuntu = ref('ubuntu:17.10');

  it('reads a Docker manifest list and picks linux/amd64, or the requested variant', () => {
    const list = parseManifest(fixture('registry-docker-manifest-list-ubuntu-17.10.json'), ubuntu, `sha256:${'0'.repeat(64)}`);
    assert.equal(list.kind, 'index');
    assert.equal(list.mediaType, MediaTypes.dockerManifestList);
    const chosen = choosePlatform(list.index!, undefined, 'image ubuntu:17.10');
    assert.equal(chosen.choice, 'default');
    assert.equal(chosen.descriptor.digest, 'sha256:9c4bf7dbb981591d4a1169138471afe4bf5ff5418841d00e30a7ba372e38d6c1');
    assert.deepEqual(chosen.available, ['linux/amd64', 'linux/arm/v7', 'linux/arm64/v8', 'linux/386', 'linux/ppc64le', 'linux/s390x']);
    assert.equal(choosePlatform(list.index!, 'linux/arm', 'x').platform.variant, 'v7');
    assert.equal(choosePlatform(list.index!, 'linux/arm64/v8', 'x').platform.architecture, 'arm64');
  });

  it('verifies the amd64 schema2 manifest against the digest the list names', () => {
    const bytes = fixture('registry-docker-schema2-manifest-ubuntu-17.10-amd64.raw.json');
    const digest = 'sha256:9c4bf7dbb981591d4a1169138471afe4bf5ff5418841d00e30a7ba372e38d6c1';
    assert.ok(digestMatches(digest, bytes));
    assert.ok(!digestMatches(digest, Buffer.concat([bytes, Buffer.from('\n')])));
    const manifest = parseManifest(bytes, ubuntu, digest);
    assert.equal(manifest.kind, 'image');
    assert.equal(manifest.mediaType, MediaTypes.dockerManifest);
    assert.equal(manifest.image!.config.mediaType, MediaTypes.dockerConfig);
    assert.equal(manifest.size, bytes.length);
  });

  it('leaves BuildKit attestation entries out of the platforms', () => {
    const index = parseManifest(fixture('local-registry/manifest-1.0-oci-index-with-attestations.json'), ref('demo:1.0'), `sha256:${'1'.repeat(64)}`);
    assert.equal(index.index!.manifests.length, 4);
    assert.equal(index.index!.manifests.filter(isAttestation).length, 2);
    assert.deepEqual(choosePlatform(index.index!, undefined, 'x').available, ['linux/amd64', 'linux/arm64/v8']);
    const spec = JSON.parse(fixture('registry-oci-index-buildkit-attestation-spec-example.json').toString()).index;
    assert.equal(platformEntries(spec).length, 1);
    assert.throws(() => choosePlatform(spec, 'linux/arm64', 'image x'), /image x has no linux\/arm64 image; available platforms: linux\/amd64\./);
  });

  it('falls back to the first platform of an index without linux/amd64', () => {
    const spec = JSON.parse(fixture('registry-oci-index-spec-example.json').toString());
    const index = parseManifest(Buffer.from(JSON.stringify({ ...spec, manifests: spec.manifests.slice(0, 1) })), ref('x'), `sha256:${'2'.repeat(64)}`);
    const chosen = choosePlatform(index.index!, undefined, 'x');
    assert.deepEqual([chosen.choice, chosen.available], ['only', ['linux/ppc64le']]);
    const both = parseManifest(fixture('registry-oci-index-spec-example.json'), ref('x'), `sha256:${'2'.repeat(64)}`);
    assert.equal(choosePlatform(both.index!, undefined, 'x').descriptor.platform?.['os.features']?.[0], 'sse4');
    assert.deepEqual(both.index!.annotations, { 'com.example.key1': 'value1', 'com.example.key2': 'value2' });
  });

  it('takes an OCI manifest without mediaType by its shape, and refuses schema 1', () => {
    const body = JSON.parse(fixture('local-registry/manifest-amd64-oci-manifest.json').toString());
    delete body.mediaType;
    assert.equal(parseManifest(Buffer.from(JSON.stringify(body)), ref('x'), 'sha256:0').mediaType, MediaTypes.ociManifest);
    assert.throws(
      () => parseManifest(Buffer.from('{"schemaVersion":1,"name":"x","fsLayers":[]}'), ref('x'), 'sha256:0'),
      (err: unknown) => err instanceof DockerMcpError && err.code === 'UNSUPPORTED',
    );
  });
});

describe('registry client against the rig registry', () => {
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => closeServices(s)));
  });

  describe('Bearer token flow', () => {
    it('answers the challenge with an anonymous token, then reads a tag never seen with one GET by tag', async () => {
      const { registry } = services();
      const manifest = await registry.getManifest(ref('demo:latest'));
      assert.equal(manifest.digest, rig().images['library/demo'].latest.digest);
      assert.ok(manifest.resolvedAt && Date.parse(manifest.resolvedAt) <= Date.now(), 'says when the tag was looked up');
      const log = rig().registry.proxy.requests().map((r) => `${r.method} ${r.path} ${r.authorization} ${r.status}`);
      assert.deepEqual(log, [
        'GET /v2/library/demo/manifests/latest none 401',
        'GET /v2/library/demo/manifests/latest bearer 200',
      ]);
      const tokens = rig().tokenServer.requests();
      assert.equal(tokens.length, 1);
      assert.deepEqual(tokens[0], { user: null, scopes: ['repository:library/demo:pull'], service: 'registry.docker.io', status: 200 });
    });

    it('asks for a new repository\'s token before its first request, once the realm is known', async () => {
      const { registry } = services();
      await registry.resolveDigest(ref('demo:latest'));
      rig().registry.resetCounts();
      await registry.resolveDigest(ref('app:1'));
      assert.deepEqual(
        rig().registry.proxy.requests().map((r) => `${r.method} ${r.authorization} ${r.status}`),
        ['HEAD bearer 200'],
      );
      assert.deepEqual(rig().tokenServer.requests()[0].scopes, ['repository:library/app:pull']);
    });

    it('refreshes an expired registry token once, when the registry answers it with 401', async function () {
      this.timeout(10_000);
      rig().tokenServer.setTokenLifetime(1);
      const config = loadConfig(rig().env);
      const http = new HttpClient({ timeoutMs: config.timeoutMs, log: quiet });
      const frozen = Date.now();
      // Our clock stands still, so the token still looks valid to us when the registry has let it expire.
      const auth = new RegistryAuth({ config, http, log: quiet, now: () => frozen });
      const registry = new RegistryClient({ config, cache: new Cache({ maxBytes: 1 << 20, log: quiet }), log: quiet, auth });
      try {
        await registry.resolveDigest(ref('demo:latest'));
        await new Promise((resolve) => setTimeout(resolve, 2200));
        rig().registry.resetCounts();
        const digest = await registry.resolveDigest(ref('demo:1.0'));
        assert.equal(digest, rig().images['library/demo']['1.0'].digest);
        assert.deepEqual(
          rig().registry.proxy.requests().map((r) => `${r.method} ${r.authorization} ${r.status}`),
          ['HEAD bearer 401', 'HEAD bearer 200'],
        );
        assert.equal(rig().tokenServer.requests().length, 1, 'one new token');
      } finally {
        await http.close();
      }
    });

    it('gives up after one refresh when the new token is refused too', async () => {
      const { registry } = services();
      await registry.resolveDigest(ref('demo:latest'));
      rig().registry.resetCounts();
      const challenge = `Bearer realm="${rig().tokenServer.realm}",service="registry.docker.io",scope="repository:library/demo:pull",error="invalid_token"`;
      rig().registry.proxy.failNext({ status: 401, kind: 'manifestHead', times: 5, headers: { 'www-authenticate': challenge } });
      await refused(registry.resolveDigest(ref('demo:1.0')), 'UNAUTHORIZED', /demo:1\.0/);
      assert.equal(rig().registry.counts().manifestHead, 2);
      assert.equal(rig().tokenServer.requests().length, 1);
    });

    it('refuses a token realm over plain http on a non-loopback host', async () => {
      const fake = await fakeRegistry((request, response) => {
        response.writeHead(401, { 'www-authenticate': 'Bearer realm="http://auth.example.com/token",service="x"' });
        response.end();
      });
      try {
        const { registry } = services({ DOCKERHUB_MCP_REGISTRY_ENDPOINTS: `evil.example=${fake.url}` });
        await refused(registry.resolveDigest(ref('evil.example/app:1')), 'UPSTREAM_ERROR', /not https/);
      } finally {
        await fake.close();
      }
    });

    it('answers a Basic challenge with Docker Hub credentials, for docker.io only', async () => {
      const expected = `Basic ${Buffer.from(`alice:${ALICE_DEFAULT_PAT}`).toString('base64')}`;
      const manifest = Buffer.from(readFileSync(join(FIXTURES, 'local-registry/manifest-amd64-oci-manifest.json')));
      const seen: string[] = [];
      const fake = await fakeRegistry((request, response) => {
        seen.push(request.headers.authorization ?? 'none');
        if (request.headers.authorization !== expected) {
          response.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' });
          response.end();
          return;
        }
        response.writeHead(200, { 'content-type': MediaTypes.ociManifest, 'docker-content-digest': sha256Digest(manifest) });
        response.end(request.method === 'HEAD' ? undefined : manifest);
      });
      try {
        const hub = services({ ...ALICE, DOCKERHUB_REGISTRY_URL: fake.url });
        assert.equal((await hub.registry.getManifest(ref('demo:basic'))).digest, sha256Digest(manifest));
        assert.deepEqual(seen, ['none', expected]);
        const other = services({ ...ALICE, DOCKERHUB_MCP_REGISTRY_ENDPOINTS: `other.example=${fake.url}` });
        await refused(other.registry.getManifest(ref('other.example/demo:basic')), 'UNAUTHORIZED', /on other\.example, which was asked anonymously/);
        assert.equal(seen.filter((value) => value === expected).length, 1, 'no credentials for other.example');
      } finally {
        await fake.close();
      }
    });

    it('reports the token service failing as UPSTREAM_ERROR', async function () {
      this.timeout(10_000);
      rig().tokenServer.down(true);
      await refused(services().registry.resolveDigest(ref('demo:latest')), 'UPSTREAM_ERROR', /token service of docker\.io/);
    });
  });

  describe('credentials', () => {
    it('calls a private repository UNAUTHORIZED without credentials, naming the image', async () => {
      await refused(services().registry.getManifest(ref('alice/private-app:1')), 'UNAUTHORIZED', /alice\/private-app:1 is private or does not exist: set DOCKERHUB_USERNAME/);
    });

    it('asks docker.io as the configured account from the first request, so its quota is spent', async () => {
      const { registry } = services(ALICE);
      const manifest = await registry.getManifest(ref('alice/private-app:1'));
      assert.equal(manifest.digest, rig().images['alice/private-app']['1'].digest);
      assert.deepEqual(
        rig().tokenServer.requests().map((r) => r.user),
        ['alice'],
      );
      rig().registry.resetCounts();
      await registry.getManifest(ref('alice/private-app:1@' + manifest.digest));
      assert.deepEqual(rig().tokenServer.requests(), [], 'the credentialed token is reused');
    });

    it('says the credentials were refused when the token service rejects them', async () => {
      await refused(
        services({ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: 'dckr_pat_wrong' }).registry.getManifest(ref('alice/private-app:1')),
        'UNAUTHORIZED',
        /docker\.io refused the credentials of alice from DOCKERHUB_TOKEN/,
      );
    });

    it('never sends Docker Hub credentials for another registry', async () => {
      const { registry } = services(ALICE);
      const image = await registry.getImage(ref('ghcr.io/owner/app:1'));
      assert.equal(image.digest, rig().images['owner/app']['1'].digest);
      assert.ok(rig().tokenServer.requests().length > 0);
      assert.ok(rig().tokenServer.requests().every((r) => r.user === null));
      assert.ok(rig().registry.proxy.requests().every((r) => r.authorization !== 'basic'));
      await refused(registry.getManifest(ref('ghcr.io/alice/private-app:1')), 'UNAUTHORIZED', /on ghcr\.io, which was asked anonymously/);
      assert.ok(rig().tokenServer.requests().every((r) => r.user === null));
    });
  });

  describe('manifests', () => {
    const cases: Array<[string, string, 'index' | 'image']> = [
      ['schema2', MediaTypes.dockerManifest, 'image'],
      ['oci', MediaTypes.ociManifest, 'image'],
      ['latest', MediaTypes.ociIndex, 'index'],
      ['list', MediaTypes.dockerManifestList, 'index'],
    ];
    for (const [tag, mediaType, kind] of cases) {
      it(`reads demo:${tag} (${mediaType}) and its amd64 config`, async () => {
        const { registry } = services();
        const expected = rig().images['library/demo'][tag];
        const manifest = await registry.getManifest(ref(`demo:${tag}`));
        assert.equal(manifest.mediaType, mediaType);
        assert.equal(manifest.kind, kind);
        assert.equal(manifest.digest, expected.digest);
        assert.equal(manifest.size, expected.manifestSize);
        const image = await registry.getImage(ref(`demo:${tag}`));
        const amd64 = expected.platforms[0];
        assert.equal(image.digest, amd64.digest);
        assert.equal(image.configDigest, amd64.configDigest);
        assert.deepEqual(image.config, amd64.config);
        assert.equal(image.indexDigest, kind === 'index' ? expected.digest : undefined);
      });
    }

    it('always sends all four manifest media types in Accept', async () => {
      const { http, registry } = services();
      const seen: string[] = [];
      const original = http.request.bind(http);
      http.request = (req) => {
        if (req.url.includes('/manifests/')) seen.push(req.headers?.accept ?? '');
        return original(req);
      };
      await registry.getImage(ref('demo:list'));
      assert.ok(seen.length >= 3);
      for (const accept of seen) {
        for (const type of [MediaTypes.dockerManifest, MediaTypes.dockerManifestList, MediaTypes.ociManifest, MediaTypes.ociIndex]) {
          assert.ok(accept.includes(type), `${type} missing from ${accept}`);
        }
      }
    });

    it('resolves ghcr.io/owner/app:1 through DOCKERHUB_MCP_REGISTRY_ENDPOINTS', async () => {
      const { registry } = services();
      assert.equal(registry.baseUrl('ghcr.io'), rig().registry.url);
      assert.equal(registry.baseUrl('docker.io'), rig().registry.url);
      assert.equal(registry.baseUrl('quay.io'), 'https://quay.io');
      assert.equal(registry.baseUrl('localhost:5000'), 'http://localhost:5000');
      const image = await registry.getImage(ref('ghcr.io/owner/app:1'));
      assert.equal(image.digest, rig().images['owner/app']['1'].digest);
      assert.ok(rig().registry.proxy.requests().some((r) => r.path.startsWith('/v2/owner/app/')));
    });

    it('calls an unknown tag and an unknown repository NOT_FOUND, naming the image', async () => {
      const { registry } = services();
      await refused(registry.getManifest(ref('demo:nope')), 'NOT_FOUND', /image demo:nope was not found/);
      await refused(registry.getImage(ref('nope:1')), 'NOT_FOUND', /image nope:1 was not found/);
      await refused(registry.listTags(ref('nope'), { limit: 10 }), 'NOT_FOUND', /repository nope was not found \(repository name not known to registry\)/);
    });

    it('refuses a manifest whose bytes do not match its digest', async () => {
      const genuine = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, digest: `sha256:${'a'.repeat(64)}`, size: 2 }, layers: [] }));
      const digest = sha256Digest(genuine);
      const fake = await fakeRegistry((request, response) => {
        const headers = { 'content-type': MediaTypes.ociManifest, 'docker-content-digest': digest };
        response.writeHead(200, headers);
        response.end(request.method === 'HEAD' ? undefined : Buffer.from(genuine.toString().replace('"layers":[]', '"layers":[ ]')));
      });
      try {
        const { registry, cache } = services({ DOCKERHUB_MCP_REGISTRY_ENDPOINTS: `broken.example=${fake.url}` });
        await refused(registry.getManifest(ref('broken.example/app:1')), 'UPSTREAM_ERROR', /does not match digest/);
        assert.equal(await cache.get('manifest', digest), undefined);
      } finally {
        await fake.close();
      }
    });

    it('learns the digest from the GET when a registry does not say it, on a first read and on a revalidating HEAD', async () => {
      const manifest = Buffer.from(readFileSync(join(FIXTURES, 'local-registry/manifest-amd64-docker-schema2.json')));
      const requests: string[] = [];
      const fake = await fakeRegistry((request, response) => {
        requests.push(`${request.method} ${request.url}`);
        response.writeHead(200, { 'content-type': MediaTypes.dockerManifest });
        response.end(request.method === 'HEAD' ? undefined : manifest);
      });
      try {
        const { registry } = services({ DOCKERHUB_MCP_REGISTRY_ENDPOINTS: `quiet.example=${fake.url}` });
        const fetched = await registry.getManifest(ref('quiet.example/app:1'));
        assert.equal(fetched.digest, sha256Digest(manifest));
        const revalidated = await registry.getManifest(ref('quiet.example/app:1'), undefined, { fresh: true });
        assert.equal(revalidated.digest, sha256Digest(manifest));
        assert.deepEqual(requests, ['GET /v2/app/manifests/1', 'HEAD /v2/app/manifests/1', 'GET /v2/app/manifests/1']);
      } finally {
        await fake.close();
      }
    });

    it('makes one upstream request for identical concurrent calls', async () => {
      const { registry } = services();
      const results = await Promise.all(Array.from({ length: 6 }, () => registry.getImage(ref('demo:1.0'))));
      assert.ok(results.every((r) => r.digest === results[0].digest));
      const counts = rig().registry.counts();
      assert.equal(counts.token, 1);
      assert.equal(counts.manifestHead, 0, 'a tag never seen needs no HEAD');
      assert.equal(rig().registry.proxy.requests().filter((r) => r.path.endsWith('/manifests/1.0') && r.status === 200).length, 1);
      const served = rig().registry.proxy.requests().filter((r) => r.kind === 'manifestGet' && r.status === 200);
      assert.equal(served.length, 2, 'index and amd64 manifest, once each (the first GET\'s 401 aside)');
      assert.equal(counts.blobGet, 1, 'config once');
    });

    it('reads nothing again from a warm disk cache after a restart: zero manifest GETs', async () => {
      const directory = await mkdtemp(join(tmpdir(), 'dhm-registry-cache-'));
      try {
        const first = services({ DOCKERHUB_MCP_CACHE_DIR: directory });
        await first.registry.getImage(ref('demo:latest'), 'linux/arm64');
        await first.registry.getAttestations(ref('demo:latest'), 'linux/arm64');
        assert.ok(rig().registry.counts().manifestGet >= 3);
        await closeServices(open.splice(open.indexOf(first), 1)[0]);
        rig().registry.resetCounts();

        const second = services({ DOCKERHUB_MCP_CACHE_DIR: directory });
        const image = await second.registry.getImage(ref('demo:latest'), 'linux/arm64');
        const attestations = await second.registry.getAttestations(ref('demo:latest'), 'linux/arm64');
        assert.equal(image.platform.architecture, 'arm64');
        assert.equal(attestations.statements.length, 2);
        const counts = rig().registry.counts();
        assert.equal(counts.manifestGet, 0);
        assert.equal(counts.blobGet, 0);
        assert.equal(counts.cdnGet, 0);
        assert.equal(rig().registry.proxy.requests().filter((r) => r.status === 200).length, 1, 'only the HEAD of the tag');
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    });

    it('on Docker Hub, HEADs first only when the cache may hold the tag\'s manifest; elsewhere GETs by tag', async () => {
      const { registry } = services();
      await registry.getManifest(ref('demo:latest'));
      rig().registry.resetCounts();
      // Manifests of library/demo are cached, so another tag may point at one of them: a free HEAD first. demo:1.0
      // is demo:latest's image, so no pull at all; demo:list is not, so one GET by digest.
      assert.equal(rig().images['library/demo']['1.0'].digest, rig().images['library/demo'].latest.digest);
      await registry.getManifest(ref('demo:1.0'));
      await registry.getManifest(ref('demo:list'));
      const hub = rig().registry.proxy.requests().map((r) => `${r.method} ${r.path.replace(/sha256:[a-f0-9]{64}/, 'DIGEST')} ${r.status}`);
      assert.deepEqual(hub, [
        'HEAD /v2/library/demo/manifests/1.0 200',
        'HEAD /v2/library/demo/manifests/list 200',
        'GET /v2/library/demo/manifests/DIGEST 200',
      ]);

      await registry.getManifest(ref('ghcr.io/library/demo:latest'));
      rig().registry.resetCounts();
      // ghcr.io counts no pulls: the GET by tag is one round trip fewer, whatever the cache holds.
      await registry.getManifest(ref('ghcr.io/library/demo:list'));
      assert.deepEqual(
        rig().registry.proxy.requests().map((r) => `${r.method} ${r.path} ${r.status}`),
        ['GET /v2/library/demo/manifests/list 200'],
      );
    });

    it('revalidates a cached tag by HEAD when the answer is about now, and needs no GET when it has not moved', async () => {
      const { registry } = services();
      const first = await registry.getManifest(ref('demo:schema2'));
      rig().registry.resetCounts();
      const cached = await registry.getManifest(ref('demo:schema2'));
      assert.equal(cached.resolvedAt, first.resolvedAt, 'a cached answer says how old its look-up is');
      assert.equal(rig().registry.proxy.requests().length, 0);
      const fresh = await registry.getManifest(ref('demo:schema2'), undefined, { fresh: true });
      assert.equal(fresh.digest, first.digest);
      assert.ok(Date.parse(fresh.resolvedAt!) >= Date.parse(first.resolvedAt!));
      assert.deepEqual(
        rig().registry.proxy.requests().map((r) => `${r.method} ${r.status}`),
        ['HEAD 200'],
      );
    });

    it('identical calls revalidating a tag at one moment share one HEAD and one resolved_at (clock injected)', async () => {
      const config = loadConfig(rig().env);
      const http = new HttpClient({ timeoutMs: config.timeoutMs, log: quiet });
      const auth = new RegistryAuth({ config, http, log: quiet });
      let clock = Date.UTC(2026, 0, 1);
      // Every reading of the clock is a second later: each caller stamping its own look-up would show.
      const manifests = new Manifests(new RegistryEndpoints(config, auth), new Cache({ maxBytes: 1 << 20, log: quiet }), quiet, () => (clock += 1000));
      try {
        await manifests.getManifest(ref('demo:schema2'));
        rig().registry.resetCounts();
        const answers = await Promise.all([1, 2, 3].map(() => manifests.getManifest(ref('demo:schema2'), undefined, { fresh: true })));
        assert.deepEqual([...new Set(answers.map((answer) => answer.resolvedAt))], [answers[0].resolvedAt]);
        assert.deepEqual(
          rig().registry.proxy.requests().map((r) => `${r.method} ${r.status}`),
          ['HEAD 200'],
        );
      } finally {
        await http.close();
      }
    });

    it('after a tag moves, a fresh read sees the new digest and every later read agrees', async () => {
      const { registry } = services();
      const before = await registry.getManifest(ref('base:1'));
      const moved = await rig().moveBase();
      assert.notEqual(moved.digest, before.digest);
      const stale = await registry.getImage(ref('base:1'));
      assert.equal(stale.indexDigest ?? stale.digest, before.digest, 'within its TTL the cached look-up answers, with its age');
      assert.equal(stale.resolvedAt, before.resolvedAt);
      const fresh = await registry.getManifest(ref('base:1'), undefined, { fresh: true });
      assert.equal(fresh.digest, moved.digest);
      const later = await registry.getImage(ref('base:1'));
      assert.equal(later.indexDigest ?? later.digest, moved.digest);
      assert.equal(later.resolvedAt, fresh.resolvedAt);
    });

    it('reports 429 as RATE_LIMITED with the wait', async () => {
      rig().registry.proxy.failNext({ status: 429, kind: 'manifestGet', times: 1, headers: { 'retry-after': '120' } });
      await refused(services().registry.getManifest(ref('demo:latest')), 'RATE_LIMITED', /retry in 120 s/);
    });
  });

  describe('platforms', () => {
    it('picks linux/amd64 by default and says so, leaving attestations out of the platforms', async () => {
      const image = await services().registry.getImage(ref('demo:latest'));
      assert.equal(image.platformChoice, 'default');
      assert.deepEqual(image.platform, { os: 'linux', architecture: 'amd64' });
      assert.deepEqual(image.availablePlatforms, ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']);
    });

    it('picks the requested platform, with or without its variant', async () => {
      const { registry } = services();
      const arm64 = await registry.getImage(ref('demo:latest'), 'linux/arm64');
      assert.equal(arm64.platformChoice, 'requested');
      assert.equal(arm64.digest, rig().images['library/demo'].latest.platforms[1].digest);
      const armv7 = await registry.getImage(ref('demo:latest'), 'linux/arm/v7');
      assert.equal(armv7.digest, rig().images['library/demo'].latest.platforms[2].digest);
      await refused(registry.getImage(ref('demo:latest'), 'linux/arm/v6'), 'NOT_FOUND');
    });

    it('calls an absent platform NOT_FOUND, listing the available ones', async () => {
      await refused(
        services().registry.getImage(ref('demo:latest'), 'linux/s390x'),
        'NOT_FOUND',
        /image demo:latest has no linux\/s390x image; available platforms: linux\/amd64, linux\/arm64\/v8, linux\/arm\/v7/,
      );
    });

    it('takes the first platform when there is no linux/amd64, and the only one of a single image', async () => {
      const arm = (variant: string, architecture: string) =>
        buildImage({ format: 'oci', platform: { os: 'linux', architecture, variant }, created: '2024-01-01T00:00:00Z', config: { Cmd: ['/x'] }, steps: [{ createdBy: 'CMD ["/x"]', buildkit: true }] });
      await rig().push('library/noamd', buildIndex('oci', [arm('v8', 'arm64'), arm('v7', 'arm')]), ['1']);
      const { registry } = services();
      const first = await registry.getImage(ref('noamd:1'));
      assert.equal(first.platformChoice, 'first');
      assert.equal(first.platform.architecture, 'arm64');
      const single = await registry.getImage(ref('demo:oci'));
      assert.equal(single.platformChoice, 'only');
      await refused(registry.getImage(ref('demo:oci'), 'linux/arm64'), 'NOT_FOUND', /available platforms: linux\/amd64/);
    });
  });

  describe('blobs and attestations', () => {
    it('follows the 307 to the CDN without the Authorization header', async () => {
      const image = await services().registry.getImage(ref('app:1'));
      assert.equal(image.config.config?.User, 'app');
      const blobRequests = rig().registry.proxy.requests().filter((r) => r.kind === 'blobGet' || r.kind === 'cdnGet');
      assert.deepEqual(
        blobRequests.map((r) => `${r.kind} ${r.authorization} ${r.status}`),
        ['blobGet bearer 307', 'cdnGet none 200'],
      );
    });

    it('reads SBOM and provenance of one platform and lists the attested platforms', async () => {
      const report = await services().registry.getAttestations(ref('demo:latest'), 'linux/arm/v7');
      const expected = rig().images['library/demo'].latest;
      assert.deepEqual(report.platforms, ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']);
      assert.deepEqual(report.attestedPlatforms, report.platforms);
      assert.equal(report.platform, 'linux/arm/v7');
      assert.equal(report.attestationDigest, expected.attestations[2].digest);
      const [sbom, provenance] = report.statements;
      assert.deepEqual(sbom, { predicateType: 'https://spdx.dev/Document', kind: 'sbom', digest: expected.attestations[2].layers[0].digest, size: expected.attestations[2].layers[0].size, format: 'SPDX-2.3', packages: 2 });
      assert.equal(provenance.kind, 'provenance');
      assert.equal(provenance.buildType, 'https://mobyproject.org/buildkit@v1');
      assert.equal(provenance.materials, 1);
      assert.equal(provenance.builderId, undefined, 'an empty builder id is not reported');
    });

    it('reports no attestations for a single image or a list without them', async () => {
      const { registry } = services();
      const single = await registry.getAttestations(ref('demo:oci'));
      assert.deepEqual([single.kind, single.attestedPlatforms, single.statements], ['image', [], []]);
      const list = await registry.getAttestations(ref('demo:list'));
      assert.deepEqual([list.platforms, list.attestedPlatforms, list.statements], [['linux/amd64', 'linux/arm64/v8'], [], []]);
      assert.equal(rig().registry.counts().blobGet, 0);
    });
  });

  describe('attestations of many statements', () => {
    it('reads statements a few at a time and stops at its byte budget, not all 300 at once', async function () {
      this.timeout(30_000);
      const json = (value: unknown) => Buffer.from(JSON.stringify(value));
      const blobs = new Map<string, Buffer>();
      const keep = (bytes: Buffer, mediaType: string) => {
        const digest = sha256Digest(bytes);
        blobs.set(digest, bytes);
        return { mediaType, digest, size: bytes.length };
      };
      const config = keep(json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }), MediaTypes.ociConfig);
      const image = keep(json({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: [] }), MediaTypes.ociManifest);
      const padding = 'x'.repeat(256 * 1024);
      const statements = Array.from({ length: 300 }, (_, i) => ({
        ...keep(json({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://spdx.dev/Document', predicate: { spdxVersion: 'SPDX-2.3', packages: [{ name: `p${i}` }], comment: padding } }), MediaTypes.inToto),
        annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' },
      }));
      const attestation = keep(json({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: statements }), MediaTypes.ociManifest);
      const index = keep(
        json({
          schemaVersion: 2,
          mediaType: MediaTypes.ociIndex,
          manifests: [
            { ...image, platform: { os: 'linux', architecture: 'amd64' } },
            { ...attestation, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.digest': image.digest, 'vnd.docker.reference.type': 'attestation-manifest' } },
          ],
        }),
        MediaTypes.ociIndex,
      );
      let inFlight = 0;
      let mostInFlight = 0;
      let statementBytes = 0;
      const fake = await fakeRegistry((request, response) => {
        const [, kind, target] = /\/v2\/app\/(manifests|blobs)\/(.+)$/.exec(request.url ?? '') ?? [];
        const digest = target === '1' ? index.digest : target;
        const bytes = blobs.get(digest ?? '');
        if (!kind || !bytes) {
          response.writeHead(404).end();
          return;
        }
        const type = kind === 'manifests' ? JSON.parse(bytes.toString()).mediaType : 'application/octet-stream';
        if (kind === 'manifests') {
          response.writeHead(200, { 'content-type': type, 'docker-content-digest': digest });
          response.end(request.method === 'HEAD' ? undefined : bytes);
          return;
        }
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        statementBytes += bytes.length;
        setTimeout(() => {
          inFlight--;
          response.writeHead(200, { 'content-type': type });
          response.end(bytes);
        }, 5);
      });
      try {
        const { registry } = services({ DOCKERHUB_MCP_REGISTRY_ENDPOINTS: `attested.example=${fake.url}` });
        const report = await registry.getAttestations(ref('attested.example/app:1'));
        assert.equal(report.statements.length, 300);
        assert.ok(mostInFlight <= 4, `at most 4 statements in flight, saw ${mostInFlight}`);
        const read = report.statements.filter((statement) => statement.packages === 1);
        const skipped = report.statements.filter((statement) => /not read: this call already read 64 MiB/.test(statement.note ?? ''));
        assert.ok(read.length > 200 && read.length < 300, `read ${read.length}`);
        assert.equal(read.length + skipped.length, 300);
        assert.ok(statementBytes <= 64 * 1024 * 1024, `read ${statementBytes} bytes of statements`);
      } finally {
        await fake.close();
      }
    });
  });

  describe('tags', () => {
    it('follows Link pages up to the limit and says where to continue', async () => {
      const { registry } = services();
      const page = await registry.listTags(ref('many'), { limit: 250 });
      assert.equal(page.tags.length, MANY_TAG_COUNT);
      assert.equal(page.next, undefined);
      assert.equal(rig().registry.proxy.requests().filter((r) => r.kind === 'tagsList' && r.status === 200).length, 3);
      const first = await registry.listTags(ref('many'), { limit: 120 });
      assert.equal(first.tags.length, 120);
      assert.equal(first.next, 'tag-119');
      const rest = await registry.listTags(ref('many'), { limit: 1000, last: first.next });
      assert.equal(rest.tags[0], 'tag-120');
      assert.equal(rest.tags.length, MANY_TAG_COUNT - 120);
    });

    it('never walks more than ten pages', async () => {
      const pages: string[] = [];
      const fake = await fakeRegistry((request, response) => {
        pages.push(request.url ?? '');
        const n = pages.length;
        response.writeHead(200, { 'content-type': 'application/json', link: `</v2/endless/tags/list?last=t${n}&n=1>; rel="next"` });
        response.end(JSON.stringify({ name: 'endless', tags: [`t${n}`] }));
      });
      try {
        const { registry } = services({ DOCKERHUB_MCP_REGISTRY_ENDPOINTS: `endless.example=${fake.url}` });
        const page = await registry.listTags(ref('endless.example/endless'), { limit: 1000 });
        assert.equal(pages.length, 10);
        assert.equal(page.tags.length, 10);
        assert.equal(page.next, 't10');
      } finally {
        await fake.close();
      }
    });

    it('follows a next Link only to this repository\'s tag list on the registry\'s own origin, never with its token elsewhere', async () => {
      const elsewhere: string[] = [];
      const other = await fakeRegistry((request, response) => {
        elsewhere.push(`${request.url} ${request.headers.authorization ?? 'none'}`);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ name: 'app', tags: ['planted'] }));
      });
      const links = [
        `<${other.url}/v2/app/tags/list?last=b&n=2>; rel="next"`,
        '</v2/someone-else/tags/list?last=b&n=2>; rel="next"',
      ];
      let served = 0;
      const registry = await fakeRegistry((request, response) => {
        if (request.url?.startsWith('/token')) {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ token: 'registry-only-token', expires_in: 300 }));
          return;
        }
        if (request.headers.authorization !== 'Bearer registry-only-token') {
          response.writeHead(401, { 'www-authenticate': `Bearer realm="http://${request.headers.host}/token",service="fake"` });
          response.end();
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json', link: links[served++ % links.length] });
        response.end(JSON.stringify({ name: 'app', tags: ['a', 'b'] }));
      });
      try {
        const { registry: client } = services({ DOCKERHUB_MCP_REGISTRY_ENDPOINTS: `paged.example=${registry.url}` });
        for (let i = 0; i < links.length; i++) {
          const page = await client.listTags(ref(`paged.example/app${i}`), { limit: 10 });
          assert.deepEqual(page, { tags: ['a', 'b'], next: 'b' }, 'continues with `last` on the registry itself');
        }
        assert.deepEqual(elsewhere, [], 'no request to another host');
        assert.equal(served, links.length, 'one page each, the Link not followed');
      } finally {
        await Promise.all([other.close(), registry.close()]);
      }
    });

    it('refuses a non-http Link before any request, so no breaker counts it', async () => {
      let served = 0;
      const fake = await fakeRegistry((request, response) => {
        served++;
        const link = served <= 3 ? '<file:///etc/passwd>; rel="next"' : '<ftp://127.0.0.1/v2/app/tags/list>; rel="next"';
        response.writeHead(200, { 'content-type': 'application/json', link });
        response.end(JSON.stringify({ name: 'app', tags: [`t${served}`] }));
      });
      try {
        const { registry } = services({ DOCKERHUB_MCP_REGISTRY_ENDPOINTS: `schemes.example=${fake.url}` });
        for (let i = 1; i <= 6; i++) {
          const page = await registry.listTags(ref(`schemes.example/app${i}`), { limit: 10 });
          assert.deepEqual(page, { tags: [`t${i}`], next: `t${i}` });
        }
        assert.equal(served, 6);
      } finally {
        await fake.close();
      }
    });

    it('reads a page of 4 million tags without overflowing the stack, keeping only what was asked for', async function () {
      this.timeout(30_000);
      const body = Buffer.from(`{"name":"huge","tags":[${'"a",'.repeat(4_000_000 - 1)}"z"]}`);
      const fake = await fakeRegistry((request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        response.end(body);
      });
      try {
        const { registry } = services({ DOCKERHUB_MCP_REGISTRY_ENDPOINTS: `huge.example=${fake.url}` });
        const page = await registry.listTags(ref('huge.example/huge'), { limit: 300 });
        assert.equal(page.tags.length, 300);
        assert.equal(page.next, 'a', 'says there is more');
        const oversized = Buffer.concat([body, Buffer.alloc(1024 * 1024, ' ')]);
        const tooBig = await fakeRegistry((request, response) => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(oversized);
        });
        try {
          const { registry: other } = services({ DOCKERHUB_MCP_REGISTRY_ENDPOINTS: `toobig.example=${tooBig.url}` });
          await refused(other.listTags(ref('toobig.example/huge'), { limit: 300 }), 'UPSTREAM_ERROR', /more than 16777216 bytes/);
        } finally {
          await tooBig.close();
        }
      } finally {
        await fake.close();
      }
    });
  });
});

/** A registry that misbehaves on purpose, which the real one will not do. Loopback only. */
async function fakeRegistry(
  handler: (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
