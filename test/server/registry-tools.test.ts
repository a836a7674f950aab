import assert from 'node:assert/strict';
import { ALICE_DEFAULT_PAT } from '../rig/images';
import { rig } from '../rig/mocha-hooks';
import { startInProcess, type InProcessServer } from './helpers/inProcess';
import { tagRows } from './helpers/tagRows';

const MY_TOOLS = [
  'docker_get_manifest',
  'docker_inspect_image',
  'docker_get_image_history',
  'docker_get_attestations',
  'docker_cache_info',
  'docker_cache_clear',
];

describe('registry tools over MCP (in process, rig registry)', () => {
  let server: InProcessServer;

  beforeEach(async () => {
    server = await startInProcess();
  });

  afterEach(async () => {
    await server.close();
  });

  it('lists each tool with a title, annotations and an output schema', async () => {
    const { tools } = await server.client.listTools();
    for (const name of MY_TOOLS) {
      const tool = tools.find((t) => t.name === name);
      assert.ok(tool, name);
      assert.ok(tool.title && tool.description && tool.description.length > 60, name);
      assert.equal(tool.outputSchema?.type, 'object', name);
      assert.equal(typeof tool.annotations?.readOnlyHint, 'boolean', name);
    }
    const clear = tools.find((t) => t.name === 'docker_cache_clear')!;
    assert.deepEqual(
      [clear.annotations?.readOnlyHint, clear.annotations?.destructiveHint, clear.annotations?.idempotentHint],
      [false, false, true],
    );
    const manifest = tools.find((t) => t.name === 'docker_get_manifest')!;
    assert.equal(manifest.annotations?.readOnlyHint, true);
    assert.notEqual(manifest.annotations?.openWorldHint, false, 'open world: said, or left to the spec default (true)');
  });

  describe('docker_get_manifest', () => {
    it('shows an index: platforms without the attestations, which are listed apart', async () => {
      const expected = rig().images['library/demo'].latest;
      const result = await server.callTool('docker_get_manifest', { image: 'demo' });
      assert.equal(result.isError, false, result.text);
      assert.equal(result.structured!.kind, 'index');
      assert.equal(result.structured!.digest, expected.digest);
      assert.equal(result.structured!.media_type, 'application/vnd.oci.image.index.v1+json');
      assert.deepEqual(
        result.structured!.platforms,
        expected.platforms.map((p) => ({
          platform: [p.os, p.architecture, p.variant].filter(Boolean).join('/'),
          digest: p.digest,
          size: p.manifestSize,
        })),
      );
      assert.deepEqual(result.structured!.attestations, ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']);
      assert.match(result.text, /^demo:latest: OCI index sha256:[0-9a-f]{64}, 3 platform\(s\): linux\/amd64, linux\/arm64\/v8, linux\/arm\/v7\./);
    });

    it('shows one platform\'s layers when asked, from an index or a manifest list', async () => {
      for (const tag of ['latest', 'list']) {
        const expected = rig().images['library/demo'][tag];
        const result = await server.callTool('docker_get_manifest', { image: `demo:${tag}`, platform: 'linux/arm64' });
        assert.equal(result.isError, false, result.text);
        const arm64 = expected.platforms[1];
        assert.equal(result.structured!.kind, 'image');
        assert.equal(result.structured!.digest, arm64.digest);
        assert.equal(result.structured!.index_digest, expected.digest);
        assert.equal(result.structured!.platform, 'linux/arm64/v8');
        assert.deepEqual(result.structured!.layers, arm64.layers.map((l) => ({ digest: l.digest, size: l.size })));
        assert.equal(result.structured!.compressed_size, arm64.compressedSize);
        assert.equal(result.structured!.config.size, arm64.configSize);
        assert.deepEqual(result.structured!.layer_media_types, [arm64.layers[0].mediaType]);
      }
    });

    it('shows a Docker schema2 manifest with config and layers', async () => {
      const expected = rig().images['library/demo'].schema2;
      const result = await server.callTool('docker_get_manifest', { image: 'demo:schema2' });
      assert.equal(result.structured!.media_type, 'application/vnd.docker.distribution.manifest.v2+json');
      assert.equal(result.structured!.config.digest, expected.configDigest);
      assert.equal(result.structured!.layers.length, expected.platforms[0].layers.length);
      assert.match(result.text, /Docker manifest v2/);
    });
  });

  describe('docker_inspect_image', () => {
    it('returns the config in Docker\'s field names and says which platform it used', async () => {
      const expected = rig().images['library/app']['1'].platforms[0];
      const result = await server.callTool('docker_inspect_image', { image: 'app:1' });
      assert.equal(result.isError, false, result.text);
      const s = result.structured!;
      assert.equal(s.digest, expected.digest);
      assert.equal(s.platform, 'linux/amd64');
      assert.equal(s.platform_choice, 'only');
      assert.deepEqual(s.config, {
        User: 'app',
        Env: expected.config.config.Env,
        Entrypoint: ['/app/app.sh'],
        Cmd: ['serve'],
        WorkingDir: '/app',
        ExposedPorts: ['8080/tcp'],
        Volumes: ['/data'],
        Labels: expected.config.config.Labels,
      });
      assert.equal(s.created, expected.created);
      assert.equal(s.layer_count, expected.layers.length);
      assert.equal(s.compressed_size, expected.compressedSize);
      assert.equal(s.config_size, expected.configSize);
      assert.match(result.text, /platform linux\/amd64 \(the only one\)/);
      assert.match(result.text, /Entrypoint \["\/app\/app\.sh"\], Cmd \["serve"\], User app, WorkingDir \/app/);
    });

    it('picks linux/amd64 from an index by default and names the other platforms', async () => {
      const result = await server.callTool('docker_inspect_image', { image: 'demo:latest' });
      assert.equal(result.structured!.platform_choice, 'default');
      assert.match(result.text, /platform linux\/amd64 \(default; also linux\/arm64\/v8, linux\/arm\/v7\)/);
    });

    it('keeps its output well under the upstream JSON it read', async () => {
      const expected = rig().images['library/demo'].latest;
      const amd64 = expected.platforms[0];
      const result = await server.callTool('docker_inspect_image', { image: 'demo:latest' });
      const upstream = expected.manifestSize + amd64.manifestSize + amd64.configSize;
      const structured = Buffer.byteLength(JSON.stringify(result.structured));
      assert.ok(structured * 2 < upstream, `structured ${structured} bytes vs upstream ${upstream}`);
      assert.ok(Buffer.byteLength(result.text) * 3 < upstream, `text ${Buffer.byteLength(result.text)} bytes vs upstream ${upstream}`);
    });
  });

  describe('docker_get_image_history', () => {
    it('lists every step in order, marks empty layers and pairs the others with their layer', async () => {
      const expected = rig().images['library/demo'].schema2.platforms[0];
      const result = await server.callTool('docker_get_image_history', { image: 'demo:schema2' });
      assert.equal(result.isError, false, result.text);
      const history = result.structured!.history as Array<Record<string, any>>;
      assert.deepEqual(history.map((h) => h.created_by), expected.config.history.map((h) => h.created_by));
      assert.deepEqual(
        history.map((h) => h.empty_layer === true),
        expected.config.history.map((h) => h.empty_layer === true),
      );
      const made = history.filter((h) => h.layer);
      assert.deepEqual(made.map((h) => h.layer), expected.layers.map((l) => ({ digest: l.digest, size: l.size })));
      assert.deepEqual(made.map((h) => h.created_by), expected.layers.map((l) => l.createdBy));
      assert.equal(result.structured!.empty_history_entries, history.length - expected.layers.length);
      assert.equal(history[0].created, expected.config.history[0].created);
      assert.match(result.text, /^demo:schema2 sha256:/);
      assert.match(result.text, /\[empty\] ARG A=b/);
    });
  });

  describe('docker_get_attestations', () => {
    it('summarises the SBOM and provenance of the default platform', async () => {
      const result = await server.callTool('docker_get_attestations', { image: 'demo:latest' });
      assert.equal(result.isError, false, result.text);
      const s = result.structured!;
      assert.equal(s.sbom, true);
      assert.equal(s.provenance, true);
      assert.equal(s.platform, 'linux/amd64');
      assert.deepEqual(s.attested_platforms, ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']);
      assert.equal(s.statements[0].package_count, 2);
      assert.equal(s.statements[1].build_type, 'https://mobyproject.org/buildkit@v1');
      assert.match(result.text, /- SBOM SPDX-2\.3, 2 package\(s\)/);
      assert.match(result.text, /- Provenance \(https:\/\/slsa\.dev\/provenance\/v0\.2\): builder not recorded, build type https:\/\/mobyproject\.org\/buildkit@v1, 1 input\(s\)/);
    });

    it('says a single platform manifest cannot tell, and which index to ask', async () => {
      const result = await server.callTool('docker_get_attestations', { image: 'demo:oci' });
      assert.equal(result.structured!.sbom, false);
      assert.match(result.text, /is a single OCI manifest: attestations are stored in the index .* cannot be told from it/);
      assert.deepEqual([...result.structured!.listed_by].sort(), ['demo:1.0', 'demo:latest']);
      assert.match(result.text, /ask about demo:(latest|1\.0) instead/);
      assert.doesNotMatch(result.text, /has no SBOM/);
    });
  });

  describe('errors', () => {
    it('answers a malformed image with INVALID_INPUT naming "image" and Docker\'s reason', async () => {
      const result = await server.callTool('docker_inspect_image', { image: 'Nginx:1.27' });
      assert.equal(result.isError, true);
      assert.equal(
        result.text,
        'INVALID_INPUT: argument "image" is not a valid image reference: invalid reference format: repository name (library/Nginx) must be lowercase',
      );
      const platform = await server.callTool('docker_get_manifest', { image: 'demo', platform: 'arm65' });
      assert.match(platform.text, /^INVALID_INPUT: argument "platform"/);
    });

    it('answers an unknown tag with NOT_FOUND and a missing platform with the ones there are', async () => {
      const missing = await server.callTool('docker_get_manifest', { image: 'demo:nope' });
      assert.equal(missing.text, 'NOT_FOUND: image demo:nope was not found; docker_list_tags lists the tags that exist.');
      const platform = await server.callTool('docker_get_image_history', { image: 'demo', platform: 'windows/amd64' });
      assert.equal(
        platform.text,
        'NOT_FOUND: image demo:latest has no windows/amd64 image; available platforms: linux/amd64, linux/arm64/v8, linux/arm/v7.',
      );
    });

    it('answers a private repository with UNAUTHORIZED and never shows a token', async () => {
      const anonymous = await server.callTool('docker_inspect_image', { image: 'alice/private-app:1' });
      assert.match(anonymous.text, /^UNAUTHORIZED: image alice\/private-app:1 is private or does not exist/);
      const alice = await startInProcess({ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: ALICE_DEFAULT_PAT, DOCKERHUB_MCP_LOG_LEVEL: 'debug' });
      try {
        const allowed = await alice.callTool('docker_inspect_image', { image: 'alice/private-app:1' });
        assert.equal(allowed.isError, false, allowed.text);
        const everything = [allowed.text, JSON.stringify(allowed.structured), ...alice.logs].join('\n');
        assert.ok(alice.logs.length > 0);
        assert.ok(!everything.includes(ALICE_DEFAULT_PAT));
        assert.ok(!/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/.test(everything), 'no JWT');
      } finally {
        await alice.close();
      }
    });
  });

  describe('cache tools', () => {
    it('reports cache use, upstream requests and the rate limit seen, then clears', async () => {
      await server.callTool('docker_inspect_image', { image: 'demo:latest' });
      await server.callTool('docker_inspect_image', { image: 'demo:latest' });
      const info = await server.callTool('docker_cache_info');
      assert.equal(info.isError, false, info.text);
      const s = info.structured!;
      const host = new URL(rig().registry.url).host;
      assert.equal(s.by_kind.manifest.entries, 2);
      assert.equal(s.by_kind.blob.entries, 1);
      assert.ok(s.by_kind.tagDigest.hits >= 1);
      assert.ok(s.upstream_requests[host] >= 4);
      const limit = rig().registry.proxy.rateLimit();
      assert.equal(s.rate_limits[host].limit, limit.limit);
      assert.equal(s.rate_limits[host].remaining, limit.remaining);
      assert.equal(s.rate_limits[host].window_seconds, limit.windowSeconds);
      assert.ok(info.text.includes(`Rate limits seen: ${host} ${limit.remaining}/${limit.limit} per ${limit.windowSeconds} s`), info.text);

      const cleared = await server.callTool('docker_cache_clear');
      assert.equal(cleared.isError, false, cleared.text);
      assert.ok(cleared.structured!.memory_entries >= 4);
      const after = await server.callTool('docker_cache_info');
      assert.equal(after.structured!.memory_entries, 0);
    });
  });

  describe('a tag that moves', () => {
    const tagOne = async (image: string) => {
      const listing = await server.callTool('docker_list_tags', { image });
      assert.equal(listing.isError, false, listing.text);
      return tagRows(listing.structured!).find((tag) => tag.name === '1')?.digest;
    };

    it('is revalidated by the tools about now, every answer says how old its look-up is, and all tools then agree', async () => {
      const first = await server.callTool('docker_get_manifest', { image: 'base:1' });
      assert.equal(first.isError, false, first.text);
      const before = first.structured!.digest as string;
      assert.match(first.structured!.resolved_at, /^\d{4}-\d\d-\d\dT/);
      assert.equal(await tagOne('base'), before);

      const moved = await rig().moveBase();
      assert.notEqual(moved.digest, before);

      // A tool not about now may answer from the cached look-up, and says when that look-up was made.
      const cached = await server.callTool('docker_analyze_layers', { image: 'base:1' });
      assert.equal(cached.structured!.resolved_at, first.structured!.resolved_at);

      rig().registry.resetCounts();
      const now = await server.callTool('docker_get_manifest', { image: 'base:1' });
      assert.equal(now.structured!.digest, moved.digest, 'get_manifest by tag revalidates');
      assert.equal(rig().registry.counts().manifestHead, 1, 'by one HEAD, which costs no pull');
      assert.equal(await tagOne('base'), moved.digest, 'list_tags agrees with get_manifest');
      const inspected = await server.callTool('docker_inspect_image', { image: 'base:1' });
      const layers = await server.callTool('docker_analyze_layers', { image: 'base:1' });
      assert.equal(layers.structured!.digest, inspected.structured!.digest, 'analyze_layers agrees too');
      assert.equal(layers.structured!.resolved_at, inspected.structured!.resolved_at, 'the latest look-up is the one every tool uses');
      assert.equal(inspected.structured!.index_digest ?? inspected.structured!.digest, moved.digest);
    });
  });
});
