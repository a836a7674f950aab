import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cursorAt } from '../../server/src/tools/cursor';
import { FULL_DESCRIPTION_MAX } from '../../server/src/tools/getImageDetails';
import { startHubEmulator, type HubEmulator } from '../rig/hub/emulator';
import { ALICE_DEFAULT_PAT, MANY_TAG_COUNT } from '../rig/images';
import { rig } from '../rig/mocha-hooks';
import { failure, success } from './helpers/assertions';
import { startInProcess, type InProcessServer } from './helpers/inProcess';
import { tagRows } from './helpers/tagRows';

const HUB_TOOLS = [
  'docker_search_images',
  'docker_get_image_details',
  'docker_get_stats',
  'docker_list_tags',
  'docker_get_tag_details',
  'docker_list_repositories',
  'docker_list_namespaces',
  'docker_create_repository',
  'docker_update_repository',
  'docker_delete_tag',
];
/** alice's organisations as the emulator's account data and the rig's users define them. */
function aliceOrgs(): { orgname: string; full_name: string; user_role: string }[] {
  const accounts = JSON.parse(readFileSync(new URL('../rig/hub/data/accounts.json', import.meta.url), 'utf8')) as {
    orgs: { members: { username: string; user_role: string }[]; namespace: { orgname: string; full_name: string } }[];
  };
  const orgs = new Map<string, { orgname: string; full_name: string; user_role: string }>();
  for (const org of accounts.orgs) {
    const member = org.members.find((m) => m.username === 'alice');
    if (member) orgs.set(org.namespace.orgname, { orgname: org.namespace.orgname, full_name: org.namespace.full_name, user_role: member.user_role });
  }
  const alice = rig().users.find((u) => u.username === 'alice')!;
  for (const name of alice.namespaces ?? []) {
    if (name !== 'alice' && !orgs.has(name)) orgs.set(name, { orgname: name, full_name: name, user_role: 'owner' });
  }
  return [...orgs.values()];
}

const WRITE_TOOLS = ['docker_create_repository', 'docker_update_repository', 'docker_delete_tag'];

/**
 * The Hub tools through a real McpServer and SDK client, against a Hub emulator of their own (fresh state per test,
 * so writes and fault controls stay here) and the rig's registry for other registries.
 */
