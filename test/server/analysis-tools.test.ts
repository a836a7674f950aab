import { strict as assert } from 'node:assert';
import { TOOLS } from '../../server/src/tools';
import { parseArguments } from '../../server/src/tools/tool';
import type { CataloguePlatformImage } from '../rig/images';
import { rig } from '../rig/mocha-hooks';
import { failure, success } from './helpers/assertions';
import { startInProcess, type InProcessServer } from './helpers/inProcess';

const ANALYSIS_TOOLS = [
  'docker_analyze_layers',
  'docker_get_dockerfile',
  'docker_compare_images',
  'docker_estimate_pull_size',
  'docker_track_base_updates',
];

/** The image the rig pushed under repository:tag, for one platform (the first when not given). */
function pushed(repository: string, tag: string, platform?: string): CataloguePlatformImage {
  const entry = rig().images[repository]?.[tag];
  assert.ok(entry, `the rig has ${repository}:${tag}`);
  const image = platform
    ? entry.platforms.find((p) => [p.os, p.architecture, p.variant].filter(Boolean).join('/') === platform)
    : entry.platforms[0];
  assert.ok(image, `the rig has ${repository}:${tag} for ${platform}`);
  return image;
}

const sizeOf = (image: CataloguePlatformImage) => image.layers.reduce((sum, layer) => sum + layer.size, 0);

/** Non-comment lines of a Dockerfile with `\`-continuations joined, as Docker's parser reads it. */
function instructionsOf(dockerfile: string): string[] {
  return dockerfile
    .replace(/\\\n/g, '')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'));
}

