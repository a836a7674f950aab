import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { DockerMcpError } from '../../server/src/errors';
import {
  hubPageSchema,
  hubRepositoryListEntrySchema,
  hubRepositorySchema,
  hubTagImageSchema,
  hubTagSchema,
} from '../../server/src/hub/types';
import { parseManifest } from '../../server/src/registry/manifest';
import { parseReference } from '../../server/src/registry/reference';
import { startHubEmulator, type HubEmulator } from '../rig/hub/emulator';
import { hostileRegistry, recordingServer, type RecordingServer } from '../rig/hostileUpstream';
import { ALICE_DEFAULT_PAT } from '../rig/images';
import { rig } from '../rig/mocha-hooks';
import { blobOf } from '../rig/registry/imageBuilder';
import { failure, success } from './helpers/assertions';
import { startInProcess, type InProcessServer } from './helpers/inProcess';

/*
 * Issue 14 item 5: upstream replies are parsed with zod at the client boundary, not cast. The schemas must read the
 * recorded replies of the real services field for field, and a reply that does not fit is UPSTREAM_ERROR in words.
 */

const FIXTURES = join(__dirname, '..', 'reference', 'fixtures');
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

/** Every field the schema reads that the recorded reply has (non-null) comes through unchanged. */
function assertReadsEveryField(schema: z.ZodObject, raw: Record<string, unknown>, parsed: Record<string, unknown>, where: string): void {
  for (const key of Object.keys(schema.shape)) {
    if (raw[key] === undefined || raw[key] === null) continue;
    if (key === 'images' || key === 'results') continue;
    assert.deepEqual(parsed[key], raw[key], `${where}: ${key}`);
  }
}

