import assert from 'node:assert/strict';
import { ALICE_DEFAULT_PAT, type CataloguePlatformImage } from '../rig/images';
import { rig } from '../rig/mocha-hooks';
import { failure, success } from './helpers/assertions';
import { startInProcess, type InProcessServer } from './helpers/inProcess';

/*
 * Issue 14: answers an agent can act on. Each block pins one defect against the rig: the catalogue's images
 * (test/rig/images.ts) are the truth the answers are checked against.
 */

function platformOf(image: CataloguePlatformImage): string {
  return [image.os, image.architecture, image.variant].filter(Boolean).join('/');
}

function pushed(repository: string, tag: string, platform: string): CataloguePlatformImage {
  const entry = rig().images[repository]?.[tag];
  assert.ok(entry, `the rig has ${repository}:${tag}`);
  const image = entry.platforms.find((candidate) => platformOf(candidate) === platform);
  assert.ok(image, `the rig has ${repository}:${tag} for ${platform}`);
  return image;
}

type Tag = { name: string; digest: string; platform_digest: string | null; full_size: number; aliases: string[] };

describe('issue 14: answers an agent can act on', () => {
  let server: InProcessServer;
  const call = (name: string, args: Record<string, unknown>) => server.callTool(name, args);

  beforeEach(async () => {
    server = await startInProcess();
  });
  afterEach(async () => {
    await server.close();
  });

  describe('platform-aware tag listings', () => {
    it('with architecture arm64, sizes and platform digests are arm64\'s, and the digest to pin is the index', async () => {
      const result = success(await call('docker_list_tags', { image: 'demo', architecture: 'arm64', limit: 100 }));
      const latest = result.tags.find((t: Tag) => t.name === 'latest');
      const arm64 = pushed('library/demo', 'latest', 'linux/arm64/v8');
      const amd64 = pushed('library/demo', 'latest', 'linux/amd64');
      assert.notEqual(arm64.size, amd64.size);
      assert.equal(latest.full_size, arm64.size);
      assert.equal(latest.platform_digest, arm64.digest);
      assert.equal(latest.digest, rig().images['library/demo'].latest.digest);
    });

    it('accepts the platform spellings docker --platform accepts, all meaning the same', async () => {
      const names = async (args: Record<string, unknown>) =>
        success(await call('docker_list_tags', { image: 'demo', limit: 100, ...args })).tags.map((t: Tag) => `${t.name}=${t.full_size}`).sort();
      const arm = await names({ architecture: 'arm64' });
      assert.ok(arm.length >= 2, arm.join(', '));
      assert.deepEqual(await names({ architecture: 'linux/arm64' }), arm);
      for (const platform of ['arm64', 'aarch64', 'Linux/ARM64', 'linux/arm64/v8']) {
        assert.deepEqual(await names({ platform }), arm, platform);
      }
      const amd = await names({ platform: 'linux/amd64' });
      assert.deepEqual(await names({ platform: 'amd64' }), amd);
      assert.deepEqual(await names({ platform: 'x86_64' }), amd);
      assert.notDeepEqual(amd, arm);
    });

    it('normalises the platform of every image tool the same way', async () => {
      const result = success(await call('docker_get_manifest', { image: 'demo', platform: 'AArch64' }));
      assert.equal(result.digest, pushed('library/demo', 'latest', 'linux/arm64/v8').digest);
    });

    it('refuses a platform Docker would not understand as INVALID_INPUT naming the argument and the accepted forms', async () => {
      for (const platform of ['arm65', 'linux', 'linux/arm64/v8/x', 'linux/amd64-v8']) {
        const text = failure(await call('docker_list_tags', { image: 'demo', platform }), 'INVALID_INPUT');
        assert.match(text, /argument "platform" is not a platform Docker understands.*linux\/arm64/, platform);
      }
    });

    it('sorts by size for a platform: the smallest arm64 tag first', async () => {
      const result = success(await call('docker_list_tags', { image: 'python', platform: 'linux/arm64', sort: 'size', limit: 100 }));
      const sizes = result.tags.map((t: Tag) => t.full_size);
      assert.deepEqual(sizes, [...sizes].sort((a: number, b: number) => a - b));
      const smallest = Object.values(rig().images['library/python'])
        .map((entry) => entry.platforms.find((p) => p.architecture === 'arm64')!.size)
        .reduce((a, b) => Math.min(a, b));
      assert.equal(result.tags[0].full_size, smallest);
      assert.equal(result.tags[0].name, '3.12.7-slim');
      assert.equal(result.platform, 'linux/arm64');
    });

    it('sorts by name in version order', async () => {
      const result = success(await call('docker_list_tags', { image: 'web', sort: 'name', name: '1.2', limit: 100 }));
      const names = result.tags.map((t: Tag) => t.name);
      assert.ok(names.indexOf('1.27.2') < names.indexOf('1.27.4') && names.indexOf('1.26.3') < names.indexOf('1.27.1'), names.join(' '));
    });

    it('groups tags by digest: what latest really is, in one call', async () => {
      const outcome = await call('docker_list_tags', { image: 'web' });
      const latest = success(outcome).tags.find((t: Tag) => t.name === 'latest');
      assert.deepEqual([...latest.aliases].sort(), ['1.27', '1.27.4']);
      assert.match(outcome.text, /- latest: .*same as (1\.27\.4, 1\.27|1\.27, 1\.27\.4)/);
    });
  });

  describe('newer version in my line', () => {
    it('1.27.1: the newer 1.27 releases, newest first, not the floating or alpine tags', async () => {
      const outcome = await call('docker_list_tags', { image: 'web', newer_than: '1.27.1' });
      const result = success(outcome);
      assert.deepEqual(result.tags.map((t: Tag) => t.name), ['1.27.4', '1.27.3', '1.27.2']);
      assert.equal(result.version_line.newest, '1.27.4');
      assert.equal(result.version_line.line, '1.27.x');
      assert.match(outcome.text, /3 newer releases in its line 1\.27\.x, newest 1\.27\.4/);
    });

    it('3.12-slim is already 3.12.8-slim, the newest slim 3.12; 3.13 is a later line', async () => {
      const result = success(await call('docker_list_tags', { image: 'python', newer_than: '3.12-slim' }));
      assert.equal(result.version_line.same_as, '3.12.8-slim');
      assert.equal(result.version_line.newest, '3.12.8-slim');
      assert.deepEqual(result.version_line.newer, []);
      assert.equal(result.version_line.newest_later_line, '3.13.1-slim');
      const older = success(await call('docker_list_tags', { image: 'python', newer_than: '3.12.7-slim' }));
      assert.deepEqual(older.tags.map((t: Tag) => t.name), ['3.12.8-slim']);
    });

    it('refuses a newer_than that is not a version tag', async () => {
      const text = failure(await call('docker_list_tags', { image: 'python', newer_than: 'latest' }), 'INVALID_INPUT');
      assert.match(text, /argument "newer_than" .*must be a version tag/);
    });
  });

  describe('errors that lead somewhere', () => {
    it('a misspelt repository is NOT_FOUND with "did you mean nginx?" from a Hub search', async () => {
      for (const tool of ['docker_get_image_details', 'docker_inspect_image']) {
        const text = failure(await call(tool, { image: 'ngnix' }), 'NOT_FOUND');
        assert.match(text, /Did you mean nginx\?/, tool);
      }
      const unknown = failure(await call('docker_get_image_details', { image: 'library/zzqqxx' }), 'NOT_FOUND');
      assert.doesNotMatch(unknown, /Did you mean/);
    });

    it('never calls an official (library/) repository possibly private', async () => {
      for (const [tool, image] of [['docker_get_image_details', 'nothing-here'], ['docker_get_tag_details', 'nothing-here:1'], ['docker_inspect_image', 'nothing-here']]) {
        const text = failure(await call(tool, { image }), 'NOT_FOUND');
        assert.doesNotMatch(text, /private/i, `${tool}: ${text}`);
      }
    });

    it('a rate limit says the window the registry sent: w=3600 is 1 hour', async () => {
      rig().registry.proxy.setRateLimit({ limit: 10, remaining: 0, windowSeconds: 3600 });
      const text = failure(await call('docker_inspect_image', { image: 'demo:oci' }), 'RATE_LIMITED');
      assert.match(text, /1 hour/);
      assert.doesNotMatch(text, /6 hours/);
    });

    it('a Hub-only write on another registry does not point at read tools', async () => {
      const write = await startInProcess({ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: ALICE_DEFAULT_PAT });
      try {
        const text = failure(await write.callTool('docker_delete_tag', { image: 'ghcr.io/owner/app:1' }), 'UNSUPPORTED');
        assert.doesNotMatch(text, /docker_list_tags|docker_get_manifest|docker_inspect_image/);
        const read = failure(await call('docker_get_stats', { image: 'ghcr.io/owner/app' }), 'UNSUPPORTED');
        assert.match(read, /docker_list_tags/);
        assert.doesNotMatch(read, /use .*docker_get_stats/);
      } finally {
        await write.close();
      }
    });

    it('creating a repository that exists is CONFLICT; delete_tag is not idempotent', async () => {
      const write = await startInProcess({ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: ALICE_DEFAULT_PAT });
      try {
        const text = failure(await write.callTool('docker_create_repository', { namespace: 'alice', name: 'private-app' }), 'CONFLICT');
        assert.match(text, /already exists/);
        const { tools } = await write.client.listTools();
        const deleteTag = tools.find((tool) => tool.name === 'docker_delete_tag')!;
        assert.equal(deleteTag.annotations?.idempotentHint, false);
        assert.match(tools.find((tool) => tool.name === 'docker_create_repository')!.description!, /CONFLICT/);
      } finally {
        await write.close();
      }
    });

    it('a number sent as the string "5" is refused with a reason that is true', async () => {
      const text = failure(await call('docker_list_tags', { image: 'demo', limit: '5' }), 'INVALID_INPUT');
      assert.match(text, /argument "limit" must be a JSON number, not the string "5"/);
      assert.doesNotMatch(text, /required/);
      const missing = failure(await call('docker_get_stats', {}), 'INVALID_INPUT');
      assert.match(missing, /argument "image" is required/);
    });
  });
});