describe('Docker Hub tools', () => {
  let emulator: HubEmulator;
  const servers: InProcessServer[] = [];

  async function server(login: 'anonymous' | 'alice' = 'anonymous'): Promise<InProcessServer> {
    const started = await startInProcess({
      DOCKERHUB_API_URL: emulator.url,
      DOCKERHUB_SCOUT_URL: emulator.scoutUrl,
      ...(login === 'alice' ? { DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: ALICE_DEFAULT_PAT } : {}),
    });
    servers.push(started);
    return started;
  }

  beforeEach(async () => {
    emulator = await startHubEmulator({ images: rig().images, users: rig().users });
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await emulator.stop();
  });

  it('lists every Hub tool with an output schema and the right hints', async () => {
    const { client } = await server('alice');
    const { tools } = await client.listTools();
    for (const name of HUB_TOOLS) {
      const tool = tools.find((t) => t.name === name);
      assert.ok(tool, `${name} is listed`);
      assert.equal(tool.outputSchema?.type, 'object');
      assert.ok(tool.description && tool.description.length > 60, `${name} says when to use it`);
      const hints = tool.annotations!;
      assert.notEqual(hints.openWorldHint, false, 'open world (the spec default when absent)');
      if (WRITE_TOOLS.includes(name)) {
        assert.equal(hints.readOnlyHint, false);
        assert.equal(hints.destructiveHint, name === 'docker_delete_tag');
      } else {
        assert.equal(hints.readOnlyHint, true);
      }
    }
  });

  describe('docker_search_images', () => {
    it('lists the exact name first, with official and verified flags', async () => {
      const s = await server();
      const result = success(await s.callTool('docker_search_images', { query: 'nginx', limit: 10 }));
      assert.equal(result.results[0].image, 'nginx');
      assert.equal(result.results[0].exact_match, true);
      assert.equal(result.results[0].is_official, true);
      const proxy = result.results.find((r: { image: string }) => r.image === 'webco/nginx-proxy');
      assert.equal(proxy.is_verified, true);
      assert.equal(proxy.is_official, false);
      assert.ok(result.total >= 4);
      assert.match((await s.callTool('docker_search_images', { query: 'nginx' })).text, /nginx \[official, exact match\]/);
    });

    it('filters to verified publishers or official images, and pages', async () => {
      const s = await server();
      const verified = success(await s.callTool('docker_search_images', { query: 'nginx', verified_only: true }));
      assert.deepEqual(verified.results.map((r: { image: string }) => r.image).sort(), ['webco/nginx-exporter', 'webco/nginx-proxy']);
      const official = success(await s.callTool('docker_search_images', { query: 'app', official_only: true }));
      assert.ok(official.results.length >= 2 && official.results.every((r: { is_official: boolean }) => r.is_official));
      const first = success(await s.callTool('docker_search_images', { query: 'nginx', limit: 2 }));
      const second = success(await s.callTool('docker_search_images', { query: 'nginx', limit: 2, cursor: first.next_cursor }));
      assert.equal(second.results.length, 2);
      assert.equal(second.page, 2);
      assert.notDeepEqual(second.results, first.results);
    });

    it('refuses a bad argument and a page beyond what Hub serves', async () => {
      const s = await server();
      failure(await s.callTool('docker_search_images', { query: '' }), 'INVALID_INPUT');
      failure(await s.callTool('docker_search_images', { query: 'nginx', limit: 101 }), 'INVALID_INPUT');
      failure(await s.callTool('docker_search_images', { query: 'nginx', cursor: 'page 30' }), 'INVALID_INPUT');
      assert.equal(emulator.requests().length, 0);
    });

    it('reports Hub’s rate limit with the wait', async () => {
      emulator.control.rateLimitNext(10, { retryAfterSeconds: 300, path: '/api/search' });
      const text = failure(await (await server()).callTool('docker_search_images', { query: 'nginx' }), 'RATE_LIMITED');
      assert.match(text, /retry in 300 s/);
    });
  });

  describe('docker_get_image_details', () => {
    it('cuts a long README and says so', async () => {
      const result = success(await (await server()).callTool('docker_get_image_details', { image: 'app' }));
      assert.equal(result.image, 'app');
      assert.equal(result.is_official, true);
      assert.equal(result.description_truncated, true);
      assert.equal(result.full_description.length, FULL_DESCRIPTION_MAX);
      assert.ok(result.full_description_length > FULL_DESCRIPTION_MAX);
      assert.equal(typeof result.pull_count, 'number');
    });

    it('says whether the publisher is verified', async () => {
      const s = await server();
      const verified = success(await s.callTool('docker_get_image_details', { image: 'webco/nginx-proxy:latest' }));
      assert.equal(verified.is_verified, true);
      assert.equal(verified.badge, 'verified_publisher');
      const community = success(await s.callTool('docker_get_image_details', { image: 'alice/nginx-playground' }));
      assert.equal(community.is_verified, false);
      assert.equal(community.description_truncated, false);
    });

    it('shows a private repository only with a login', async () => {
      const anonymous = failure(await (await server()).callTool('docker_get_image_details', { image: 'alice/private-app' }), 'NOT_FOUND');
      assert.match(anonymous, /DOCKERHUB_USERNAME/);
      const result = success(await (await server('alice')).callTool('docker_get_image_details', { image: 'alice/private-app' }));
      assert.equal(result.is_private, true);
    });

    it('is UNSUPPORTED for other registries and INVALID_INPUT for a bad reference', async () => {
      const s = await server();
      assert.match(failure(await s.callTool('docker_get_image_details', { image: 'ghcr.io/owner/app' }), 'UNSUPPORTED'), /docker\.io/);
      failure(await s.callTool('docker_get_image_details', { image: 'Not A Reference' }), 'INVALID_INPUT');
      failure(await s.callTool('docker_get_image_details', { image: 'nobody/nothing' }), 'NOT_FOUND');
    });
  });

  describe('docker_get_stats', () => {
    it('gives exact pulls, stars and the tag count', async () => {
      const result = success(await (await server()).callTool('docker_get_stats', { image: 'many' }));
      assert.equal(result.tag_count, MANY_TAG_COUNT);
      assert.equal(result.pull_count, 20511);
      assert.equal(result.star_count, 3);
    });

    it('reports a missing repository', async () => {
      failure(await (await server()).callTool('docker_get_stats', { image: 'library/nothing-here' }), 'NOT_FOUND');
    });
  });

  describe('docker_list_tags', () => {
    it('pages Hub tags with digests and platforms, attestations left out', async () => {
      const s = await server();
      const first = success(await s.callTool('docker_list_tags', { image: 'many', limit: 10 }));
      const page = success(await s.callTool('docker_list_tags', { image: 'many', limit: 10, cursor: first.next_cursor }));
      assert.equal(page.source, 'hub');
      assert.equal(page.count, MANY_TAG_COUNT);
      assert.equal(page.tags.length, 10);
      assert.equal(page.page, 2);
      assert.equal(typeof page.next_cursor, 'string');
      const hundred = await s.callTool('docker_list_tags', { image: 'many', limit: 100 });
      const all = success(hundred);
      assert.equal(all.tags.length, 100);
      assert.equal(all.digests.length, 1, 'the many tags all point at one digest, said once');
      const bytes = Buffer.byteLength(hundred.text) + Buffer.byteLength(JSON.stringify(all));
      assert.ok(bytes < 16 * 1024, `100 tags on one digest cost ${bytes} B of text and structuredContent`);
      const demo = success(await s.callTool('docker_list_tags', { image: 'demo', limit: 100 }));
      const latest = tagRows(demo).find((t) => t.name === 'latest')!;
      assert.deepEqual(latest.platforms, ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']);
      assert.equal(latest.digest, rig().images['library/demo'].latest.digest);
    });

    it('filters by name, architecture and os', async () => {
      const s = await server();
      const named = success(await s.callTool('docker_list_tags', { image: 'many', name: 'tag-01', limit: 100 }));
      assert.equal(named.count, 10);
      assert.ok(named.tags.every((t: { name: string }) => t.name.includes('tag-01')));
      const arm = success(await s.callTool('docker_list_tags', { image: 'demo', architecture: 'arm', limit: 100 }));
      assert.deepEqual(arm.tags.map((t: { name: string }) => t.name).sort(), ['1.0', 'latest']);
      const windows = success(await s.callTool('docker_list_tags', { image: 'demo', os: 'windows' }));
      assert.equal(windows.tags.length, 0);
    });

    it('lists names from the registry for other registries', async () => {
      const s = await server();
      const result = success(await s.callTool('docker_list_tags', { image: 'ghcr.io/owner/app' }));
      assert.equal(result.source, 'registry');
      assert.equal(result.registry, 'ghcr.io');
      assert.deepEqual(result.tags.map((t: { name: string }) => t.name), ['1']);
      assert.equal(emulator.requests().length, 0, 'Docker Hub is not asked about ghcr.io');
      failure(await s.callTool('docker_list_tags', { image: 'ghcr.io/owner/app', architecture: 'arm64' }), 'UNSUPPORTED');
    });

    it('explains Hub’s refusal of deep anonymous paging', async () => {
      // Like Hub, the emulator refuses anonymous offsets from 1000 on. `many` has fewer tags, so its cursors never go
      // there: this is the cursor page 11 of 100 of a larger repository would carry.
      const args = { image: 'many', limit: 100, sort: 'pushed' };
      const cursor = cursorAt('docker_list_tags', args, { offset: 1000 });
      const text = failure(await (await server()).callTool('docker_list_tags', { ...args, cursor }), 'FORBIDDEN');
      assert.match(text, /DOCKERHUB_TOKEN/);
    });
  });

  describe('docker_get_tag_details', () => {
    it('gives every platform’s digest, size and dates', async () => {
      const result = success(await (await server()).callTool('docker_get_tag_details', { image: 'demo:1.0' }));
      const catalogue = rig().images['library/demo']['1.0'];
      assert.equal(result.image, 'demo:1.0');
      assert.equal(result.digest, catalogue.digest);
      assert.equal(result.attestation_images, 3);
      assert.deepEqual(
        result.images.map((i: { platform: string; digest: string }) => [i.platform, i.digest]),
        catalogue.platforms.map((p) => [[p.os, p.architecture, p.variant].filter(Boolean).join('/'), p.digest]),
      );
      assert.ok(result.images.every((i: { size: number; last_pushed: string; last_pulled: string }) => i.size > 0 && i.last_pushed && i.last_pulled));
    });

    it('reports a missing tag and refuses a digest without tag', async () => {
      const s = await server();
      assert.match(failure(await s.callTool('docker_get_tag_details', { image: 'demo:nope' }), 'NOT_FOUND'), /nope/);
      const digest = rig().images['library/demo'].latest.digest;
      failure(await s.callTool('docker_get_tag_details', { image: `demo@${digest}` }), 'INVALID_INPUT');
    });
  });

  describe('docker_list_repositories', () => {
    it('shows private repositories only to an authorised login', async () => {
      const anonymous = success(await (await server()).callTool('docker_list_repositories', { namespace: 'alice' }));
      assert.equal(anonymous.authenticated, false);
      assert.deepEqual(anonymous.results.map((r: { repository: string }) => r.repository), ['nginx-playground']);
      const own = success(await (await server('alice')).callTool('docker_list_repositories', {}));
      assert.equal(own.namespace, 'alice');
      assert.deepEqual(own.results.map((r: { repository: string }) => r.repository).sort(), ['nginx-playground', 'private-app']);
    });

    it('reports an unknown namespace as NOT_FOUND and needs a namespace when anonymous', async () => {
      const s = await server();
      assert.match(failure(await s.callTool('docker_list_repositories', { namespace: 'no-such-namespace' }), 'NOT_FOUND'), /no-such-namespace/);
      failure(await s.callTool('docker_list_repositories', {}), 'INVALID_INPUT');
    });

    it('pages with a bound', async () => {
      const s = await server();
      const first = success(await s.callTool('docker_list_repositories', { namespace: 'library', limit: 2, ordering: 'name' }));
      const page = success(await s.callTool('docker_list_repositories', { namespace: 'library', limit: 2, ordering: 'name', cursor: first.next_cursor }));
      assert.equal(page.results.length, 2);
      assert.equal(page.page, 2);
      assert.ok(page.results[0].repository > first.results[1].repository, 'page 2 continues page 1 in name order');
      assert.equal(typeof page.next_cursor, 'string');
      failure(await s.callTool('docker_list_repositories', { namespace: 'library', limit: 500 }), 'INVALID_INPUT');
    });
  });

  describe('docker_list_namespaces', () => {
    it('needs credentials and says which', async () => {
      const text = failure(await (await server()).callTool('docker_list_namespaces', {}), 'UNAUTHORIZED');
      assert.match(text, /DOCKERHUB_USERNAME and DOCKERHUB_TOKEN/);
      assert.equal(emulator.requests().length, 0);
    });

    it('lists the personal namespace first, then the organisations', async () => {
      const result = success(await (await server('alice')).callTool('docker_list_namespaces', {}));
      assert.equal(result.username, 'alice');
      assert.deepEqual(result.namespaces[0], { namespace: 'alice', type: 'User', full_name: null, user_role: 'owner', badge: null, plan_name: null });
      const expected = aliceOrgs();
      assert.deepEqual(result.namespaces.slice(1).map((n: { namespace: string }) => n.namespace).sort(), expected.map((o) => o.orgname).sort());
      assert.equal(result.org_count, expected.length);
      for (const org of expected) {
        const listed = result.namespaces.find((n: { namespace: string }) => n.namespace === org.orgname);
        assert.equal(listed.type, 'Org');
        assert.equal(listed.user_role, org.user_role);
        assert.equal(listed.full_name, org.full_name);
      }
    });
  });

  describe('write tools', () => {
    it('refuse without credentials before any request', async () => {
      const s = await server();
      for (const [name, args] of [
        ['docker_create_repository', { namespace: 'alice', name: 'new-app' }],
        ['docker_update_repository', { image: 'alice/nginx-playground', description: 'x' }],
        ['docker_delete_tag', { image: 'alice/private-app:1', confirm: '1' }],
      ] as const) {
        assert.match(failure(await s.callTool(name, args), 'UNAUTHORIZED'), /DOCKERHUB_USERNAME and DOCKERHUB_TOKEN/);
      }
      assert.equal(emulator.requests().length, 0);
    });

    it('create a repository, and refuse to create it twice', async () => {
      const s = await server('alice');
      const created = success(
        await s.callTool('docker_create_repository', { namespace: 'alice', name: 'new-app', description: 'New', is_private: true }),
      );
      assert.equal(created.image, 'alice/new-app');
      assert.equal(created.is_private, true);
      assert.match(created.hub_url, /\/r\/alice\/new-app$/);
      const details = success(await s.callTool('docker_get_image_details', { image: 'alice/new-app' }));
      assert.equal(details.description, 'New');
      assert.match(
        failure(await s.callTool('docker_create_repository', { namespace: 'alice', name: 'new-app' }), 'CONFLICT'),
        /already exists/,
      );
      failure(await s.callTool('docker_create_repository', { namespace: 'alice', name: 'Bad Name' }), 'INVALID_INPUT');
      failure(await s.callTool('docker_create_repository', { namespace: 'bob', name: 'not-mine' }), 'FORBIDDEN');
    });

    it('update descriptions by image or by namespace and name', async () => {
      const s = await server('alice');
      const before = success(await s.callTool('docker_get_image_details', { image: 'alice/nginx-playground' }));
      assert.equal(before.description, 'Alice\'s nginx experiments');
      const updated = success(
        await s.callTool('docker_update_repository', { image: 'alice/nginx-playground', description: 'Renamed', full_description: '# New' }),
      );
      assert.deepEqual(updated.updated_fields, ['description', 'full_description']);
      assert.equal(updated.full_description_length, 5);
      const after = success(await s.callTool('docker_get_image_details', { image: 'alice/nginx-playground' }));
      assert.equal(after.description, 'Renamed');
      assert.equal(after.full_description, '# New');
      success(await s.callTool('docker_update_repository', { namespace: 'alice', name: 'nginx-playground', description: 'Again' }));
      failure(await s.callTool('docker_update_repository', { image: 'alice/nginx-playground' }), 'INVALID_INPUT');
      failure(await s.callTool('docker_update_repository', { image: 'alice/nginx-playground', namespace: 'alice', description: 'x' }), 'INVALID_INPUT');
      failure(await s.callTool('docker_update_repository', { namespace: 'alice', name: 'missing', description: 'x' }), 'NOT_FOUND');
    });

    it('delete exactly the tag named, never an implied latest', async () => {
      const s = await server('alice');
      assert.match(failure(await s.callTool('docker_delete_tag', { image: 'alice/private-app' }), 'INVALID_INPUT'), /tag/);
      assert.equal(emulator.requests().filter((r) => r.method === 'DELETE').length, 0);
      const deleted = success(await s.callTool('docker_delete_tag', { image: 'alice/private-app:1', confirm: '1' }));
      assert.deepEqual(deleted, { deleted: true, image: 'alice/private-app:1', namespace: 'alice', repository: 'private-app', tag: '1' });
      failure(await s.callTool('docker_get_tag_details', { image: 'alice/private-app:1' }), 'NOT_FOUND');
      failure(await s.callTool('docker_delete_tag', { image: 'alice/private-app:1', confirm: '1' }), 'NOT_FOUND');
      failure(await s.callTool('docker_delete_tag', { image: 'ghcr.io/owner/app:1', confirm: '1' }), 'UNSUPPORTED');
    });
  });

  it('keeps working across an expired token and never shows a secret', async () => {
    const s = await server('alice');
    success(await s.callTool('docker_get_image_details', { image: 'alice/private-app' }));
    emulator.control.expireTokens();
    const tags = success(await s.callTool('docker_list_tags', { image: 'alice/private-app' }));
    assert.deepEqual(tags.tags.map((t: { name: string }) => t.name), ['1']);
    const denied = await s.callTool('docker_create_repository', { namespace: 'bob', name: 'x1' });
    const everything = JSON.stringify([tags, denied]) + s.logs.join('\n');
    assert.ok(!everything.includes(ALICE_DEFAULT_PAT));
    assert.ok(!/eyJ[A-Za-z0-9_-]{5,}\./.test(everything));
  });
});
