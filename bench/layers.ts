import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Rig } from '../test/rig';
import { buildIncompressible, buildLarge, LARGE_FILE } from '../test/rig/layerImages';
import { serverEnv, startServer } from './lib/server';
import type { Row } from './lib/table';

const HUNDRED_MB = 100 * 1000 * 1000;
const INCOMPRESSIBLE_MB = 50;

function peakRss(pid: number): number {
  const line = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1]) * 1024;
}

/**
 * Reading layer file lists (issue 19): seconds per 100 MB of uncompressed layer and peak-RSS growth, for a layer of
 * zeros (decompression and tar parsing dominate) and an incompressible one (the transfer dominates); then the same
 * call again, and in a restarted server sharing the cache folder, which must download nothing.
 */
export async function benchLayers(rig: Rig): Promise<Row[]> {
  await rig.push('library/large', await buildLarge(), ['1']);
  await rig.push('library/noise', await buildIncompressible(INCOMPRESSIBLE_MB), ['1']);
  const cacheDir = mkdtempSync(join(tmpdir(), 'bench-layers-'));
  const rows: Row[] = [];
  try {
    for (const [image, bytes, label] of [
      ['large:1', LARGE_FILE.size, 'zeros, gzip'],
      ['noise:1', INCOMPRESSIBLE_MB * 1024 * 1024, 'incompressible, gzip'],
    ] as const) {
      const server = await startServer(serverEnv(rig, { DOCKERHUB_MCP_CACHE_DIR: cacheDir, DOCKERHUB_MCP_MAX_LAYER_BYTES: String(2 ** 30) }));
      try {
        await server.call('docker_list_image_files', { image: 'demo:latest' });
        const before = peakRss(server.pid);
        const started = process.hrtime.bigint();
        await server.call('docker_list_image_files', { image, path: '/' });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const growth = peakRss(server.pid) - before;
        const per100 = HUNDRED_MB / bytes;
        rows.push({
          figure: `layer file index, ${label} (${(bytes / 2 ** 20).toFixed(0)} MiB): seconds per 100 MB`,
          value: (seconds * per100).toFixed(2),
          target: 'reported',
        });
        rows.push({
          figure: `layer file index, ${label}: peak RSS growth while it streams`,
          value: `${(growth / 2 ** 20).toFixed(1)} MiB (${((growth * per100) / 2 ** 20).toFixed(1)} MiB per 100 MB)`,
          target: '< ¼ of the layer',
          pass: growth < bytes / 4,
        });
      } finally {
        await server.close();
      }
    }
    rig.registry.resetCounts();
    const again = await startServer(serverEnv(rig, { DOCKERHUB_MCP_CACHE_DIR: cacheDir }));
    try {
      const result = await again.call('docker_analyze_efficiency', { image: 'large:1' });
      const downloaded = (result.structuredContent as { coverage: { bytes_downloaded: number } }).coverage.bytes_downloaded;
      const layerGets = rig.registry.proxy
        .requests()
        .filter((request) => request.kind === 'cdnGet' && rig.images['library/large']['1'].platforms[0].layers.some((layer) => request.path.includes(layer.digest.slice(7)))).length;
      rows.push({
        figure: 'layer file index: next call (restarted server, same cache folder) downloads',
        value: `${downloaded} bytes, ${layerGets} layer GETs`,
        target: '0',
        pass: downloaded === 0 && layerGets === 0,
      });
    } finally {
      await again.close();
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  return rows;
}