describe('upstream replies are parsed, not cast (issue 14 item 5)', () => {
  describe('the schemas read the recorded Docker Hub replies field for field', () => {
    for (const name of ['hub-repository-info-openapi-example.json', 'hub-repository-library-ubuntu-2021.json', 'hub-repository-ollama-ollama-2025.json']) {
      it(`repository: ${name}`, () => {
        const raw = fixture(name);
        assertReadsEveryField(hubRepositorySchema, raw, hubRepositorySchema.parse(raw), name);
      });
    }
    for (const name of ['hub-namespace-repositories-blacklanternsecurity.json', 'hub-namespace-repositories-docker-openapi-example.json']) {
      it(`repository list: ${name}`, () => {
        const raw = fixture(name);
        const page = hubPageSchema(hubRepositoryListEntrySchema).parse(raw);
        const results = raw.results as Record<string, unknown>[];
        assert.equal(page.results.length, results.length);
        assert.equal(page.count, raw.count);
        results.forEach((entry, i) => assertReadsEveryField(hubRepositoryListEntrySchema, entry, page.results[i], `${name} #${i}`));
      });
    }
    for (const name of ['hub-tags-page-dotcms-dotcms-test.raw.json', 'hub-tags-page-library-ubuntu-devel-2024.json', 'hub-tag-ollama-ollama-gguf-2025.json']) {
      it(`tags: ${name}`, () => {
        const raw = fixture(name);
        const tags = 'results' in raw ? (raw.results as Record<string, unknown>[]) : [raw];
        const parsed = 'results' in raw ? hubPageSchema(hubTagSchema).parse(raw).results : [hubTagSchema.parse(raw)];
        assert.ok(tags.length > 0);
        tags.forEach((tag, i) => {
          assertReadsEveryField(hubTagSchema, tag, parsed[i], `${name} #${i}`);
          const images = tag.images as Record<string, unknown>[];
          assert.equal(parsed[i].images.length, images.length);
          images.forEach((image, j) => assertReadsEveryField(hubTagImageSchema, image, parsed[i].images[j], `${name} #${i} image ${j}`));
        });
      });
    }
  });

  describe('the registry\'s manifests', () => {
    const reference = parseReference('example.test/app:1');
    const digest = `sha256:${'a'.repeat(64)}`;
    const manifest = (body: unknown) => () => parseManifest(Buffer.from(JSON.stringify(body)), reference, digest);
    const upstreamError = (pattern: RegExp) => (err: unknown) => err instanceof DockerMcpError && err.code === 'UPSTREAM_ERROR' && pattern.test(err.message);

    it('a layer whose size is not a number is UPSTREAM_ERROR naming the field, not a wrong size', () => {
      const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: '1024' };
      assert.throws(
        manifest({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: 2 }, layers: [layer] }),
        upstreamError(/^The registry answered the manifest of example\.test\/app:1 \(sha256:a+\) with a reply that cannot be read \(field layers\.0\.size: .*\); try again later/),
      );
    });

    it('an index whose manifests is not a list, or an entry without a digest, is UPSTREAM_ERROR', () => {
      assert.throws(manifest({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: 'all of them' }), upstreamError(/field manifests:/));
      assert.throws(
        manifest({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 5 }] }),
        upstreamError(/field manifests\.0\.digest:/),
      );
    });
  });

  describe('against upstreams that send malformed replies', () => {
    let hub: RecordingServer;
    let scout: RecordingServer;
    let emulator: HubEmulator;
    let registry: Awaited<ReturnType<typeof hostileRegistry>>;
    let server: InProcessServer;
    let scoutServer: InProcessServer;

    before(async () => {
      hub = await recordingServer((request, response) => {
        const path = request.url ?? '';
        const body = path.startsWith('/api/search/v4')
          ? { total: 1, results: [{ badge: 'official' }] }
          : path.includes('/tags')
            ? { count: 3, results: 'three tags' }
            : { name: 42, namespace: 'acme' };
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      });
      scout = await recordingServer((_, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ data: { imageSummariesByDigest: [{ digest: 7, sbomState: 'INDEXED' }] } }));
      });
      emulator = await startHubEmulator({ images: rig().images, users: rig().users });
      registry = await hostileRegistry();
      const config = blobOf(Buffer.from('{"architecture":"amd64","os":"linux","config":{"Env":"not a list"},"rootfs":{"type":"layers","diff_ids":[]}}'), 'application/vnd.oci.image.config.v1+json');
      const image = blobOf(
        Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: config.mediaType, digest: config.digest, size: config.size }, layers: [] })),
        'application/vnd.oci.image.manifest.v1+json',
      );
      registry.publish('acme/app', '1', image, [config]);
      server = await startInProcess({ DOCKERHUB_API_URL: hub.url, DOCKERHUB_MCP_REGISTRY_ENDPOINTS: `odd.test=${registry.url}` });
      scoutServer = await startInProcess({
        DOCKERHUB_API_URL: emulator.url,
        DOCKERHUB_SCOUT_URL: scout.url,
        DOCKERHUB_USERNAME: 'alice',
        DOCKERHUB_TOKEN: ALICE_DEFAULT_PAT,
      });
    });

    after(async () => {
      await Promise.all([server?.close(), scoutServer?.close()]);
      await Promise.all([hub?.close(), scout?.close(), emulator?.stop(), registry?.close()]);
    });

    it('a repository whose name is not text is UPSTREAM_ERROR saying which field', async () => {
      const text = failure(await server.callTool('docker_get_image_details', { image: 'acme/app' }), 'UPSTREAM_ERROR');
      assert.match(text, /Docker Hub answered repository acme\/app on Docker Hub with a reply that cannot be read \(field name: [^)]*\); try again later/);
    });

    it('a tag page whose results are not a list is UPSTREAM_ERROR, not "no tags"; a tag without a name too', async () => {
      const page = failure(await server.callTool('docker_list_tags', { image: 'acme/app' }), 'UPSTREAM_ERROR');
      assert.match(page, /Docker Hub answered the tags of repository acme\/app on Docker Hub with a reply that cannot be read \(field results:/);
      const tag = failure(await server.callTool('docker_get_tag_details', { image: 'acme/app:1' }), 'UPSTREAM_ERROR');
      assert.match(tag, /Docker Hub answered tag "1" of repository acme\/app on Docker Hub with a reply that cannot be read \(field name:/);
    });

    it('a search hit without a name is UPSTREAM_ERROR', async () => {
      const text = failure(await server.callTool('docker_search_images', { query: 'app' }), 'UPSTREAM_ERROR');
      assert.match(text, /Docker Hub answered the Docker Hub search for "app" with a reply that cannot be read \(field results\.0\.name:/);
    });

    it('a Scout summary whose digest is not text is UPSTREAM_ERROR naming Docker Scout', async () => {
      const text = failure(await scoutServer.callTool('docker_get_vulnerabilities', { image: 'demo:1.0' }), 'UPSTREAM_ERROR');
      assert.match(text, /Docker Scout answered Docker Scout data for demo:1\.0 \(sha256:[0-9a-f]{64}\) with a reply that cannot be read \(field imageSummariesByDigest\.0\.digest:/);
    });

    it('an image config field of the wrong type is left out; the rest of the config still answers', async () => {
      const inspected = success(await server.callTool('docker_inspect_image', { image: 'odd.test/acme/app:1' }));
      assert.equal(inspected.platform, 'linux/amd64');
      assert.equal(inspected.config.Env, undefined);
    });
  });
});
