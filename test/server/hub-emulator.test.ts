import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, getNamedType, isObjectType, type GraphQLField, type GraphQLObjectType } from 'graphql';
import { parse as parseYaml } from 'yaml';
import { startHubEmulator, type HubEmulator } from '../rig/hub/emulator';
import { fromSample, fromSchema, shapeProblems, union, type Shape } from '../rig/hub/shapes';
import type { CatalogueTag, RigUserLike } from '../rig/hub/types';
import { buildCatalogue, rigUsers } from '../rig/images';

const referenceDir = fileURLToPath(new URL('../reference/', import.meta.url));
const readReference = (name: string) => readFileSync(`${referenceDir}/${name}`, 'utf8');
const fixture = (name: string): unknown => JSON.parse(readReference(`fixtures/${name}`));

// ---- references -------------------------------------------------------------------------------------------------

type Doc = Record<string, unknown>;
const openapi = parseYaml(readReference('hub-openapi.yaml')) as Doc;
const openapiLatest = parseYaml(readReference('hub-openapi-latest-repositories-excerpt.yaml')) as Doc;
const mcpTools = (JSON.parse(readReference('hub-mcp-tools.json')) as { tools: { name: string; outputSchema?: Doc }[] }).tools;

const component = (doc: Doc, name: string) => fromSchema({ $ref: `#/components/schemas/${name}` }, doc);
const mcpOutput = (tool: string) => fromSchema(mcpTools.find((t) => t.name === tool)!.outputSchema!);

const tagPageSamples = ['hub-tags-page-library-ubuntu-devel-2024.json', 'hub-tags-page-dotcms-dotcms-test.raw.json'];
const reference: Record<string, Shape> = {
  searchV2: union(fromSample(fixture('hub-search-v2-repositories-nginx.json')),
    fromSample(fixture('hub-search-v2-repositories-ubuntu-2024.json'))),
  searchV4: mcpOutput('search'),
  repositoryInfo: union(component(openapiLatest, 'repository_info'),
    fromSample(fixture('hub-repository-info-openapi-example.json')),
    fromSample(fixture('hub-repository-library-ubuntu-2021.json')),
    mcpOutput('getRepositoryInfo'), mcpOutput('createRepository'), mcpOutput('updateRepositoryInfo')),
  repositoryList: union(component(openapiLatest, 'list_repositories_response'),
    fromSample(fixture('hub-namespace-repositories-blacklanternsecurity.json')),
    fromSample(fixture('hub-namespace-repositories-docker-openapi-example.json')),
    fromSample({ count: 1, next: null, previous: null, results: [fixture('hub-repository-ollama-ollama-2025.json')] }),
    mcpOutput('listRepositoriesByNamespace')),
  tagsPage: union(component(openapi, 'paginated_tags'), ...tagPageSamples.map((f) => fromSample(fixture(f))),
    mcpOutput('listRepositoryTags')),
  tag: union(component(openapi, 'tag'), fromSample(fixture('hub-tag-ollama-ollama-gguf-2025.json')),
    ...tagPageSamples.map((f) => fromSample((fixture(f) as { results: unknown[] }).results[0])), mcpOutput('getRepositoryTag')),
  userOrgs: mcpOutput('listNamespaces'),
  userProfile: union(fromSample(fixture('hub-user-blacklanternsecurity.json')), component(openapi, 'user')),
  accessToken: union(component(openapi, 'AuthCreateTokenResponse'),
    fromSchema((openapiLatest as any).paths['/v2/auth/token'].post.responses['200'].content['application/json'].schema)),
  legacyLogin: component(openapi, 'PostUsersLoginSuccessResponse'),
  legacyLoginError: component(openapi, 'PostUsersLoginErrorResponse'),
  hubError: union(component(openapi, 'error'), component(openapi, 'Error'), component(openapi, 'ValueError')),
};

function assertShape(value: unknown, shape: Shape): void {
  const problems = shapeProblems(value, shape);
  assert.deepEqual(problems, [], `reply drifts from the reference:\n${problems.join('\n')}`);
}

// ---- a small catalogue of our own (the rig's real one comes from test/rig/images.ts) -----------------------------

const digestOf = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const ociIndex = 'application/vnd.oci.image.index.v1+json';
const dockerManifest = 'application/vnd.docker.distribution.manifest.v2+json';
const ociManifest = 'application/vnd.oci.image.manifest.v1+json';

function multiPlatform(repo: string, tag: string, withAttestations: boolean): CatalogueTag {
  const platforms = [
    { os: 'linux', architecture: 'amd64', digest: digestOf(`${repo}:${tag}:amd64`), size: 3_400_123, layers: [digestOf(`${repo}:${tag}:amd64:l1`)] },
    { os: 'linux', architecture: 'arm64', variant: 'v8', digest: digestOf(`${repo}:${tag}:arm64`), size: 3_300_456, layers: [digestOf(`${repo}:${tag}:arm64:l1`)] },
  ];
  const attestations = withAttestations
    ? platforms.map((p) => ({ os: 'unknown', architecture: 'unknown', digest: digestOf(`${p.digest}:att`), size: 1_234 }))
    : [];
  return { mediaType: ociIndex, digest: digestOf(`${repo}:${tag}:index`), platforms: [...platforms, ...attestations] };
}

