import assert from 'node:assert/strict';
import { z } from 'zod';
import { formatBytes } from '../../server/src/format';
import { TOOLS } from '../../server/src/tools';
import { ALICE_DEFAULT_PAT, type CataloguePlatformImage } from '../rig/images';
import { rig } from '../rig/mocha-hooks';
import { failure, success } from './helpers/assertions';
import { startInProcess, type InProcessServer } from './helpers/inProcess';
import { tagRows } from './helpers/tagRows';

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
      const outcome = await call('docker_list_tags', { image: 'demo', architecture: 'arm64', limit: 100 });
      const latest = tagRows(success(outcome)).find((t) => t.name === 'latest')!;
      const arm64 = pushed('library/demo', 'latest', 'linux/arm64/v8');
      const amd64 = pushed('library/demo', 'latest', 'linux/amd64');
      assert.notEqual(arm64.size, amd64.size);
      assert.equal(latest.full_size, arm64.size);
      assert.equal(latest.platform_digest, arm64.digest);
      assert.equal(latest.digest, rig().images['library/demo'].latest.digest);
      const shown = outcome.text.split('\n').find((line: string) => line.includes(latest.digest!))!;
      assert.ok(shown.includes(`pin ${latest.digest} (arm64 image ${arm64.digest.slice(0, 19)})`), shown);
    });

    it('accepts the platform spellings docker --platform accepts, all meaning the same', async () => {
      const names = async (args: Record<string, unknown>) =>
        tagRows(success(await call('docker_list_tags', { image: 'demo', limit: 100, ...args }))).map((t) => `${t.name}=${t.full_size}`).sort();
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

    it('refuses a platform Docker would not understand as INVALID_INPUT naming the argument, the accepted forms and what the image offers', async () => {
      for (const platform of ['arm65', 'linux', 'linux/arm64/v8/x', 'linux/amd64-v8']) {
        const text = failure(await call('docker_list_tags', { image: 'demo', platform }), 'INVALID_INPUT');
        assert.match(text, /argument "platform" is not a platform Docker understands.*linux\/arm64/, platform);
        assert.match(text, /demo:latest offers: linux\/amd64, linux\/arm64\/v8, linux\/arm\/v7\.$/, platform);
      }
      const architecture = failure(await call('docker_list_tags', { image: 'demo', architecture: 'arm65' }), 'INVALID_INPUT');
      assert.match(architecture, /argument "architecture" .*demo:latest offers: linux\/amd64, linux\/arm64\/v8, linux\/arm\/v7\.$/);
      const single = failure(await call('docker_inspect_image', { image: 'app:1', platform: 'x86' }), 'INVALID_INPUT');
      assert.match(single, /app:1 offers: linux\/amd64\.$/);
      const compared = failure(await call('docker_compare_images', { image_a: 'demo:list', image_b: 'demo:latest', platform: 'arm65' }), 'INVALID_INPUT');
      assert.match(compared, /demo:list offers: linux\/amd64, linux\/arm64\/v8\.$/);
    });

    it('sorts by size for a platform: the smallest arm64 tag first', async () => {
      const result = success(await call('docker_list_tags', { image: 'python', platform: 'linux/arm64', sort: 'size', limit: 100 }));
      const rows = tagRows(result);
      const sizes = rows.map((t) => t.full_size!);
      assert.deepEqual(sizes, [...sizes].sort((a, b) => a - b));
      const smallest = Object.values(rig().images['library/python'])
        .map((entry) => entry.platforms.find((p) => p.architecture === 'arm64')!.size)
        .reduce((a, b) => Math.min(a, b));
      assert.equal(rows[0].full_size, smallest);
      assert.equal(rows[0].name, '3.12.7-slim');
      assert.equal(result.platform, 'linux/arm64');
    });

    it('sorts by name in version order', async () => {
      const result = success(await call('docker_list_tags', { image: 'web', sort: 'name', name: '1.2', limit: 100 }));
      const names = result.tags.map((t: { name: string }) => t.name);
      assert.ok(names.indexOf('1.27.2') < names.indexOf('1.27.4') && names.indexOf('1.26.3') < names.indexOf('1.27.1'), names.join(' '));
    });

    it('groups tags by digest: what latest really is, in one call, each digest said once', async () => {
      const outcome = await call('docker_list_tags', { image: 'web', limit: 100 });
      const page = success(outcome);
      const latest = tagRows(page).find((t) => t.name === 'latest')!;
      assert.deepEqual([...latest.aliases].sort(), ['1.27', '1.27.4']);
      const digests = page.digests.map((group: { digest: string }) => group.digest);
      assert.equal(new Set(digests).size, digests.length, 'each digest once in structuredContent');
      assert.equal(page.digests.length, new Set(tagRows(page).map((t) => t.digest)).size, 'no group without a tag');
      for (const digest of digests) {
        assert.equal(JSON.stringify(page).split(digest).length - 1, 1, `${digest} appears once`);
        assert.equal(outcome.text.split(digest).length - 1, 1, `${digest} is written once in the text`);
      }
      const group = [latest.name, ...latest.aliases];
      const lines = outcome.text.split('\n').filter((line: string) => group.some((name) => line.startsWith(`- ${name}:`)));
      const first = lines[0].slice(2, lines[0].indexOf(':'));
      assert.ok(lines[0].includes(latest.digest!), lines[0]);
      assert.equal(lines.length, 3, outcome.text);
      for (const line of lines.slice(1)) assert.ok(line.includes(`: same as ${first}, pushed `), line);
    });
  });

  describe('newer version in my line', () => {
    it('1.27.1: the newer 1.27 releases, newest first, not the floating or alpine tags', async () => {
      const outcome = await call('docker_list_tags', { image: 'web', newer_than: '1.27.1' });
      const result = success(outcome);
      assert.deepEqual(result.tags.map((t: { name: string }) => t.name), ['1.27.4', '1.27.3', '1.27.2']);
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
      assert.deepEqual(older.tags.map((t: { name: string }) => t.name), ['3.12.8-slim']);
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
      assert.match(failure(await call('docker_list_tags', { image: 'ngnix' }), 'NOT_FOUND'), /^NOT_FOUND: the tag list of repository library\/ngnix on Docker Hub was not found .*Did you mean nginx\?/);
      const unknown = failure(await call('docker_get_image_details', { image: 'library/zzqqxx' }), 'NOT_FOUND');
      assert.doesNotMatch(unknown, /Did you mean/);
    });

    it('points at docker_list_tags for a missing tag, never from docker_list_tags itself nor for a misspelt repository', async () => {
      assert.match(failure(await call('docker_get_tag_details', { image: 'demo:nope' }), 'NOT_FOUND'), /tag "nope" .* not found.*; docker_list_tags lists the tags that exist\.$/);
      assert.match(failure(await call('docker_inspect_image', { image: 'demo:nope' }), 'NOT_FOUND'), /; docker_list_tags lists the tags that exist\.$/);
      const listing = failure(await call('docker_list_tags', { image: 'ghcr.io/owner/nothing-here' }), 'NOT_FOUND');
      assert.doesNotMatch(listing, /docker_list_tags/);
      const misspelt = failure(await call('docker_compare_images', { image_a: 'ngnix:1', image_b: 'demo:1.0' }), 'NOT_FOUND');
      assert.match(misspelt, /Did you mean nginx\?/);
      assert.doesNotMatch(misspelt, /docker_list_tags/);
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
        assert.notEqual(deleteTag.annotations?.idempotentHint, true, 'not idempotent (the spec default when absent)');
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

  describe('which digest to pin', () => {
    const tools: Array<[string, Record<string, unknown>]> = [
      ['docker_inspect_image', { image: 'demo:1.0' }],
      ['docker_analyze_layers', { image: 'demo:1.0' }],
      ['docker_estimate_pull_size', { image: 'demo:1.0' }],
      ['docker_get_image_history', { image: 'demo:1.0' }],
      ['docker_get_dockerfile', { image: 'demo:1.0' }],
      ['docker_track_base_updates', { image: 'demo:1.0' }],
    ];
    for (const [tool, args] of tools) {
      it(`${tool} on a multi-platform tag names the index to pin and the platform manifest it read`, async () => {
        const outcome = await call(tool, args);
        const result = success(outcome);
        const index = rig().images['library/demo']['1.0'].digest;
        const amd64 = pushed('library/demo', '1.0', 'linux/amd64').digest;
        assert.equal(result.pin_digest, index);
        assert.equal(result.digest, amd64);
        assert.ok(outcome.text.includes(`pin ${index} (the index: all platforms); read linux/amd64 manifest ${amd64}`), outcome.text.slice(0, 300));
      });
    }

    it('compare_images and get_vulnerabilities name both digests too; a single-platform image has one', async () => {
      const compared = await call('docker_compare_images', { image_a: 'demo:1.0', image_b: 'demo:oci' });
      const result = success(compared);
      assert.equal(result.a.pin_digest, rig().images['library/demo']['1.0'].digest);
      assert.equal(result.b.pin_digest, result.b.digest);
      assert.match(compared.text, /pin sha256:[0-9a-f]{64} \(the index/);
      const scout = await startInProcess({ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: ALICE_DEFAULT_PAT });
      try {
        const vulnerabilities = success(await scout.callTool('docker_get_vulnerabilities', { image: 'demo:1.0', platform: 'arm64' }));
        assert.equal(vulnerabilities.pin_digest, rig().images['library/demo']['1.0'].digest);
        assert.equal(vulnerabilities.digest, pushed('library/demo', '1.0', 'linux/arm64/v8').digest);
      } finally {
        await scout.close();
      }
    });
  });

  describe('bad credentials never block public data', () => {
    it('with a refused DOCKERHUB_TOKEN, public images answer anonymously and say the token was refused; private ones stay closed', async () => {
      const refused = await startInProcess({ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: 'dckr_pat_FAKEwrongTokenForTheRig00000' });
      try {
        for (const [tool, args] of [
          ['docker_get_image_details', { image: 'demo' }],
          ['docker_list_tags', { image: 'demo' }],
          ['docker_search_images', { query: 'demo' }],
          ['docker_inspect_image', { image: 'demo' }],
        ] as const) {
          const outcome = await refused.callTool(tool, args);
          success(outcome);
          assert.match(outcome.text, /read anonymously \(public data only\).*refused/, tool);
          assert.doesNotMatch(outcome.text, /dckr_pat_FAKE/);
        }
        failure(await refused.callTool('docker_inspect_image', { image: 'alice/private-app:1' }), 'UNAUTHORIZED');
        failure(await refused.callTool('docker_create_repository', { namespace: 'alice', name: 'never-made' }), 'UNAUTHORIZED');
      } finally {
        await refused.close();
      }
    });
  });

  describe('attestations with content', () => {
    it('lists SBOM packages (name, version, type, licence), paged and filtered, and provenance materials and parameters', async () => {
      const outcome = await call('docker_get_attestations', { image: 'svc:1' });
      const result = success(outcome);
      assert.equal(result.packages_total, 5);
      assert.deepEqual(result.packages.find((p: { name: string }) => p.name === 'openssl'), {
        name: 'openssl',
        version: '3.1.4',
        type: 'apk',
        license: 'Apache-2.0',
      });
      const base = rig().images['library/base']['1'].digest;
      assert.ok(result.materials.some((m: { uri: string; digest: string }) => m.uri.startsWith('pkg:docker/base@1') && m.digest === base));
      assert.equal(result.build_parameters.frontend, 'dockerfile.v0');
      assert.equal(result.build_parameters['args.build-arg:VERSION'], '1');
      assert.match(outcome.text, /- openssl 3\.1\.4 \(apk, Apache-2\.0\)/);
      assert.match(outcome.text, /Build inputs:\n- pkg:docker\/docker\/dockerfile@1/);

      const filtered = success(await call('docker_get_attestations', { image: 'svc:1', package: 'SSL' }));
      assert.deepEqual(filtered.packages.map((p: { name: string }) => p.name), ['openssl']);
      const first = success(await call('docker_get_attestations', { image: 'svc:1', limit: 2 }));
      const second = success(await call('docker_get_attestations', { image: 'svc:1', limit: 2, cursor: first.next_cursor }));
      assert.equal(second.packages.length, 2);
      assert.equal(second.page, 2);
      assert.equal(typeof second.next_cursor, 'string');
      assert.notDeepEqual(second.packages, result.packages.slice(0, 2));
    });
  });

  describe('one meaning per word', () => {
    /** Every field path of a tool's structuredContent, with the schema that types it. */
    function fields(schema: z.ZodType, path = ''): Array<[string, z.ZodType]> {
      let inner = schema;
      while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable || inner instanceof z.ZodDefault) {
        inner = inner.unwrap() as z.ZodType;
      }
      if (inner instanceof z.ZodObject) {
        return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, value]) => [
          [`${path}.${key}`, value] as [string, z.ZodType],
          ...fields(value, `${path}.${key}`),
        ]);
      }
      if (inner instanceof z.ZodArray) return fields(inner.element as z.ZodType, `${path}[]`);
      return [];
    }
    const unwrapped = (schema: z.ZodType) => {
      let inner = schema;
      while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable || inner instanceof z.ZodDefault) inner = inner.unwrap() as z.ZodType;
      return inner;
    };

    it('every output field is snake_case; layers is a list, *_count a number; no total_size, name for a repository, mediaType', () => {
      const problems: string[] = [];
      for (const tool of TOOLS) {
        for (const [path, schema] of fields(z.object(tool.output))) {
          const key = path.slice(path.lastIndexOf('.') + 1);
          // inspect_image's config keeps Docker's own field names, the ones `docker image inspect` shows.
          if (tool.name === 'docker_inspect_image' && path.startsWith('.config.')) continue;
          if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(key)) problems.push(`${tool.name} ${path}: not snake_case`);
          const type = unwrapped(schema);
          if (key === 'layers' && !(type instanceof z.ZodArray)) problems.push(`${tool.name} ${path}: "layers" is not a list`);
          if (key.endsWith('_count') && !(type instanceof z.ZodNumber || type instanceof z.ZodUnion)) problems.push(`${tool.name} ${path}: a count that is not a number`);
          if (['total_size', 'empty_layers', 'distinct_layers', 'image_layers', 'base_layers'].includes(key)) problems.push(`${tool.name} ${path}: an old word`);
        }
      }
      const topLevel = (name: string) => Object.keys(TOOLS.find((tool) => tool.name === name)!.output);
      for (const name of ['docker_get_image_details', 'docker_create_repository', 'docker_update_repository', 'docker_get_stats', 'docker_delete_tag']) {
        if (!topLevel(name).includes('repository') || topLevel(name).includes('name')) problems.push(`${name}: the repository's name is not "repository"`);
      }
      assert.deepEqual(problems, []);
    });

    it('compressed size is the layers\' bytes, config apart, in inspect, analyze_layers, compare, estimate and get_manifest', async () => {
      const arm64 = pushed('library/demo', 'latest', 'linux/arm64/v8');
      const layers = arm64.layers.reduce((sum, layer) => sum + layer.size, 0);
      assert.equal(arm64.compressedSize, layers);
      assert.ok(arm64.configSize > 0);
      const args = { image: 'demo:latest', platform: 'linux/arm64' };
      const inspected = await call('docker_inspect_image', args);
      const analysed = await call('docker_analyze_layers', args);
      const compared = await call('docker_compare_images', { image_a: 'demo:latest', image_b: 'demo:latest', platform: 'linux/arm64' });
      const estimated = await call('docker_estimate_pull_size', args);
      const manifest = await call('docker_get_manifest', args);
      const sizes = {
        inspect: success(inspected).compressed_size,
        analyze: success(analysed).compressed_size,
        compare_a: success(compared).a.compressed_size,
        compare_b: success(compared).b.compressed_size,
        estimate: success(estimated).compressed_size,
        manifest: success(manifest).compressed_size,
      };
      for (const [tool, size] of Object.entries(sizes)) assert.equal(size, layers, tool);
      assert.equal(success(inspected).config_size, arm64.configSize);
      assert.equal(success(estimated).config_size, arm64.configSize);
      assert.equal(success(manifest).config.size, arm64.configSize);
      assert.equal(success(inspected).layer_count, arm64.layers.length);
      assert.equal(success(manifest).layer_count, arm64.layers.length);
      const phrase = `${formatBytes(layers)} compressed`;
      for (const [tool, outcome] of Object.entries({ inspected, analysed, compared, estimated, manifest })) {
        assert.ok(outcome.text.includes(phrase), `${tool} says ${phrase}: ${outcome.text}`);
      }
    });

    it('media_type and predicate_type in get_manifest and get_attestations', async () => {
      const manifest = success(await call('docker_get_manifest', { image: 'demo:schema2' }));
      assert.equal(manifest.media_type, rig().images['library/demo'].schema2.mediaType);
      assert.equal(manifest.config.media_type, rig().images['library/demo'].schema2.platforms[0].configMediaType);
      const attestations = success(await call('docker_get_attestations', { image: 'demo:latest', platform: 'linux/amd64' }));
      assert.equal(attestations.media_type, rig().images['library/demo'].latest.mediaType);
      assert.ok(attestations.statements.length > 0);
      for (const statement of attestations.statements) assert.match(statement.predicate_type, /^https:\/\//);
    });
  });

  describe('what changed between 1.27.1 and 1.27.2', () => {
    it('packages from both SBOMs: added, removed and changed versions', async () => {
      const outcome = await call('docker_compare_images', { image_a: 'web:1.27.1', image_b: 'web:1.27.2', platform: 'linux/arm64', packages: true });
      const packages = success(outcome).packages;
      assert.deepEqual(packages, {
        package_count_a: 4,
        package_count_b: 4,
        added: [{ name: 'ca-certificates', type: 'apk', version: '20240226' }],
        removed: [{ name: 'musl', type: 'apk', version: '1.2.4' }],
        changed: [
          { name: 'openssl', type: 'apk', version_a: '3.1.4', version_b: '3.1.5' },
          { name: 'zlib', type: 'apk', version_a: '1.3', version_b: '1.3.1' },
        ],
        added_count: 1,
        removed_count: 1,
        changed_count: 2,
        unchanged_count: 1,
      });
      assert.match(outcome.text, /Packages \(SBOM\): 4 → 4; 1 added, 1 removed, 2 changed, 1 unchanged\./);
      assert.match(outcome.text, /- Changed: openssl 3\.1\.4 → 3\.1\.5; zlib 1\.3 → 1\.3\.1/);
      assert.equal(success(outcome).vulnerabilities, null, 'no login: Scout cannot be asked');
      assert.match(outcome.text, /Vulnerabilities not compared: .*DOCKERHUB_USERNAME/);
    });

    it('with a login, the Docker Scout vulnerabilities fixed and introduced', async () => {
      const scout = await startInProcess({ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: ALICE_DEFAULT_PAT });
      try {
        const outcome = await scout.callTool('docker_compare_images', { image_a: 'web:1.27.1', image_b: 'web:1.27.2', packages: true });
        const vulnerabilities = success(outcome).vulnerabilities;
        assert.deepEqual(vulnerabilities.fixed.map((f: { id: string; package: string }) => `${f.id} ${f.package}`), ['CVE-2023-45853 zlib', 'CVE-2023-5678 openssl']);
        assert.deepEqual(vulnerabilities.introduced, [{ id: 'CVE-2024-9143', severity: 'low', package: 'openssl', version: '3.1.5', fixed_version: '3.1.8' }]);
        assert.equal(vulnerabilities.unchanged_count, 1);
        assert.match(outcome.text, /Vulnerabilities \(Docker Scout\): 2 fixed, 1 introduced, 1 in both\./);
        assert.match(outcome.text, /- Introduced: CVE-2024-9143 \(low, openssl 3\.1\.5, fixed in 3\.1\.8\)/);
      } finally {
        await scout.close();
      }
    });

    it('says why when a side has no SBOM or Scout cannot be asked, and still compares the layers', async () => {
      const outcome = await call('docker_compare_images', { image_a: 'demo:latest', image_b: 'demo:list', packages: true });
      const result = success(outcome);
      assert.equal(result.packages, null);
      assert.equal(result.vulnerabilities, null);
      assert.equal(result.a.platform, 'linux/amd64');
      assert.ok(result.only_in_b.count > 0);
      assert.ok(result.notes.includes('Packages not compared: b (demo:list) has no SBOM attestation for linux/amd64.'), result.notes.join('\n'));
      assert.ok(result.notes.some((note: string) => /^Vulnerabilities not compared: .*DOCKERHUB_USERNAME/.test(note)), result.notes.join('\n'));
    });
  });

  describe('small ones', () => {
    it('get_tag_details reports the manifest media type of a single-image tag, not the config type Hub gives', async () => {
      const result = success(await call('docker_get_tag_details', { image: 'demo:schema2' }));
      assert.equal(result.media_type, 'application/vnd.docker.distribution.manifest.v2+json');
      assert.equal(success(await call('docker_get_tag_details', { image: 'demo:1.0' })).media_type, rig().images['library/demo']['1.0'].mediaType);
    });

    it('search numbering continues across pages; the open_source badge is kept', async () => {
      const first = await call('docker_search_images', { query: 'nginx', limit: 2 });
      const second = await call('docker_search_images', { query: 'nginx', limit: 2, cursor: success(first).next_cursor });
      assert.match(first.text, /\n1\. /);
      assert.match(second.text, /\n3\. .*\n4\. /);
      assert.doesNotMatch(second.text, /\n1\. /);
      const hello = await call('docker_search_images', { query: 'hello' });
      const entry = success(hello).results.find((r: { image: string }) => r.image === 'nginxdemos/hello');
      assert.equal(entry.badge, 'open_source');
      assert.match(hello.text, /nginxdemos\/hello \[open source\]/);
      assert.match((await call('docker_get_image_details', { image: 'nginxdemos/hello' })).text, /sponsored open source/);
    });

    it('says "1 tag" and "1 repository", and exact pull counts where Docker Hub gives them', async () => {
      assert.match((await call('docker_get_stats', { image: 'svc' })).text, /, 1 tag;/);
      assert.match((await call('docker_list_repositories', { namespace: 'nginxdemos' })).text, /^nginxdemos: 1 repository\b/);
      assert.match((await call('docker_get_stats', { image: 'demo' })).text, /1,843,307 pulls/);
      assert.match((await call('docker_get_image_details', { image: 'demo' })).text, /1,843,307 \(1\.8M\) pulls/);
    });
  });
});
