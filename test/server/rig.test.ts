import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rig } from '../rig/mocha-hooks';
import { ALICE_DEFAULT_PAT, BOB_DEFAULT_PAT, MANY_TAG_COUNT } from '../rig/images';

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

function basic(username: string, password: string): string {
  return 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64');
}

async function token(repository: string, authorization?: string): Promise<string> {
  const url = `${rig().tokenServer.realm}?service=registry.docker.io&scope=repository:${repository}:pull`;
  const response = await fetch(url, { headers: authorization ? { authorization } : {} });
  assert.equal(response.status, 200);
  return ((await response.json()) as { token: string }).token;
}

async function manifest(repository: string, reference: string, bearer: string, method = 'GET'): Promise<Response> {
  return fetch(`${rig().registry.url}/v2/${repository}/manifests/${reference}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, accept: MANIFEST_ACCEPT },
  });
}

function sha256(bytes: Buffer): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

describe('test rig: registry behind Docker Hub behaviour', () => {
  it('answers an anonymous manifest GET with a Bearer challenge naming the token server', async () => {
    const response = await fetch(`${rig().registry.url}/v2/library/demo/manifests/latest`);
    assert.equal(response.status, 401);
    assert.equal(
      response.headers.get('www-authenticate'),
      `Bearer realm="${rig().tokenServer.realm}",service="registry.docker.io",scope="repository:library/demo:pull"`,
    );
  });

  it('serves the multi-arch index with 3 platforms and their attestation manifests to an anonymous token', async () => {
    const response = await manifest('library/demo', '1.0', await token('library/demo'));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/vnd.oci.image.index.v1+json');
    const expected = rig().images['library/demo']['1.0'];
    assert.equal(response.headers.get('docker-content-digest'), expected.digest);
    const index = (await response.json()) as {
      manifests: Array<{ digest: string; platform: { os: string; architecture: string; variant?: string }; annotations?: Record<string, string> }>;
    };
    const platforms = index.manifests.filter((entry) => entry.platform.os !== 'unknown');
    assert.deepEqual(
      platforms.map((entry) => [entry.platform.os, entry.platform.architecture, entry.platform.variant].filter(Boolean).join('/')),
      ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'],
    );
    const attestations = index.manifests.filter((entry) => entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest');
    assert.equal(attestations.length, 3);
    assert.deepEqual(
      attestations.map((entry) => entry.annotations?.['vnd.docker.reference.digest']),
      platforms.map((entry) => entry.digest),
    );
    assert.ok(attestations.every((entry) => entry.platform.os === 'unknown' && entry.platform.architecture === 'unknown'));
  });

  it('serves schema2, OCI and manifest-list tags with their own media types', async () => {
    const bearer = await token('library/demo');
    const expectations: Record<string, string> = {
      schema2: 'application/vnd.docker.distribution.manifest.v2+json',
      oci: 'application/vnd.oci.image.manifest.v1+json',
      list: 'application/vnd.docker.distribution.manifest.list.v2+json',
    };
    for (const [tag, mediaType] of Object.entries(expectations)) {
      const response = await manifest('library/demo', tag, bearer);
      assert.equal(response.headers.get('content-type'), mediaType, tag);
      assert.equal(sha256(Buffer.from(await response.arrayBuffer())), rig().images['library/demo'][tag].digest, tag);
    }
  });

  it('adds rate-limit headers to manifest GET and HEAD, counting only GET', async () => {
    const bearer = await token('library/demo');
    const first = await manifest('library/demo', 'latest', bearer, 'HEAD');
    assert.equal(first.headers.get('ratelimit-limit'), '100;w=3600');
    assert.equal(first.headers.get('ratelimit-remaining'), '100;w=3600');
    assert.equal(first.headers.get('docker-ratelimit-source'), '127.0.0.1');
    await (await manifest('library/demo', 'latest', bearer)).arrayBuffer();
    const afterGet = await manifest('library/demo', 'latest', bearer, 'HEAD');
    assert.equal(afterGet.headers.get('ratelimit-remaining'), '99;w=3600');
  });

  it('answers 429 TOOMANYREQUESTS once the limit is used up, while HEAD still works', async () => {
    rig().registry.proxy.setRateLimit({ limit: 10, remaining: 0, windowSeconds: 3600 });
    const bearer = await token('library/demo');
    const refused = await manifest('library/demo', 'latest', bearer);
    assert.equal(refused.status, 429);
    assert.equal(((await refused.json()) as { errors: Array<{ code: string }> }).errors[0].code, 'TOOMANYREQUESTS');
    const head = await manifest('library/demo', 'latest', bearer, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('ratelimit-remaining'), '0;w=3600');
  });

  it('sends no rate-limit headers when they are disabled (a paid plan)', async () => {
    rig().registry.proxy.disableRateLimitHeaders();
    const response = await manifest('library/demo', 'latest', await token('library/demo'), 'HEAD');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('ratelimit-limit'), null);
  });

  it('redirects a blob GET with 307 to the CDN, which serves it without credentials and refuses credentials', async () => {
    const bearer = await token('library/app');
    const configDigest = rig().images['library/app']['1'].configDigest ?? '';
    const redirect = await fetch(`${rig().registry.url}/v2/library/app/blobs/${configDigest}`, {
      headers: { authorization: `Bearer ${bearer}` },
      redirect: 'manual',
    });
    assert.equal(redirect.status, 307);
    const location = redirect.headers.get('location') ?? '';
    assert.equal(new URL(location).origin, rig().registry.cdnUrl);
    const blob = await fetch(location);
    assert.equal(blob.status, 200);
    const bytes = Buffer.from(await blob.arrayBuffer());
    assert.equal(sha256(bytes), configDigest);
    const config = JSON.parse(bytes.toString('utf8')) as { config: { Labels: Record<string, string> } };
    assert.equal(config.config.Labels['org.opencontainers.image.base.name'], 'docker.io/library/base:1');
    const withCredentials = await fetch(location, { headers: { authorization: `Bearer ${bearer}` } });
    assert.equal(withCredentials.status, 400);
  });

  it('pages tags/list in lexical order with Link headers', async () => {
    const bearer = await token('library/many');
    const seen: string[] = [];
    let next: string | null = '/v2/library/many/tags/list?n=100';
    let pages = 0;
    while (next) {
      const response: Response = await fetch(new URL(next, rig().registry.url), { headers: { authorization: `Bearer ${bearer}` } });
      assert.equal(response.status, 200);
      seen.push(...((await response.json()) as { tags: string[] }).tags);
      next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1] ?? null;
      pages += 1;
    }
    assert.equal(pages, 3);
    assert.equal(seen.length, MANY_TAG_COUNT);
    assert.deepEqual(seen, [...seen].sort());
    assert.equal(new Set(seen).size, MANY_TAG_COUNT);
    const empty = await fetch(`${rig().registry.url}/v2/library/many/tags/list?n=0`, { headers: { authorization: `Bearer ${bearer}` } });
    assert.deepEqual(((await empty.json()) as { tags: string[] }).tags, []);
    assert.equal(empty.headers.get('link'), null);
  });

  it('counts requests by kind, tokens included', async () => {
    const bearer = await token('library/base');
    const digest = rig().images['library/base']['1'].digest;
    await (await manifest('library/base', '1', bearer, 'HEAD')).arrayBuffer();
    await (await manifest('library/base', digest, bearer)).arrayBuffer();
    await (await fetch(`${rig().registry.url}/v2/library/base/tags/list`, { headers: { authorization: `Bearer ${bearer}` } })).arrayBuffer();
    const layer = rig().images['library/base']['1'].platforms[0].layers[0].digest;
    await (await fetch(`${rig().registry.url}/v2/library/base/blobs/${layer}`, { headers: { authorization: `Bearer ${bearer}` } })).arrayBuffer();
    const counts = rig().registry.counts();
    assert.deepEqual(
      { ...counts },
      { manifestGet: 1, manifestHead: 1, blobGet: 1, blobHead: 0, tagsList: 1, cdnGet: 1, other: 0, token: 1 },
    );
  });

  it('denies anonymous pulls of a private repository and lets its owner pull', async () => {
    const anonymous = await manifest('alice/private-app', '1', await token('alice/private-app'));
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
    const bob = await manifest('alice/private-app', '1', await token('alice/private-app', basic('bob', BOB_DEFAULT_PAT)));
    assert.equal(bob.status, 401);
    const alice = await manifest('alice/private-app', '1', await token('alice/private-app', basic('alice', ALICE_DEFAULT_PAT)));
    assert.equal(alice.status, 200);
    assert.deepEqual(rig().tokenServer.requests().map((record) => record.user), [null, 'bob', 'alice']);
  });

  it('answers a wrong password at the token endpoint with 401', async () => {
    const response = await fetch(`${rig().tokenServer.realm}?service=registry.docker.io&scope=repository:alice/private-app:pull`, {
      headers: { authorization: basic('alice', 'dckr_pat_wrong') },
    });
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { details: 'incorrect username or password' });
  });

  it('answers an expired token with 401 invalid_token', async function () {
    this.timeout(10_000);
    rig().tokenServer.setTokenLifetime(1);
    const bearer = await token('library/demo');
    assert.equal((await manifest('library/demo', 'latest', bearer, 'HEAD')).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expired = await manifest('library/demo', 'latest', bearer, 'HEAD');
    assert.equal(expired.status, 401);
    assert.match(expired.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  it('answers 503 from the token server while it is down', async () => {
    rig().tokenServer.down(true);
    const response = await fetch(`${rig().tokenServer.realm}?service=registry.docker.io&scope=repository:library/demo:pull`);
    assert.equal(response.status, 503);
  });

  it('serves the ghcr.io repository through the same proxy named in DOCKERHUB_MCP_REGISTRY_ENDPOINTS', async () => {
    assert.equal(rig().env.DOCKERHUB_MCP_REGISTRY_ENDPOINTS, `ghcr.io=${rig().registry.url}`);
    const response = await manifest('owner/app', '1', await token('owner/app'));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('docker-content-digest'), rig().images['owner/app']['1'].digest);
  });

  it('builds app:1 on base:1 (shared leading layers) and can move base:1 to a new digest', async () => {
    const base = rig().images['library/base']['1'];
    const app = rig().images['library/app']['1'].platforms[0];
    const app2 = rig().images['library/app2']['1'].platforms[0];
    const baseLayers = base.platforms[0].layers.map((layer) => layer.digest);
    assert.deepEqual(app.layers.slice(0, baseLayers.length).map((layer) => layer.digest), baseLayers);
    assert.deepEqual(app2.layers.slice(0, baseLayers.length).map((layer) => layer.digest), baseLayers);
    assert.equal(app.config.config.Labels?.['org.opencontainers.image.base.digest'], base.digest);
    assert.equal(app2.config.config.Labels?.['org.opencontainers.image.base.name'], undefined);

    const originalDigest = base.digest;
    const moved = await rig().moveBase();
    assert.notEqual(moved.digest, originalDigest);
    const head = await manifest('library/base', '1', await token('library/base'), 'HEAD');
    assert.equal(head.headers.get('docker-content-digest'), moved.digest);
    await rig().reset();
    assert.equal(rig().images['library/base']['1'].digest, originalDigest);
  });

  it('records history with empty layers and pairs each non-empty entry with a layer', () => {
    for (const [repository, tags] of Object.entries(rig().images)) {
      for (const [tag, entry] of Object.entries(tags)) {
        for (const platform of entry.platforms) {
          const layerEntries = platform.config.history.filter((history) => !history.empty_layer);
          assert.deepEqual(
            layerEntries.map((history) => history.created_by),
            platform.layers.map((layer) => layer.createdBy),
            `${repository}:${tag}`,
          );
        }
      }
    }
  });

  it('starts the Hub emulator on the same catalogue and puts its URLs in env', async () => {
    const { env, images } = rig();
    assert.equal(env.DOCKERHUB_API_URL, rig().hub.url);
    assert.equal(env.DOCKERHUB_SCOUT_URL, rig().hub.scoutUrl);
    const response = await fetch(`${env.DOCKERHUB_API_URL}/v2/repositories/library/demo/tags/1.0`);
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { digest: string }).digest, images['library/demo']['1.0'].digest);
  });
});
