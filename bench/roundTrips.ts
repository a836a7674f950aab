import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Rig } from '../test/rig';
import { resetRig, serverEnv, startServer } from './lib/server';
import type { Row } from './lib/table';

const PROBE = join(__dirname, 'lib', 'roundtrip-probe.cjs');
/** Added to every registry, CDN and Hub reply, so requests made together visibly overlap, as over a real network. */
const DELAY_MS = 50;

interface Recorded {
  method: string;
  url: string;
  start: number;
  end?: number;
}

/**
 * Each tool in a cold process without a cache dir, and the fewest sequential round trips it can make there, by
 * analysis. Every count starts with 2: the first request's 401 (which teaches the token realm) and the token.
 * Blobs on the rig, as on Docker Hub, are a 307 to the CDN and the CDN's reply: 2 round trips each.
 */
const CASES: Array<{ tool: string; args: Record<string, unknown>; minimum: number; why: string }> = [
  { tool: 'docker_get_manifest', args: { image: 'demo:latest' }, minimum: 3, why: '401, token, GET by tag' },
  { tool: 'docker_inspect_image', args: { image: 'demo:latest' }, minimum: 6, why: '401, token, index by tag, platform manifest, config 307 + CDN' },
  { tool: 'docker_analyze_layers', args: { image: 'demo:latest' }, minimum: 6, why: 'as inspect' },
  { tool: 'docker_get_image_history', args: { image: 'app:1' }, minimum: 5, why: '401, token, manifest by tag, config 307 + CDN' },
  { tool: 'docker_get_dockerfile', args: { image: 'app:1' }, minimum: 9, why: 'app (5), then its labelled base: token, manifest by tag, config 307 + CDN' },
  { tool: 'docker_track_base_updates', args: { image: 'app:1' }, minimum: 7, why: 'app (5), then its labelled base: token, manifest by tag' },
  { tool: 'docker_estimate_pull_size', args: { image: 'demo:latest' }, minimum: 4, why: '401, token, index by tag, platform manifest' },
  { tool: 'docker_get_attestations', args: { image: 'demo:latest' }, minimum: 6, why: '401, token, index by tag, attestation manifest, statements 307 + CDN (together)' },
  { tool: 'docker_compare_images', args: { image_a: 'demo:latest', image_b: 'demo:list' }, minimum: 6, why: 'both sides together: 401, token, by tag, platform manifest, config 307 + CDN' },
  { tool: 'docker_list_tags', args: { image: 'ghcr.io/owner/app' }, minimum: 3, why: '401, token, tag list' },
  { tool: 'docker_check_rate_limit', args: { image: 'demo' }, minimum: 3, why: '401, token, HEAD' },
];

/** The longest chain of requests each of which started after the one before it had ended: the sequential round trips. */
export function sequentialRoundTrips(requests: Recorded[]): number {
  const done = requests.filter((request): request is Required<Recorded> => request.end !== undefined).sort((a, b) => a.start - b.start);
  const depth = done.map(() => 1);
  for (let i = 0; i < done.length; i++) {
    for (let j = 0; j < i; j++) {
      if (done[j].end <= done[i].start) depth[i] = Math.max(depth[i], depth[j] + 1);
    }
  }
  return Math.max(0, ...depth);
}

async function measure(rig: Rig, tool: string, args: Record<string, unknown>, file: string): Promise<{ trips: number; requests: number }> {
  const server = await startServer(serverEnv(rig, { BENCH_ROUNDTRIP_FILE: file }), ['--require', PROBE]);
  try {
    await server.call(tool, args);
    rmSync(file, { force: true });
    process.kill(server.pid, 'SIGUSR2');
    const deadline = Date.now() + 5000;
    while (!existsSync(file)) {
      if (Date.now() > deadline) throw new Error('the round-trip probe wrote nothing');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const recorded = JSON.parse(readFileSync(file, 'utf8')) as Recorded[];
    return { trips: sequentialRoundTrips(recorded), requests: recorded.length };
  } finally {
    await server.close();
  }
}

/** Sequential round trips per tool, cold process, with a fixed delay added to every registry, CDN and Hub reply. */
export async function benchRoundTrips(rig: Rig): Promise<Row[]> {
  const folder = mkdtempSync(join(tmpdir(), 'bench-roundtrips-'));
  const rows: Row[] = [];
  let total = 0;
  let totalMinimum = 0;
  try {
    for (const { tool, args, minimum, why } of CASES) {
      await resetRig(rig);
      rig.registry.proxy.setDelay(DELAY_MS);
      rig.hub.control.slow(DELAY_MS);
      const { trips, requests } = await measure(rig, tool, args, join(folder, 'trips.json'));
      total += trips;
      totalMinimum += minimum;
      const isInspect = tool === 'docker_inspect_image';
      rows.push({
        figure: `sequential round trips, cold, no cache dir: ${tool} ${Object.values(args).join(' ')}`,
        value: `${trips} (${requests} requests; minimum ${minimum}: ${why})`,
        target: isInspect ? '≤ 6' : `minimum ${minimum}`,
        pass: isInspect ? trips <= 6 : trips <= minimum,
      });
    }
  } finally {
    rig.registry.proxy.setDelay(0);
    rig.hub.control.slow(0);
    rmSync(folder, { recursive: true, force: true });
  }
  rows.push({
    figure: `sequential round trips over these ${CASES.length} tools`,
    value: `${total} (minimum ${totalMinimum})`,
    target: `≤ ${totalMinimum}`,
    pass: total <= totalMinimum,
  });
  return rows;
}