function singlePlatform(repo: string, tag: string, mediaType: string): CatalogueTag {
  const digest = digestOf(`${repo}:${tag}:single`);
  return { mediaType, digest, platforms: [{ os: 'linux', architecture: 'amd64', digest, size: 2_100_000 }] };
}

const manyTags: Record<string, CatalogueTag> = {};
for (let i = 0; i < 1205; i += 1) manyTags[`v${i}`] = singlePlatform('library/many', `v${i}`, ociManifest);

const catalogue = {
  'library/demo': { latest: multiPlatform('library/demo', 'latest', true), '1.0': multiPlatform('library/demo', '1.0', true) },
  'library/base': { latest: singlePlatform('library/base', 'latest', dockerManifest) },
  'library/app': { latest: multiPlatform('library/app', 'latest', true), '1.0': multiPlatform('library/app', '1.0', false) },
  'library/app2': { latest: singlePlatform('library/app2', 'latest', ociManifest) },
  'library/many': manyTags,
  'alice/private-app': { latest: multiPlatform('alice/private-app', 'latest', false) },
  'owner/app': { latest: singlePlatform('owner/app', 'latest', ociManifest) },
  'ghcr.io/owner/app': { latest: singlePlatform('ghcr.io/owner/app', 'latest', ociManifest) },
};

const users: RigUserLike[] = [
  { username: 'alice', password: 'dckr_pat_alice', namespaces: ['alice', 'acme'] },
  { username: 'owner', password: 'dckr_pat_owner' },
  { username: 'bob', password: 'dckr_pat_bob', scope: 'repo:read' },
  { username: 'writer', password: 'dckr_pat_writer', namespaces: ['alice'], scope: 'repo:write' },
];

// ---- helpers ------------------------------------------------------------------------------------------------------

interface Answer {
  status: number;
  headers: Headers;
  json: any;
}