describe('analysis tools against the rig registry', () => {
  let server: InProcessServer;
  const call = (name: string, args: Record<string, unknown>) => server.callTool(name, args);

  // A fresh server per test: its memory cache then never hides a base that a test moves.
  beforeEach(async () => {
    server = await startInProcess();
  });
  afterEach(async () => {
    await server.close();
  });

  it('lists the five analysis tools as read-only, with output schemas and examples that validate', async () => {
    const { tools } = await server.client.listTools();
    for (const name of ANALYSIS_TOOLS) {
      const tool = tools.find((t) => t.name === name);
      assert.ok(tool, `${name} is listed`);
      assert.equal(tool.annotations?.readOnlyHint, true);
      assert.notEqual(tool.annotations?.openWorldHint, false, 'open world (the spec default when absent)');
      assert.equal(tool.outputSchema?.type, 'object');
      assert.ok(tool.description && tool.description.length > 60, `${name} has a description for the model`);
      const definition = TOOLS.find((t) => t.name === name)!;
      assert.doesNotThrow(() => parseArguments(definition, definition.example), `${name}'s example is a valid call`);
    }
  });

  describe('docker_analyze_layers', () => {
    it('lists the demo index\'s default platform layers with sizes, instructions and totals', async () => {
      const amd64 = pushed('library/demo', 'latest', 'linux/amd64');
      const result = success(await call('docker_analyze_layers', { image: 'demo:latest' }));
      assert.equal(result.image, 'demo:latest');
      assert.equal(result.platform, 'linux/amd64');
      assert.equal(result.digest, amd64.digest);
      assert.equal(result.layer_count, 3);
      assert.equal(result.compressed_size, sizeOf(amd64));
      assert.equal(result.empty_history_entries, amd64.config.history.length - 3);
      assert.deepEqual(
        result.layers.map((l: any) => [l.index, l.digest, l.size]),
        amd64.layers.map((l, i) => [i, l.digest, l.size]),
      );
      assert.match(result.layers[0].instruction, /^ADD file:[0-9a-f]{64} in \/$/);
      assert.equal(result.layers[1].instruction, 'COPY hello /bin/hello');
      assert.equal(result.layers[2].instruction, 'RUN echo "demo app payload" > /app/app.txt');
      const percents = result.layers.reduce((sum: number, l: any) => sum + l.percent, 0);
      assert.ok(Math.abs(percents - 100) < 0.2, `percentages add up to 100 (${percents})`);
      assert.equal(result.truncated, false);
      assert.ok(result.notes.some((n: string) => /Platform chosen: linux\/amd64 \(default/.test(n)));
    });

    it('sort "size" with limit 1 gives the largest layer and says the list was cut', async () => {
      const arm64 = pushed('library/demo', 'latest', 'linux/arm64/v8');
      const largest = Math.max(...arm64.layers.map((l) => l.size));
      const outcome = await call('docker_analyze_layers', { image: 'demo:latest', platform: 'linux/arm64', sort: 'size', limit: 1 });
      const result = success(outcome);
      assert.equal(result.digest, arm64.digest);
      assert.equal(result.layers.length, 1);
      assert.equal(result.layers[0].size, largest);
      assert.equal(result.truncated, true);
      assert.match(outcome.text, /Layers by size \(first 1\):/);
    });

    it('turns the classic builder\'s |2 A=b C=d RUN into RUN make', async () => {
      const result = success(await call('docker_analyze_layers', { image: 'demo:schema2' }));
      assert.deepEqual(
        result.layers.map((l: any) => l.instruction?.split(' ')[0]),
        ['ADD', 'RUN', 'COPY'],
      );
      assert.equal(result.layers[1].instruction, 'RUN make');
    });

    it('an unknown image is NOT_FOUND and a bad sort is INVALID_INPUT', async () => {
      failure(await call('docker_analyze_layers', { image: 'library/nothing-here:1' }), 'NOT_FOUND');
      const text = failure(await call('docker_analyze_layers', { image: 'demo', sort: 'biggest' }), 'INVALID_INPUT');
      assert.match(text, /argument "sort"/);
    });
  });

  describe('docker_get_dockerfile', () => {
    it('starts app:1 FROM its labelled base, leaves out the base\'s entries and adds the RUN\'s build args as ARGs', async () => {
      const base = pushed('library/base', '1');
      const outcome = await call('docker_get_dockerfile', { image: 'app:1' });
      const result = success(outcome);
      assert.deepEqual(result.base, { name: 'docker.io/library/base:1', digest: base.digest, instructions_left_out: 2 });
      assert.deepEqual(instructionsOf(result.dockerfile), [
        `FROM docker.io/library/base:1@${base.digest}`,
        'ARG APP_VERSION=1.0',
        'LABEL org.opencontainers.image.version=1.0',
        'ENV APP_HOME=/app APP_VERSION=1.0',
        'WORKDIR /app',
        'COPY app.sh /app/app.sh',
        'ARG A=b',
        'ARG C=d',
        'RUN make',
        'VOLUME ["/data"]',
        'EXPOSE 8080/tcp',
        'USER app',
        'ENTRYPOINT ["/app/app.sh"]',
        'CMD ["serve"]',
      ]);
      assert.equal(result.instruction_count, 13);
      assert.match(result.dockerfile, /^# Reconstructed from the image history of app:1 \(linux\/amd64, sha256:/);
      assert.match(outcome.text, /```dockerfile\n# Reconstructed/);
    });

    it('reads the base as built on, so a base that moved since changes nothing', async () => {
      const original = pushed('library/base', '1');
      await rig().moveBase();
      const result = success(await call('docker_get_dockerfile', { image: 'app:1' }));
      assert.equal(result.base.digest, original.digest);
      assert.equal(result.base.instructions_left_out, 2);
      assert.ok(!result.dockerfile.includes('ADD file:'));
    });

    it('without base labels, app2:1 starts FROM scratch (its history begins with ADD file:… in /) and keeps the base\'s own instructions', async () => {
      const result = success(await call('docker_get_dockerfile', { image: 'app2:1' }));
      assert.equal(result.base, null);
      const lines = instructionsOf(result.dockerfile);
      assert.equal(lines[0], 'FROM scratch');
      assert.match(lines[1], /^ADD file:[0-9a-f]{64} in \/$/);
      assert.deepEqual(lines.slice(2, 5), ['CMD ["/bin/sh"]', 'ENV APP2_MODE=worker', 'WORKDIR /srv']);
      assert.match(lines[5], /^COPY file:[0-9a-f]{64} in \/srv\/$/);
      assert.equal(lines[6], 'CMD ["/srv/run"]');
      assert.ok(result.notes.some((n: string) => /base image is not recorded/.test(n)));
      assert.ok(result.notes.some((n: string) => /2 COPY\/ADD lines name their source by content hash/.test(n)));
    });

    it('base:1, whose first step is ADD file:… in /, starts FROM scratch; no note is repeated as a comment', async () => {
      const outcome = await call('docker_get_dockerfile', { image: 'base:1' });
      const result = success(outcome);
      const lines = instructionsOf(result.dockerfile);
      assert.equal(lines[0], 'FROM scratch');
      assert.match(lines[1], /^ADD file:[0-9a-f]{64} in \/$/);
      assert.doesNotMatch(result.dockerfile, /<unknown base>/);
      const comments = result.dockerfile.split('\n').filter((line: string) => line.startsWith('#'));
      assert.equal(comments.length, 1, comments.join('\n'));
      for (const note of result.notes) {
        const words = note.split(/[:;(]/)[0];
        assert.ok(!comments.some((comment: string) => comment.includes(words)), `note repeated as a comment: ${note}`);
        assert.equal(outcome.text.split(words).length - 1, 1, `said once in the text: ${words}`);
      }
    });
  });

  describe('docker_compare_images', () => {
    it('base:1 vs app:1: one shared bottom layer, the app\'s own layers with instructions, config differences', async () => {
      const base = pushed('library/base', '1');
      const app = pushed('library/app', '1');
      const outcome = await call('docker_compare_images', { image_a: 'base:1', image_b: 'app:1' });
      const result = success(outcome);
      assert.equal(result.identical, false);
      assert.deepEqual(result.shared_layers, { count: 1, size: base.layers[0].size });
      assert.equal(result.common_prefix, 1);
      assert.equal(result.only_in_a.count, 0);
      assert.deepEqual(
        result.only_in_b.layers.map((l: any) => [l.index, l.digest, l.instruction]),
        [
          [1, app.layers[1].digest, 'COPY app.sh /app/app.sh'],
          [2, app.layers[2].digest, 'RUN make'],
        ],
      );
      assert.equal(result.compressed_size_delta, sizeOf(app) - sizeOf(base));
      const difference = (field: string, key: string | null = null) =>
        result.config_differences.find((d: any) => d.field === field && d.key === key);
      assert.deepEqual(difference('user'), { field: 'user', key: null, a: null, b: 'app' });
      assert.deepEqual(difference('cmd'), { field: 'cmd', key: null, a: '["/bin/sh"]', b: '["serve"]' });
      assert.deepEqual(difference('exposed_ports'), { field: 'exposed_ports', key: null, a: null, b: '8080/tcp' });
      assert.deepEqual(difference('env', 'APP_HOME'), { field: 'env', key: 'APP_HOME', a: null, b: '/app' });
      assert.equal(difference('env', 'PATH'), undefined);
      assert.equal(difference('labels', 'org.opencontainers.image.base.name').b, 'docker.io/library/base:1');
      assert.equal(result.config_differences_total, result.config_differences.length);
      assert.match(outcome.text, /Only in b: 2 layer\(s\)/);
    });

    it('the demo index\'s amd64 entry and demo:oci are the same image', async () => {
      const result = success(await call('docker_compare_images', { image_a: 'demo:latest', image_b: 'demo:oci', platform: 'linux/amd64' }));
      assert.equal(result.identical, true);
      assert.equal(result.compressed_size_delta, 0);
      assert.deepEqual(result.config_differences, []);
      assert.equal(result.only_in_a.count + result.only_in_b.count, 0);
    });

    it('names the argument that is not a reference', async () => {
      const text = failure(await call('docker_compare_images', { image_a: 'demo', image_b: 'Not A Reference' }), 'INVALID_INPUT');
      assert.match(text, /argument "image_b"/);
    });
  });

  describe('docker_estimate_pull_size', () => {
    it('with nothing held, app:1 downloads all its layers', async () => {
      const app = pushed('library/app', '1');
      const result = success(await call('docker_estimate_pull_size', { image: 'app:1' }));
      assert.deepEqual(result.download, { count: 3, size: sizeOf(app) });
      assert.deepEqual(result.held, { count: 0, size: 0 });
      assert.equal(result.config_size, app.configSize);
      assert.equal(result.have, null);
    });

    it('holding base:1 saves its layer; a held digest saves that layer too', async () => {
      const app = pushed('library/app', '1');
      const base = pushed('library/base', '1');
      const outcome = await call('docker_estimate_pull_size', { image: 'app:1', have: 'base:1', have_digests: [app.layers[2].digest] });
      const result = success(outcome);
      assert.deepEqual(result.held, { count: 2, size: base.layers[0].size + app.layers[2].size });
      assert.deepEqual(result.download, { count: 1, size: app.layers[1].size });
      assert.deepEqual(
        result.layers_to_download.map((l: any) => l.digest),
        [app.layers[1].digest],
      );
      assert.equal(result.have.digest, base.digest);
      assert.equal(result.have_digests_matched, 1);
      assert.match(outcome.text, /Already held: 2 layer\(s\)/);
    });

    it('refuses a held digest that is not a digest, naming it', async () => {
      const text = failure(await call('docker_estimate_pull_size', { image: 'app:1', have_digests: ['sha256:short'] }), 'INVALID_INPUT');
      assert.match(text, /argument "have_digests\.0"/);
    });
  });

  describe('docker_track_base_updates', () => {
    it('app:1 names its base by labels; built on the current base:1, so it has not moved', async () => {
      const base = pushed('library/base', '1');
      const result = success(await call('docker_track_base_updates', { image: 'app:1' }));
      assert.equal(result.detected_by, 'labels');
      assert.equal(result.base, 'base:1');
      assert.equal(result.built_on_digest, base.digest);
      assert.equal(result.current_digest, base.digest);
      assert.equal(result.moved, false);
      assert.equal(result.base_layer_count, 1);
      assert.equal(result.layer_count, 3);
    });

    it('after base:1 moves, app:1 reports moved, the new digest, and the layers of the base it was built on', async () => {
      const original = pushed('library/base', '1');
      const moved = await rig().moveBase();
      const outcome = await call('docker_track_base_updates', { image: 'app:1' });
      const result = success(outcome);
      assert.equal(result.moved, true);
      assert.equal(result.built_on_digest, original.digest);
      assert.equal(result.current_digest, moved.digest);
      assert.notEqual(moved.digest, original.digest);
      assert.equal(result.base_layer_count, 1);
      assert.equal(result.common_prefix, 0);
      assert.match(outcome.text, /HAS MOVED/);
    });

    it('app2:1 has no labels: no base without a candidate, a full layer-prefix match with base:1', async () => {
      const none = success(await call('docker_track_base_updates', { image: 'app2:1' }));
      assert.equal(none.detected_by, 'none');
      assert.equal(none.base, null);
      assert.equal(none.moved, null);
      assert.ok(none.notes.some((n: string) => /Pass base/.test(n)));

      const matched = success(await call('docker_track_base_updates', { image: 'app2:1', base: 'base:1' }));
      assert.equal(matched.detected_by, 'layer-prefix');
      assert.equal(matched.moved, false);
      assert.equal(matched.base_layer_count, 1);
      assert.equal(matched.current_digest, pushed('library/base', '1').digest);
    });

    it('a candidate sharing no bottom layer is not taken for the base', async () => {
      const result = success(await call('docker_track_base_updates', { image: 'app2:1', base: 'demo:oci' }));
      assert.equal(result.detected_by, 'none');
      assert.equal(result.moved, null);
      assert.equal(result.common_prefix, 0);
      assert.equal(result.base_layer_count, null);
    });

    it('a sibling sharing only a root layer is a common ancestor, not a base that moved', async () => {
      const outcome = await call('docker_track_base_updates', { image: 'demo:schema2', base: 'demo:oci' });
      const result = success(outcome);
      assert.equal(result.relation, 'common-ancestor');
      assert.equal(result.moved, null);
      assert.equal(result.common_prefix, 1);
      assert.equal(result.base_layer_count, null);
      assert.equal(result.detected_by, 'none');
      assert.doesNotMatch(outcome.text, /HAS MOVED|earlier version/);
      assert.match(outcome.text, /common ancestor, not this base: they share 1 first layer/);
    });

    it('svc:1 has no base labels: its provenance names base:1 and the digest it was built on', async () => {
      const base = pushed('library/base', '1');
      const result = success(await call('docker_track_base_updates', { image: 'svc:1' }));
      assert.equal(result.detected_by, 'provenance');
      assert.equal(result.base, 'base:1');
      assert.equal(result.relation, 'base');
      assert.equal(result.built_on_digest, base.digest);
      assert.equal(result.moved, false);
      assert.equal(result.base_layer_count, 1);
    });

    it('after base:1 moves, svc:1 reports the move from its provenance digest', async () => {
      const original = pushed('library/base', '1');
      await rig().moveBase();
      const outcome = await call('docker_track_base_updates', { image: 'svc:1' });
      const result = success(outcome);
      assert.equal(result.detected_by, 'provenance');
      assert.equal(result.moved, true);
      assert.equal(result.relation, 'base');
      assert.equal(result.built_on_digest, original.digest);
      assert.equal(result.base_layer_count, 1);
      assert.match(outcome.text, /HAS MOVED/);
    });

    it('demo reads the base its provenance names and says it is not this base, rather than "not detected"', async () => {
      const outcome = await call('docker_track_base_updates', { image: 'demo' });
      const result = success(outcome);
      assert.equal(result.base, 'base:1');
      assert.equal(result.relation, 'unrelated');
      assert.equal(result.moved, null);
      assert.doesNotMatch(outcome.text, /not detected/);
    });

    it('a candidate that does not exist is NOT_FOUND', async () => {
      failure(await call('docker_track_base_updates', { image: 'app2:1', base: 'library/nothing-here:1' }), 'NOT_FOUND');
    });
  });
});
