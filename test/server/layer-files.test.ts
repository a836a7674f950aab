import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  buildBrokenGzip,
  buildIncompressible,
  buildLarge,
  buildLayered,
  imageOf,
  LARGE_FILE,
  LAYERED_SPECS,
  LONG_PATH,
  type LayerFile,
  type LayerSpec,
} from '../rig/layerImages';
import { rig } from '../rig/mocha-hooks';
import { failure, success } from './helpers/assertions';
import { startInProcess, type InProcessServer } from './helpers/inProcess';

const BUNDLE = join(__dirname, '..', '..', 'server', 'dist', 'index.js');

/** The kernel's high-water mark of a process's resident memory, in bytes. */
function peakRss(pid: number): number {
  const line = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1]) * 1024;
}

/*
 * Expected values are computed here from the layer descriptions the rig built, with a flat path map rather than the
 * server's tree, so a mistake in one does not hide in the other.
 */
interface Expected {
  type: string;
  size: number;
  layer: number;
}

const sizeOf = (file: LayerFile) => (file.type === 'file' ? file.content.length : 0);

function parentsOf(path: string): string[] {
  const segments = path.split('/');
  return segments.slice(0, -1).map((_, depth) => segments.slice(0, depth + 1).join('/'));
}

/** The OCI changeset rules on a map of path → what is there. */
function expectedTree(specs: LayerSpec[], opaque = true): Map<string, Expected> {
  const tree = new Map<string, Expected>();
  const removeUnder = (path: string, self: boolean) => {
    for (const key of [...tree.keys()]) if ((self && key === path) || key.startsWith(`${path}/`)) tree.delete(key);
  };
  specs.forEach((spec, layer) => {
    for (const file of spec.files) {
      if (file.type === 'whiteout') removeUnder(file.path, true);
      if (file.type === 'opaque' && opaque) removeUnder(file.path, false);
    }
    for (const file of spec.files) {
      if (file.type === 'whiteout' || file.type === 'opaque') continue;
      for (const parent of parentsOf(file.path)) if (!tree.has(parent)) tree.set(parent, { type: 'dir', size: 0, layer });
      if (file.type === 'dir' && tree.get(file.path)?.type === 'dir') tree.get(file.path)!.layer = layer;
      else tree.set(file.path, { type: file.type, size: sizeOf(file), layer });
    }
  });
  return tree;
}

function bytesUnder(tree: Map<string, Expected>, path: string): number {
  let bytes = 0;
  for (const [key, value] of tree) if (key === path || key.startsWith(`${path}/`)) bytes += value.type === 'file' ? value.size : 0;
  return bytes;
}

/** dive's efficiency.go on path maps: leaves of each layer's own tree; whiteouts sized against the layers below. */
function expectedEfficiency(specs: LayerSpec[]) {
  const copies = new Map<string, number[]>();
  specs.forEach((spec, layer) => {
    const below = expectedTree(specs.slice(0, layer), false);
    const named = spec.files.filter((file) => file.type !== 'opaque');
    const ancestors = new Set(spec.files.flatMap((file) => parentsOf(file.path)));
    for (const file of named) {
      if (ancestors.has(file.path)) continue;
      const size =
        file.type === 'whiteout' ? (below.get(file.path)?.type === 'dir' ? bytesUnder(below, file.path) : 0) : sizeOf(file);
      copies.set(file.path, [...(copies.get(file.path) ?? []), size]);
    }
  });
  let minimum = 0;
  let cumulative = 0;
  let wasted = 0;
  for (const sizes of copies.values()) {
    const sum = sizes.reduce((a, b) => a + b, 0);
    minimum += Math.min(...sizes);
    cumulative += sum;
    if (sizes.length > 1) wasted += sum;
  }
  const layerBytes = specs.flatMap((spec) => spec.files).reduce((sum, file) => sum + sizeOf(file), 0);
  const imageBytes = [...expectedTree(specs).values()].reduce((sum, entry) => sum + (entry.type === 'file' ? entry.size : 0), 0);
  return { score: minimum / cumulative, wasted, removable: layerBytes - imageBytes, layerBytes, imageBytes };
}