async function call(hub: HubEmulator, method: string, path: string, opts: { token?: string; body?: unknown; base?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${opts.base ?? hub.url}${path}`, {
    method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

async function login(hub: HubEmulator, username: string, accounts: RigUserLike[] = users): Promise<string> {
  const user = accounts.find((u) => u.username === username)!;
  const answer = await call(hub, 'POST', '/v2/auth/token', { body: { identifier: username, secret: user.password } });
  assert.equal(answer.status, 200);
  return answer.json.access_token as string;
}

function jwtClaims(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

async function scout(hub: HubEmulator, query: string, token?: string, variables?: Record<string, unknown>): Promise<Answer> {
  return call(hub, 'POST', '', { token, body: { query, variables }, base: hub.scoutUrl });
}

const scoutSchema = buildSchema(readReference('scout-schema.graphql'));

// A selection of every field of `type` to `depth` levels (fields needing arguments left out), so a missing non-null
// value in the emulator's data becomes a GraphQL error.
function fullSelection(type: GraphQLObjectType, depth: number): string | null {
  const fields = Object.values(type.getFields())
    .filter((f: GraphQLField<unknown, unknown>) => f.args.every((a) => !String(a.type).endsWith('!')))
    .map((f) => {
      const named = getNamedType(f.type);
      if (!isObjectType(named)) return f.name;
      const sub = depth > 0 ? fullSelection(named, depth - 1) : null;
      return sub ? `${f.name} ${sub}` : null;
    })
    .filter(Boolean);
  return fields.length ? `{ ${fields.join(' ')} }` : null;
}

// ---- tests ----------------------------------------------------------------------------------------------------------

describe('hub emulator', function () {
  this.timeout(20_000);
  let hub: HubEmulator;
  let aliceToken: string;

  before(async () => {
    hub = await startHubEmulator({ images: catalogue, users });
    aliceToken = await login(hub, 'alice');
  });
  after(async () => {
    await hub.stop();
  });

  describe('replies have the recorded shapes (no invented keys, no wrong types, no missing recorded keys)', () => {
    it('v2 search', async () => {
      const answer = await call(hub, 'GET', '/v2/search/repositories/?query=nginx&page_size=2');
      assert.equal(answer.status, 200);
      assertShape(answer.json, reference.searchV2);
      assert.equal(answer.json.previous, '');
      assert.equal(answer.json.results[0].repo_name, 'nginx');
      assert.equal(answer.json.results[0].is_official, true);
    });

    it('v4 search (the API Docker\'s Hub MCP server uses), pull_count as a string', async () => {
      const answer = await call(hub, 'GET', '/api/search/v4?query=nginx&from=0&size=10');
      assert.equal(answer.status, 200);
      assertShape(answer.json, reference.searchV4);
      assert.equal(answer.json.results[0].name, 'nginx');
      assert.equal(answer.json.results[0].badge, 'official');
      assert.equal(typeof answer.json.results[0].pull_count, 'string');
      assert.ok(answer.json.results.some((r: any) => r.badge === 'verified_publisher'));
    });

    for (const path of ['/v2/repositories/library/app/', '/v2/namespaces/library/repositories/app']) {
      it(`repository ${path}`, async () => {
        const answer = await call(hub, 'GET', path);
        assert.equal(answer.status, 200);
        assertShape(answer.json, reference.repositoryInfo);
        assert.ok(answer.json.full_description.length > 20_000);
        assert.deepEqual(answer.json.permissions, { read: true, write: false, admin: false });
      });
    }

    for (const path of ['/v2/repositories/library/', '/v2/namespaces/library/repositories?page_size=3']) {
      it(`namespace list ${path}`, async () => {
        const answer = await call(hub, 'GET', path);
        assert.equal(answer.status, 200);
        assertShape(answer.json, reference.repositoryList);
      });
    }

    for (const path of ['/v2/repositories/library/demo/tags/', '/v2/namespaces/library/repositories/demo/tags?page_size=1']) {
      it(`tag list ${path}`, async () => {
        const answer = await call(hub, 'GET', path);
        assert.equal(answer.status, 200);
        assertShape(answer.json, reference.tagsPage);
      });
    }

    for (const path of ['/v2/repositories/library/base/tags/latest/', '/v2/namespaces/library/repositories/demo/tags/latest']) {
      it(`one tag ${path}`, async () => {
        const answer = await call(hub, 'GET', path);
        assert.equal(answer.status, 200);
        assertShape(answer.json, reference.tag);
      });
    }

    it('organisations of the user', async () => {
      const answer = await call(hub, 'GET', '/v2/user/orgs', { token: aliceToken });
      assert.equal(answer.status, 200);
      assertShape(answer.json, reference.userOrgs);
      assert.deepEqual(answer.json.results.map((o: any) => [o.orgname, o.user_role]), [['acme', 'owner']]);
      const writer = await call(hub, 'GET', '/v2/user/orgs', { token: await login(hub, 'writer') });
      assert.deepEqual(writer.json.results, [], 'another user\'s namespace is not an organisation');
    });

    it('user profiles', async () => {
      for (const [path, token] of [['/v2/users/alice', undefined], ['/v2/user/', aliceToken]] as const) {
        const answer = await call(hub, 'GET', path, { token });
        assert.equal(answer.status, 200);
        assertShape(answer.json, reference.userProfile);
        assert.equal(answer.json.username, 'alice');
      }
    });

    it('login replies and their failures', async () => {
      const token = await call(hub, 'POST', '/v2/auth/token', { body: { identifier: 'alice', secret: 'dckr_pat_alice' } });
      assertShape(token.json, reference.accessToken);
      const legacy = await call(hub, 'POST', '/v2/users/login', { body: { username: 'alice', password: 'dckr_pat_alice' } });
      assertShape(legacy.json, reference.legacyLogin);
      const legacyWrong = await call(hub, 'POST', '/v2/users/login/', { body: { username: 'alice', password: 'nope' } });
      assert.equal(legacyWrong.status, 401);
      assertShape(legacyWrong.json, reference.legacyLoginError);
      const wrong = await call(hub, 'POST', '/v2/auth/token', { body: { identifier: 'alice', secret: 'nope' } });
      assert.equal(wrong.status, 401);
      assertShape(wrong.json, reference.hubError);
    });

    it('error replies', async () => {
      const answers = [
        await call(hub, 'GET', '/v2/repositories/library/nope/'),
        await call(hub, 'GET', '/v2/user/orgs'),
        await call(hub, 'GET', '/v2/repositories/library/many/tags/?page=11&page_size=100'),
        await call(hub, 'GET', '/v2/namespaces/library/repositories?ordering=stars'),
        await call(hub, 'GET', '/v2/repositories/library/many/tags/?page_size=abc'),
        await call(hub, 'GET', '/api/search/v4?query=nginx&size=500'),
        await call(hub, 'PATCH', '/v2/repositories/library/app/', { token: aliceToken, body: { description: 'x' } }),
      ];
      assert.deepEqual(answers.map((a) => a.status), [404, 401, 403, 400, 400, 400, 403]);
      for (const answer of answers) assertShape(answer.json, reference.hubError);
    });

    for (const [field, variables, args] of [
      ['imageSummariesByDigest', '$digests: [String!]!', '(context: {}, digests: $digests)'],
      ['imagePackagesByDigest', '$digest: String!', '(context: {}, digest: $digest)'],
      ['vulnerabilitiesByPackage', '$purls: [String!]!, $digest: String', '(context: {}, packageUrls: $purls, digest: $digest)'],
    ] as const) {
      it(`Scout ${field} supplies every field the schema declares`, async () => {
        const type = getNamedType(scoutSchema.getQueryType()!.getFields()[field].type) as GraphQLObjectType;
        const appAmd64 = catalogue['library/app'].latest.platforms[0].digest;
        const answer = await scout(hub, `query(${variables}) { ${field}${args} ${fullSelection(type, 6)} }`, aliceToken, {
          digests: [appAmd64], digest: appAmd64,
          purls: ['pkg:deb/debian/openssl@3.0.11-1~deb12u2?os_distro=bookworm&os_name=debian&os_version=12'],
        });
        assert.equal(answer.status, 200, JSON.stringify(answer.json));
        assert.equal(answer.json.errors, undefined, JSON.stringify(answer.json.errors));
        assert.ok(answer.json.data[field]);
      });
    }
  });

  describe('tag data comes from the catalogue', () => {
    it('an index lists each platform and its attestations as unknown/unknown', async () => {
      const entry = catalogue['library/demo'].latest;
      const tag = (await call(hub, 'GET', '/v2/namespaces/library/repositories/demo/tags/latest')).json;
      assert.equal(tag.digest, entry.digest);
      assert.equal(tag.media_type, ociIndex);
      assert.deepEqual(tag.images.map((i: any) => [i.os, i.architecture, i.variant, i.digest, i.size]),
        entry.platforms.map((p) => [p.os, p.architecture, (p as { variant?: string }).variant ?? null, p.digest, p.size]));
      assert.equal(tag.full_size, entry.platforms[0].size);
    });

    it('a single manifest is reported by its config media type with its own digest', async () => {
      const tag = (await call(hub, 'GET', '/v2/repositories/library/base/tags/latest/')).json;
      assert.equal(tag.media_type, 'application/vnd.docker.container.image.v1+json');
      assert.equal(tag.images[0].digest, tag.digest);
      const repo = (await call(hub, 'GET', '/v2/repositories/library/app2/')).json;
      assert.deepEqual(repo.media_types, ['application/vnd.oci.image.config.v1+json']);
    });

    it('follows the catalogue live: a tag pushed later has the new digest and is the newest', async () => {
      const live = structuredClone(catalogue);
      const emulator = await startHubEmulator({ images: live, users });
      try {
        const before = (await call(emulator, 'GET', '/v2/repositories/library/demo/tags/1.0/')).json;
        live['library/demo']['1.0'] = singlePlatform('library/demo', 'moved', ociManifest);
        const after = (await call(emulator, 'GET', '/v2/repositories/library/demo/tags/')).json.results[0];
        assert.equal(after.name, '1.0');
        assert.equal(after.digest, live['library/demo']['1.0'].digest);
        assert.ok(after.last_updated > before.last_updated);
        const token = await login(emulator, 'alice');
        const summary = await scout(emulator, 'query($d: [String!]!) { imageSummariesByDigest(context: {}, digests: $d) { sbomState } }',
          token, { d: [after.digest] });
        assert.deepEqual(summary.json.data.imageSummariesByDigest, [{ sbomState: 'INDEXED' }]);
      } finally {
        await emulator.stop();
      }
    });

    it('repositories of other registries in the catalogue are not on Hub', async () => {
      assert.equal((await call(hub, 'GET', '/v2/repositories/ghcr.io/owner/')).status, 404);
      assert.equal((await call(hub, 'GET', '/v2/repositories/owner/app/tags/')).json.count, 1);
    });

    it('filters tags by name, architecture and os', async () => {
      assert.deepEqual((await call(hub, 'GET', '/v2/repositories/library/demo/tags/?name=1.')).json.results.map((t: any) => t.name), ['1.0']);
      assert.equal((await call(hub, 'GET', '/v2/repositories/library/app2/tags/?architecture=arm64')).json.count, 0);
      assert.equal((await call(hub, 'GET', '/v2/repositories/library/demo/tags/?os=linux&architecture=arm64')).json.count, 2);
    });
  });

  describe('with the rig\'s own catalogue (test/rig/images.ts)', () => {
    const { catalogue: rigCatalogue } = buildCatalogue();
    let emulator: HubEmulator;
    before(async () => {
      emulator = await startHubEmulator({ images: rigCatalogue, users: rigUsers() });
    });
    after(async () => {
      await emulator.stop();
    });

    it('every catalogue tag is on Hub with the registry\'s digests, platforms, sizes and attestations', async () => {
      const token = await login(emulator, 'alice', rigUsers());
      for (const [repository, tags] of Object.entries(rigCatalogue)) {
        assert.equal((await call(emulator, 'GET', `/v2/repositories/${repository}/`, { token })).status, 200, repository);
        for (const [name, entry] of Object.entries(tags)) {
          const tag = (await call(emulator, 'GET', `/v2/namespaces/${repository.replace('/', '/repositories/')}/tags/${name}`, { token })).json;
          assertShape(tag, reference.tag);
          assert.equal(tag.digest, entry.digest, `${repository}:${name}`);
          assert.deepEqual(tag.images.map((i: any) => [i.os, i.architecture, i.variant, i.digest, i.size]), [
            ...entry.platforms.map((p) => [p.os, p.architecture, p.variant ?? null, p.digest, p.size]),
            ...entry.attestations.map((a) => ['unknown', 'unknown', null, a.digest, a.size]),
          ], `${repository}:${name}`);
        }
      }
    });

    it('Scout knows every platform image of the catalogue', async () => {
      const digests = Object.values(rigCatalogue).flatMap((tags) => Object.values(tags)).flatMap((t) => t.platforms.map((p) => p.digest));
      const answer = await scout(emulator, 'query($d: [String!]!) { imageSummariesByDigest(context: {}, digests: $d) { digest sbomState } }',
        await login(emulator, 'alice', rigUsers()), { d: [...new Set(digests)] });
      assert.equal(answer.json.data.imageSummariesByDigest.length, new Set(digests).size);
      const app = rigCatalogue['library/app']['1'].platforms[0].digest;
      assert.ok(answer.json.data.imageSummariesByDigest.some((s: any) => s.digest === app && s.sbomState === 'INDEXED'));
    });
  });

  describe('auth', () => {
    it('a private repository is hidden (404) from anonymous and non-member callers', async () => {
      const anonymous = await call(hub, 'GET', '/v2/namespaces/alice/repositories/private-app');
      assert.equal(anonymous.status, 404);
      assert.deepEqual(anonymous.json, { message: 'httperror 404: object not found', errinfo: { namespace: 'alice', repository: 'private-app' } });
      assert.equal((await call(hub, 'GET', '/v2/repositories/alice/private-app/tags/', { token: await login(hub, 'bob') })).status, 404);
      const alice = await call(hub, 'GET', '/v2/repositories/alice/private-app/', { token: aliceToken });
      assert.equal(alice.status, 200);
      assert.deepEqual(alice.json.permissions, { read: true, write: true, admin: true });
    });

    it('namespace lists show private repositories only to members', async () => {
      const names = async (token?: string) => (await call(hub, 'GET', '/v2/repositories/alice/', { token })).json.results.map((r: any) => r.name);
      assert.deepEqual(await names(), ['nginx-playground']);
      assert.deepEqual(await names(aliceToken), ['nginx-playground', 'private-app']);
    });

    it('an unknown namespace is an empty first page, as on Hub', async () => {
      const answer = await call(hub, 'GET', '/v2/repositories/nobody-here/');
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json, { count: 0, next: null, previous: null, results: [] });
      assert.equal((await call(hub, 'GET', '/v2/repositories/nobody-here/?page=2')).status, 404);
    });

    it('/v2/user/orgs and Scout need a token', async () => {
      assert.equal((await call(hub, 'GET', '/v2/user/orgs')).status, 401);
      const anonymous = await scout(hub, '{ imageSummariesByDigest(context: {}, digests: ["x"]) { digest } }');
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.json.errors[0].extensions.code, 'UNAUTHENTICATED');
    });

    it('access tokens are JWTs with exp, 10 minutes long, naming the user', async () => {
      const claims = jwtClaims(aliceToken);
      assert.equal(claims.exp - claims.iat, 600);
      assert.equal(claims['https://hub.docker.com'].username, 'alice');
    });

    it('a forged or expired token gets 401 everywhere, and a new login works', async () => {
      const emulator = await startHubEmulator({ images: catalogue, users, tokenLifetimeSeconds: 1 });
      try {
        const token = await login(emulator, 'alice');
        const forged = `${token.split('.').slice(0, 2).join('.')}.${'A'.repeat(43)}`;
        assert.equal((await call(emulator, 'GET', '/v2/repositories/library/app/', { token: forged })).status, 401);
        assert.equal((await call(emulator, 'GET', '/v2/user/orgs', { token })).status, 200);
        await new Promise((r) => setTimeout(r, 1100));
        const expired = await call(emulator, 'GET', '/v2/repositories/library/app/', { token });
        assert.equal(expired.status, 401);
        assert.deepEqual(expired.json, { message: 'unauthorized', errinfo: {} });
        assert.equal((await call(emulator, 'GET', '/v2/user/orgs', { token: await login(emulator, 'alice') })).status, 200);
      } finally {
        await emulator.stop();
      }
    });

    it('expireTokens() invalidates every issued token, for Hub and Scout', async () => {
      const emulator = await startHubEmulator({ images: catalogue, users });
      try {
        const token = await login(emulator, 'alice');
        emulator.control.expireTokens();
        assert.equal((await call(emulator, 'GET', '/v2/user/orgs', { token })).status, 401);
        assert.equal((await scout(emulator, '{ imageSummariesByDigest(context: {}, digests: []) { digest } }', token)).status, 401);
      } finally {
        await emulator.stop();
      }
    });

    it('with /v2/auth/token disabled, /v2/users/login still logs in', async () => {
      const emulator = await startHubEmulator({ images: catalogue, users });
      try {
        emulator.control.disableAuthTokenEndpoint(true);
        assert.equal((await call(emulator, 'POST', '/v2/auth/token', { body: { identifier: 'alice', secret: 'dckr_pat_alice' } })).status, 404);
        const legacy = await call(emulator, 'POST', '/v2/users/login', { body: { username: 'alice', password: 'dckr_pat_alice' } });
        assert.equal(legacy.status, 200);
        assert.equal((await call(emulator, 'GET', '/v2/user/orgs', { token: legacy.json.token })).status, 200);
        emulator.control.disableAuthTokenEndpoint(false);
        assert.equal((await call(emulator, 'POST', '/v2/auth/token', { body: { identifier: 'alice', secret: 'dckr_pat_alice' } })).status, 200);
      } finally {
        await emulator.stop();
      }
    });
  });

  describe('writes act on the emulator\'s state and need the right token', () => {
    let emulator: HubEmulator;
    const deleted: string[] = [];
    before(async () => {
      emulator = await startHubEmulator({ images: catalogue, users, onTagDeleted: (repo, tag) => { deleted.push(`${repo}:${tag}`); } });
    });
    after(async () => {
      await emulator.stop();
    });

    it('creates a repository (201) that then lists, and refuses a duplicate, a bad name and a foreign namespace', async () => {
      const token = await login(emulator, 'alice');
      const created = await call(emulator, 'POST', '/v2/namespaces/alice/repositories', { token, body: { name: 'new-app', description: 'fresh', is_private: true } });
      assert.equal(created.status, 201);
      assertShape(created.json, reference.repositoryInfo);
      assert.equal(created.json.is_private, true);
      assert.equal((await call(emulator, 'GET', '/v2/repositories/alice/new-app/', { token })).status, 200);
      const legacy = await call(emulator, 'POST', '/v2/repositories/', { token, body: { namespace: 'acme', name: 'other' } });
      assert.equal(legacy.status, 201);
      assert.equal((await call(emulator, 'POST', '/v2/namespaces/alice/repositories', { token, body: { name: 'new-app' } })).status, 409);
      const badName = await call(emulator, 'POST', '/v2/namespaces/alice/repositories', { token, body: { name: 'Bad Name' } });
      assert.equal(badName.status, 400);
      assert.ok(badName.json.fields.name);
      assert.equal((await call(emulator, 'POST', '/v2/namespaces/owner/repositories', { token, body: { name: 'x1' } })).status, 403);
      assert.equal((await call(emulator, 'POST', '/v2/namespaces/alice/repositories', { body: { name: 'x2' } })).status, 401);
    });

    it('updates description and full_description', async () => {
      const token = await login(emulator, 'alice');
      const long = 'y'.repeat(22_000);
      const patched = await call(emulator, 'PATCH', '/v2/namespaces/alice/repositories/private-app', { token, body: { description: 'new words', full_description: long } });
      assert.equal(patched.status, 200);
      assertShape(patched.json, reference.repositoryInfo);
      const read = (await call(emulator, 'GET', '/v2/repositories/alice/private-app/', { token })).json;
      assert.equal(read.description, 'new words');
      assert.equal(read.full_description, long);
      assert.equal((await call(emulator, 'PATCH', '/v2/repositories/alice/private-app/', { token, body: { description: 'z'.repeat(101) } })).status, 400);
      assert.equal((await call(emulator, 'PATCH', '/v2/repositories/alice/private-app/', { body: { description: 'anon' } })).status, 401);
    });

    it('deletes a tag only with a read-write-delete token', async () => {
      const writer = await login(emulator, 'writer');
      assert.equal((await call(emulator, 'DELETE', '/v2/repositories/alice/private-app/tags/latest/', { token: writer })).status, 403);
      const token = await login(emulator, 'alice');
      const answer = await call(emulator, 'DELETE', '/v2/repositories/alice/private-app/tags/latest/', { token });
      assert.equal(answer.status, 204);
      assert.equal(answer.json, undefined);
      assert.deepEqual(deleted, ['alice/private-app:latest']);
      assert.equal((await call(emulator, 'GET', '/v2/repositories/alice/private-app/tags/latest/', { token })).status, 404);
      assert.equal((await call(emulator, 'DELETE', '/v2/repositories/alice/private-app/tags/latest/', { token })).status, 404);
    });
  });

  describe('pagination', () => {
    it('count, next and previous walk the pages like Hub\'s links', async () => {
      const first = (await call(hub, 'GET', '/v2/repositories/library/many/tags/?page_size=100', { token: aliceToken })).json;
      assert.equal(first.count, 1205);
      assert.equal(first.results.length, 100);
      assert.equal(first.previous, null);
      assert.equal(first.next, `${hub.url}/v2/repositories/library/many/tags/?page=2&page_size=100`);
      const second = (await call(hub, 'GET', first.next.slice(hub.url.length), { token: aliceToken })).json;
      assert.equal(second.previous, `${hub.url}/v2/repositories/library/many/tags/?page_size=100`);
      const last = (await call(hub, 'GET', '/v2/repositories/library/many/tags/?page=13&page_size=100', { token: aliceToken })).json;
      assert.equal(last.results.length, 5);
      assert.equal(last.next, null);
      const names = new Set([...first.results, ...second.results].map((t: any) => t.name));
      assert.equal(names.size, 200);
    });

    it('defaults to 10 per page and caps page_size at 100', async () => {
      assert.equal((await call(hub, 'GET', '/v2/repositories/library/many/tags/')).json.results.length, 10);
      const big = (await call(hub, 'GET', '/v2/repositories/library/many/tags/?page_size=500')).json;
      assert.equal(big.results.length, 100);
      assert.match(big.next, /page_size=500/);
    });

    it('refuses bad page values and pages past the end', async () => {
      assert.equal((await call(hub, 'GET', '/v2/repositories/library/many/tags/?page=0')).status, 400);
      assert.equal((await call(hub, 'GET', '/v2/repositories/library/many/tags/?page_size=-1')).status, 400);
      const past = await call(hub, 'GET', '/v2/repositories/library/demo/tags/?page=2');
      assert.equal(past.status, 404);
      assert.equal(past.json.message, 'httperror 404: object not found');
    });

    it('anonymous paging past offset 1000 is 403, signed-in paging is not', async () => {
      const anonymous = await call(hub, 'GET', '/v2/repositories/library/many/tags/?page=11&page_size=100');
      assert.equal(anonymous.status, 403);
      assert.match(anonymous.json.message, /pagination offset too large for anonymous requests/);
      assert.equal((await call(hub, 'GET', '/v2/repositories/library/many/tags/?page=10&page_size=100')).status, 200);
      assert.equal((await call(hub, 'GET', '/v2/repositories/library/many/tags/?page=11&page_size=100', { token: aliceToken })).status, 200);
    });

    it('v2 search uses "" for absent links; v4 search pages with from/size', async () => {
      const last = (await call(hub, 'GET', '/v2/search/repositories/?query=nginx&page=2&page_size=3')).json;
      assert.equal(last.next, '');
      assert.equal(last.previous, `${hub.url}/v2/search/repositories/?page_size=3&query=nginx`);
      const v4 = (await call(hub, 'GET', '/api/search/v4?query=nginx&from=1&size=2')).json;
      assert.equal(v4.results.length, 2);
      assert.ok(v4.total >= 5);
      assert.equal((await call(hub, 'GET', '/api/search/v4?query=nginx&from=2500&size=1')).status, 400);
      const verified = (await call(hub, 'GET', '/api/search/v4?query=nginx&badges=verified_publisher')).json;
      assert.ok(verified.results.length > 0 && verified.results.every((r: any) => r.badge === 'verified_publisher'));
    });

    it('search ranks the exact name first, then partial matches, and never shows private repositories', async () => {
      const names = (await call(hub, 'GET', '/v2/search/repositories/?query=app')).json.results.map((r: any) => r.repo_name);
      assert.equal(names[0], 'app');
      assert.ok(names.includes('app2') && names.includes('owner/app'));
      assert.ok(!names.includes('alice/private-app'));
    });
  });

  describe('rate limits', () => {
    it('every Hub reply carries X-RateLimit-Limit, -Remaining and -Reset', async () => {
      const a = await call(hub, 'GET', '/v2/users/alice');
      const b = await call(hub, 'GET', '/v2/repositories/nope/nope/');
      for (const answer of [a, b]) {
        assert.equal(answer.headers.get('x-ratelimit-limit'), '180');
        assert.ok(Math.abs(Number(answer.headers.get('x-ratelimit-reset')) - Date.now() / 1000) <= 61);
      }
      assert.ok(Number(b.headers.get('x-ratelimit-remaining')) < Number(a.headers.get('x-ratelimit-remaining')));
    });

    it('going over the per-minute limit answers 429 with Retry-After', async () => {
      const emulator = await startHubEmulator({ images: catalogue, users, rateLimitPerMinute: 2 });
      try {
        await call(emulator, 'GET', '/v2/users/alice');
        await call(emulator, 'GET', '/v2/users/alice');
        const over = await call(emulator, 'GET', '/v2/users/alice');
        assert.equal(over.status, 429);
        assert.equal(over.headers.get('x-ratelimit-remaining'), '0');
        assert.ok(Number(over.headers.get('retry-after')) >= 1);
        assertShape(over.json, reference.hubError);
      } finally {
        await emulator.stop();
      }
    });

    it('rateLimitNext answers 429 with Retry-After seconds or X-Retry-After unix time, then recovers', async () => {
      hub.control.rateLimitNext(1, { retryAfterSeconds: 3 });
      const seconds = await call(hub, 'GET', '/v2/users/alice');
      assert.equal(seconds.status, 429);
      assert.equal(seconds.headers.get('retry-after'), '3');
      const unix = Math.floor(Date.now() / 1000) + 5;
      hub.control.rateLimitNext(1, { xRetryAfterUnix: unix });
      const old = await call(hub, 'GET', '/v2/users/alice');
      assert.equal(old.status, 429);
      assert.equal(old.headers.get('x-retry-after'), String(unix));
      assert.equal(old.headers.get('retry-after'), null);
      assert.equal((await call(hub, 'GET', '/v2/users/alice')).status, 200);
    });
  });

  describe('controls', () => {
    it('failNext fails the next n matching requests, then the emulator answers normally', async () => {
      hub.control.failNext(2, 503, { path: '/tags' });
      assert.equal((await call(hub, 'GET', '/v2/users/alice')).status, 200);
      assert.equal((await call(hub, 'GET', '/v2/repositories/library/demo/tags/')).status, 503);
      assert.equal((await call(hub, 'GET', '/v2/repositories/library/app/tags/')).status, 503);
      assert.equal((await call(hub, 'GET', '/v2/repositories/library/demo/tags/')).status, 200);
    });

    it('slow delays every reply until reset', async () => {
      hub.control.slow(250);
      let started = Date.now();
      await call(hub, 'GET', '/v2/users/alice');
      assert.ok(Date.now() - started >= 240);
      hub.control.slow(0);
      started = Date.now();
      await call(hub, 'GET', '/v2/users/alice');
      assert.ok(Date.now() - started < 240);
    });

    it('cutNext destroys the socket mid-reply', async () => {
      hub.control.cutNext(1);
      await assert.rejects(call(hub, 'GET', '/v2/repositories/library/demo/tags/'));
      assert.equal((await call(hub, 'GET', '/v2/repositories/library/demo/tags/')).status, 200);
    });

    it('reset() drops pending faults and delays and re-enables /v2/auth/token', async () => {
      hub.control.failNext(5, 500);
      hub.control.cutNext(5);
      hub.control.rateLimitNext(5);
      hub.control.slow(5_000);
      hub.control.disableAuthTokenEndpoint(true);
      hub.control.reset();
      assert.equal((await call(hub, 'GET', '/v2/users/alice')).status, 200);
      assert.equal((await call(hub, 'POST', '/v2/auth/token', { body: { identifier: 'alice', secret: 'dckr_pat_alice' } })).status, 200);
    });

    it('requests() records method, path and whether a credential was sent', async () => {
      hub.resetRequests();
      await call(hub, 'HEAD', '/v2/namespaces/library/repositories/demo');
      await call(hub, 'GET', '/v2/user/orgs?page_size=5', { token: aliceToken });
      assert.deepEqual(hub.requests(), [
        { method: 'HEAD', path: '/v2/namespaces/library/repositories/demo', auth: false },
        { method: 'GET', path: '/v2/user/orgs?page_size=5', auth: true },
      ]);
      hub.resetRequests();
      assert.deepEqual(hub.requests(), []);
    });

    it('HEAD checks a repository or tag without a body', async () => {
      const found = await fetch(`${hub.url}/v2/namespaces/library/repositories/demo/tags/latest`, { method: 'HEAD' });
      assert.equal(found.status, 200);
      assert.equal(await found.text(), '');
      assert.equal((await fetch(`${hub.url}/v2/namespaces/library/repositories/demo/tags/nope`, { method: 'HEAD' })).status, 404);
    });
  });

  describe('Scout', () => {
    const app = catalogue['library/app'].latest;

    it('summarises vulnerabilities per image digest', async () => {
      const query = `query($d: [String!]!) { imageSummariesByDigest(context: {}, digests: $d) {
        digest sbomState vulnerabilityReport { critical high medium low unspecified total } } }`;
      const answer = await scout(hub, query, aliceToken, {
        d: [app.platforms[0].digest, catalogue['library/app2'].latest.digest, 'sha256:unknown', app.digest],
      });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json.data.imageSummariesByDigest, [
        { digest: app.platforms[0].digest, sbomState: 'INDEXED', vulnerabilityReport: { critical: 2, high: 3, medium: 1, low: 1, unspecified: 1, total: 8 } },
        { digest: catalogue['library/app2'].latest.digest, sbomState: 'INDEXING', vulnerabilityReport: null },
      ]);
    });

    it('lists CVEs with package, installed version, fixed version and severity', async () => {
      const query = `query($d: String!) { imagePackagesByDigest(context: {}, digest: $d) { sbomState imagePackages { packages {
        package { name version purl vulnerabilities { sourceId fixedBy vulnerableRange cvss { severity score } } } } } } }`;
      const answer = await scout(hub, query, aliceToken, { d: app.platforms[0].digest });
      const packages = answer.json.data.imagePackagesByDigest.imagePackages.packages;
      const openssl = packages.find((p: any) => p.package.name === 'openssl').package;
      assert.equal(openssl.version, '3.0.11-1~deb12u2');
      assert.deepEqual(openssl.vulnerabilities[0], {
        sourceId: 'CVE-2024-5535', fixedBy: '3.0.14-1~deb12u1', vulnerableRange: '< 3.0.14-1~deb12u1', cvss: { severity: 'CRITICAL', score: 9.1 },
      });
      const none = await scout(hub, query, aliceToken, { d: 'sha256:unknown' });
      assert.equal(none.json.data.imagePackagesByDigest, null);
    });

    it('a field Scout does not have is a GraphQL validation error', async () => {
      const answer = await scout(hub, '{ imageSummariesByDigest(context: {}, digests: []) { digest cveCount } }', aliceToken);
      assert.equal(answer.status, 400);
      assert.match(answer.json.errors[0].message, /Cannot query field "cveCount" on type "SdImageSummary"/);
    });

    it('a Scout query the emulator does not serve is an error, not a silent null', async () => {
      const answer = await scout(hub, '{ baseImagesByDigest(context: {}, digest: "x") { images { digest } } }', aliceToken);
      assert.ok(answer.json.errors?.length, JSON.stringify(answer.json));
    });
  });
});