describe('layer file tools against real layers in the rig registry', function () {
  this.timeout(60_000);
  let server: InProcessServer;
  let cacheDir: string;
  const call = (name: string, args: Record<string, unknown>) => server.callTool(name, args);
  /** Layer blobs fetched from the rig's CDN (the image config comes that way too and is left out). */
  const cdnGets = () =>
    rig()
      .registry.proxy.requests()
      .filter((request) => request.kind === 'cdnGet' && layerHexes().some((hex) => request.path.includes(hex)));
  const layerHexes = () =>
    Object.values(rig().images)
      .flatMap((tags) => Object.values(tags))
      .flatMap((tag) => tag.platforms.flatMap((platform) => platform.layers.map((layer) => layer.digest.slice(7))));

  before(async () => {
    const layered = await buildLayered();
    await rig().push('library/layered', layered.built, ['1']);
    await rig().push('library/layered', imageOf(layered.built.layers.slice(0, 2)), ['2']);
    await rig().push('library/large', await buildLarge(), ['1']);
    await rig().push('library/slow', await buildIncompressible(6), ['1']);
    const broken = await buildBrokenGzip();
    await rig().push('library/broken', broken.truncated, ['truncated']);
    await rig().push('library/broken', broken.corrupt, ['corrupt']);
  });

  beforeEach(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'layer-files-'));
    server = await startInProcess({ DOCKERHUB_MCP_CACHE_DIR: cacheDir });
  });
  afterEach(async () => {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('lists the merged tree as the OCI rules give it: whiteouts, opaque directory, links, PAX long name', async () => {
    const expected = expectedTree(LAYERED_SPECS);
    const result = success(await call('docker_list_image_files', { image: 'layered:1', path: '**', limit: 1000 }));
    const listed = new Map(result.entries.map((entry: any) => [entry.path, entry]));
    assert.deepEqual([...listed.keys()].sort(), [...expected.keys()].sort());
    for (const [path, want] of expected) {
      const got = listed.get(path) as any;
      assert.equal(got.type, want.type, path);
      assert.equal(got.layer, want.layer, `${path} last written by layer ${want.layer}`);
      assert.equal(got.size, want.type === 'dir' ? bytesUnder(expected, path) : want.size, path);
    }
    assert.ok(listed.has(LONG_PATH) && LONG_PATH.length > 100, 'the PAX long name is read whole');
    assert.equal((listed.get('bin/tool-hard') as any).link, 'bin/tool');
    assert.ok(!listed.has('bin/tool-link') && !listed.has('var/cache') && !listed.has('opt/data/old1'));
    assert.deepEqual(result.coverage.layers_read, [0, 1, 2]);
    assert.equal(result.coverage.bytes_downloaded, rig().images['library/layered']['1'].platforms[0].layers.reduce((s, l) => s + l.size, 0));
    assert.match(result.coverage ? (await call('docker_list_image_files', { image: 'layered:1', path: '/etc' })).text : '', /etc\/app\.conf .*layer 2/);
  });

  it('pages the same entries by cursor, each once, until next_cursor is null', async () => {
    const whole = success(await call('docker_list_image_files', { image: 'layered:1', path: '**', limit: 1000 }));
    const paths: string[] = [];
    let cursor: string | undefined;
    for (let page = 1; page <= whole.total; page++) {
      const outcome = await call('docker_list_image_files', { image: 'layered:1', path: '**', limit: 3, ...(cursor ? { cursor } : {}) });
      const answer = success(outcome);
      assert.equal(answer.page, page);
      paths.push(...answer.entries.map((entry: any) => entry.path));
      cursor = answer.next_cursor ?? undefined;
      if (cursor) assert.ok(outcome.text.includes(`cursor "${cursor}"`), 'the text gives the cursor too');
      else break;
    }
    assert.deepEqual(paths, whole.entries.map((entry: any) => entry.path));
    assert.ok(whole.total > 6, 'several pages were walked');
  });

  it('lists one directory with sizes of what is beneath, and one layer with its whiteouts and opaque marker', async () => {
    const expected = expectedTree(LAYERED_SPECS);
    const root = success(await call('docker_list_image_files', { image: 'layered:1' }));
    const bin = root.entries.find((entry: any) => entry.path === 'bin');
    assert.equal(bin.size, bytesUnder(expected, 'bin'));
    assert.equal(bin.files, 1);
    const layer1 = success(await call('docker_list_image_files', { image: 'layered:1', layer: 1, path: '**' }));
    const types = layer1.entries.map((entry: any) => `${entry.type} ${entry.path}`);
    assert.ok(types.includes('whiteout var/cache'));
    assert.ok(types.includes('opaque opt/data'));
    failure(await call('docker_list_image_files', { image: 'layered:1', layer: 3 }), 'INVALID_INPUT');
  });

  it('finds which layers add, change and delete matching paths, oldest first', async () => {
    const conf = success(await call('docker_find_in_image', { image: 'layered:1', pattern: 'app.conf' }));
    assert.deepEqual(
      conf.changes.map((found: any) => [found.layer, found.change, found.size]),
      LAYERED_SPECS.flatMap((spec, layer) =>
        spec.files.filter((file) => file.path === 'etc/app.conf').map((file) => [layer, layer === 0 ? 'added' : 'changed', sizeOf(file)]),
      ),
    );
    const deleted = success(await call('docker_find_in_image', { image: 'layered:1', pattern: '/opt/data/*' }));
    assert.deepEqual(
      deleted.changes.map((found: any) => `${found.layer} ${found.change} ${found.path}`),
      ['0 added opt/data/old1', '0 added opt/data/old2', '1 deleted opt/data/old1', '1 deleted opt/data/old2', '1 added opt/data/new1'],
    );
    const log = success(await call('docker_find_in_image', { image: 'layered:1', pattern: 'tmp/build.log' }));
    assert.deepEqual(log.changes.map((found: any) => `${found.layer} ${found.change}`), ['1 added', '2 deleted']);
  });

  it('computes dive\'s efficiency and wasted bytes, the removable bytes, top paths and the CI verdict', async () => {
    const want = expectedEfficiency(LAYERED_SPECS);
    assert.ok(want.wasted > 0 && want.score < 1, 'the image has waste to find');
    const result = success(
      await call('docker_analyze_efficiency', { image: 'layered:1', lowest_efficiency: 0.99, highest_wasted_bytes: want.wasted }),
    );
    assert.equal(result.wasted_bytes, want.wasted);
    assert.ok(Math.abs(result.efficiency - want.score) < 1e-12, `${result.efficiency} vs ${want.score}`);
    assert.equal(result.removable_bytes, want.removable);
    assert.equal(result.layer_file_bytes, want.layerBytes);
    assert.equal(result.image_file_bytes, want.imageBytes);
    const conf = result.top_wasted.find((path: any) => path.path === 'etc/app.conf');
    assert.deepEqual(conf.copies.map((copy: any) => copy.layer), [0, 1, 2]);
    assert.equal(result.verdict.result, 'fail');
    assert.deepEqual(result.verdict.checks.map((check: any) => [check.rule, check.pass]), [
      ['lowest_efficiency', false],
      ['highest_wasted_bytes', true],
    ]);
  });

  it('compares two images file by file when asked', async () => {
    const a = expectedTree(LAYERED_SPECS.slice(0, 2));
    const b = expectedTree(LAYERED_SPECS);
    const parentOf = (path: string) => path.split('/').slice(0, -1).join('/');
    const want = [
      ...[...b.keys()].filter((path) => !a.has(path) && (parentOf(path) === '' || a.has(parentOf(path)))).map((path) => `added ${path}`),
      ...[...a.keys()].filter((path) => !b.has(path) && (parentOf(path) === '' || b.has(parentOf(path)))).map((path) => `deleted ${path}`),
      ...[...a.keys()]
        .filter((path) => b.has(path) && a.get(path)!.type !== 'dir' && a.get(path)!.size !== b.get(path)!.size)
        .map((path) => `changed ${path}`),
    ];
    assert.ok(want.length >= 3);
    const plain = success(await call('docker_compare_images', { image_a: 'layered:2', image_b: 'layered:1' }));
    assert.equal(plain.files, null);
    const result = success(await call('docker_compare_images', { image_a: 'layered:2', image_b: 'layered:1', files: true }));
    assert.deepEqual(result.files.changes.map((c: any) => `${c.change} ${c.path}`).sort(), want.sort());
    const conf = result.files.changes.find((c: any) => c.path === 'etc/app.conf');
    assert.deepEqual([conf.size_a, conf.size_b], [a.get('etc/app.conf')!.size, b.get('etc/app.conf')!.size]);
    assert.deepEqual(result.files.coverage_b.layers_not_read, []);
  });

  it('stops at the download budget and says which layers it did not read', async () => {
    const layers = rig().images['library/layered']['1'].platforms[0].layers;
    const result = success(
      await call('docker_analyze_efficiency', { image: 'layered:1', max_download_bytes: layers[0].size, lowest_efficiency: 0.5 }),
    );
    assert.deepEqual(result.coverage.layers_read, [0]);
    assert.deepEqual(result.coverage.layers_not_read, [1, 2]);
    assert.equal(result.coverage.bytes_downloaded, layers[0].size);
    assert.equal(result.verdict.result, 'incomplete');
    assert.equal(cdnGets().length, 1);
  });

  it('serves a second call, and a restarted server, from the cached index without downloading; the index is compact', async () => {
    success(await call('docker_list_image_files', { image: 'layered:1' }));
    assert.equal(cdnGets().length, 3);
    rig().registry.resetCounts();
    const again = success(await call('docker_find_in_image', { image: 'layered:1', pattern: '**' }));
    assert.equal(again.coverage.bytes_downloaded, 0);
    await server.close();
    server = await startInProcess({ DOCKERHUB_MCP_CACHE_DIR: cacheDir });
    const restarted = success(await call('docker_analyze_efficiency', { image: 'layered:1' }));
    assert.equal(restarted.coverage.bytes_downloaded, 0);
    assert.equal(cdnGets().length, 0);
    const folder = join(cacheDir, 'layerIndex', 'sha256');
    const bytes = readdirSync(folder).reduce((sum, name) => sum + statSync(join(folder, name)).size, 0);
    const entries = LAYERED_SPECS.reduce((sum, spec) => sum + spec.files.length, 0);
    assert.ok(bytes / entries < 64, `${bytes} bytes on disk for ${entries} entries`);
  });

  it('docker_cache_clear drops the layer indexes from memory and disk, so the next call reads the layers again', async () => {
    success(await call('docker_list_image_files', { image: 'layered:1' }));
    const folder = join(cacheDir, 'layerIndex', 'sha256');
    assert.equal(readdirSync(folder).length, LAYERED_SPECS.length);
    const cleared = success(await call('docker_cache_clear', {}));
    assert.ok(cleared.disk_entries >= LAYERED_SPECS.length, `${cleared.disk_entries} disk files dropped`);
    assert.equal(existsSync(folder), false, 'the layerIndex folder is gone');
    rig().registry.resetCounts();
    const again = success(await call('docker_list_image_files', { image: 'layered:1' }));
    assert.ok(again.coverage.bytes_downloaded > 0);
    assert.equal(cdnGets().length, LAYERED_SPECS.length);
  });

  it('reads identical layers once when calls overlap', async () => {
    await Promise.all([
      call('docker_list_image_files', { image: 'layered:1' }),
      call('docker_analyze_efficiency', { image: 'layered:1' }),
      call('docker_find_in_image', { image: 'layered:1', pattern: '*.bin' }),
    ]);
    assert.equal(cdnGets().length, 3);
  });

  it('streams a 256 MiB layer with memory growth far below its size (built server, peak RSS)', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BUNDLE],
      env: { ...rig().env, PATH: process.env.PATH ?? '' },
      stderr: 'ignore',
    });
    const client = new Client({ name: 'layer-memory', version: '1.0.0' });
    await client.connect(transport);
    try {
      await client.callTool({ name: 'docker_list_image_files', arguments: { image: 'layered:1' } });
      const before = peakRss(transport.pid!);
      const result = await client.callTool({ name: 'docker_list_image_files', arguments: { image: 'large:1', path: '/data' } });
      const growth = peakRss(transport.pid!) - before;
      assert.equal((result.structuredContent as any).entries[0].size, LARGE_FILE.size);
      assert.ok(growth < LARGE_FILE.size / 4, `peak RSS grew ${(growth / 1e6).toFixed(1)} MB for a ${LARGE_FILE.size / 1e6} MB layer`);
    } finally {
      await client.close();
    }
  });

  it('a cancelled call closes the layer transfer at once; progress counts bytes of the total', async () => {
    const layer = rig().images['library/slow']['1'].platforms[0].layers[0];
    rig().registry.proxy.setCdnRate(512 * 1024);
    const controller = new AbortController();
    const progress: { progress: number; total?: number }[] = [];
    const outcome = server.client
      .callTool({ name: 'docker_list_image_files', arguments: { image: 'slow:1' } }, CallToolResultSchema, {
        signal: controller.signal,
        onprogress: (update) => {
          progress.push(update);
          controller.abort();
        },
      })
      .then(
        () => 'finished',
        () => 'cancelled',
      );
    assert.equal(await outcome, 'cancelled');
    assert.ok(progress.length >= 1 && progress[0].total === layer.size && progress[0].progress < layer.size);
    for (let waited = 0; !cdnGets()[0]?.closedEarly && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    assert.equal(cdnGets().length, 1);
    assert.equal(cdnGets()[0].closedEarly, true, 'the proxy saw the connection closed before the layer was sent');
  });

  it('a truncated or corrupt gzip layer is a clear UPSTREAM_ERROR', async () => {
    for (const tag of ['truncated', 'corrupt']) {
      const text = failure(await call('docker_list_image_files', { image: `broken:${tag}` }), 'UPSTREAM_ERROR');
      assert.match(text, /layer sha256:[0-9a-f]+ of broken could not be decompressed .*corrupt or truncated/);
    }
  });
});
