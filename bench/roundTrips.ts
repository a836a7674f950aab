import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Not one of the eleven (the issue counts it apart); Scout needs a Docker Hub login: the rig's user alice. */
const VULNERABILITIES = {
  tool: 'docker_get_vulnerabilities',
  args: { image: 'app:1' },
  minimum: 5,
  why: '401, token, manifest by tag (Hub login beside them), then Scout beside the config 307 + CDN',
};

/**
 * Round trips of the round's starting point (1a0667c, the last commit before today's issue 13 merges): that commit
 * built in a temporary worktree and measured by bench/before.ts, which runs this same code against its bundle.
 */
const BEFORE: Record<string, number> = {
  docker_get_manifest: 4,
  docker_inspect_image: 7,
  'docker_inspect_image learned': 7,
  docker_analyze_layers: 7,
  docker_get_image_history: 6,
  docker_get_dockerfile: 10,
  docker_track_base_updates: 11,
  docker_estimate_pull_size: 7,
  docker_get_attestations: 7,
  docker_compare_images: 8,
  docker_list_tags: 3,
  docker_check_rate_limit: 3,
  docker_get_vulnerabilities: 8,
  total: 73,
  'total learned': 72,
};

/** Learned challenges are kept in the cache folder under this name (server/src/auth/challenges.ts). */
const CHALLENGES_FILE = 'registry-challenges.json';

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

async function measure(
  rig: Rig,
  tool: string,
  args: Record<string, unknown>,
  file: string,
  extraEnv: Record<string, string> = {},
): Promise<{ trips: number; requests: number }> {
  const server = await startServer(serverEnv(rig, { BENCH_ROUNDTRIP_FILE: file, ...extraEnv }), ['--require', PROBE]);
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

function slowRig(rig: Rig): void {
  rig.registry.proxy.setDelay(DELAY_MS);
  rig.hub.control.slow(DELAY_MS);
}

/**
 * What a first server keeps in DOCKERHUB_MCP_CACHE_DIR of the registries' challenges (the rig's Docker Hub registry
 * and its ghcr.io) once it has asked each: the file's text, or undefined when it kept none.
 */
async function learnedChallenge(rig: Rig, folder: string): Promise<string | undefined> {
  const cacheDir = join(folder, 'learn');
  mkdirSync(cacheDir, { recursive: true });
  await resetRig(rig);
  const first = await startServer(serverEnv(rig, { DOCKERHUB_MCP_CACHE_DIR: cacheDir }));
  try {
    await first.call('docker_check_rate_limit', { image: 'demo' });
    await first.call('docker_list_tags', { image: 'ghcr.io/owner/app' });
  } finally {
    await first.close();
  }
  const file = join(cacheDir, CHALLENGES_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** A cache folder holding only the learned challenge (or nothing, when the server kept none). */
function folderWithChallenge(folder: string, challenge: string | undefined): string {
  const cacheDir = mkdtempSync(join(folder, 'cache-'));
  if (challenge !== undefined) writeFileSync(join(cacheDir, CHALLENGES_FILE), challenge);
  return cacheDir;
}

function alice(rig: Rig): Record<string, string> {
  const user = rig.users.find((u) => u.username === 'alice')!;
  return { DOCKERHUB_USERNAME: user.username, DOCKERHUB_TOKEN: user.password };
}

const before = (key: string) => (BEFORE[key] === undefined ? '' : `; before: ${BEFORE[key]}`);
const fewer = (now: number, then: number) => `${((1 - now / then) * 100).toFixed(0)} % fewer`;

/**
 * Sequential round trips per tool in a cold process, with a fixed delay added to every registry, CDN and Hub reply:
 * without a cache dir (the registry's challenge unknown: its first request collects a 401), and restarted with a
 * cache dir holding only the learned challenge (as every cold call to Docker Hub's own registry, whose challenge is
 * known in advance).
 */
export async function benchRoundTrips(rig: Rig): Promise<Row[]> {
  const folder = mkdtempSync(join(tmpdir(), 'bench-roundtrips-'));
  const rows: Row[] = [];
  let total = 0;
  let totalLearned = 0;
  let totalMinimum = 0;
  let kept = false;
  try {
    const challenge = await learnedChallenge(rig, folder);
    kept = challenge !== undefined;
    for (const { tool, args, minimum, why } of [...CASES, VULNERABILITIES]) {
      const login = tool === VULNERABILITIES.tool ? alice(rig) : {};
      await resetRig(rig);
      slowRig(rig);
      const { trips, requests } = await measure(rig, tool, args, join(folder, 'trips.json'), login);
      await resetRig(rig);
      slowRig(rig);
      const cacheDir = folderWithChallenge(folder, challenge);
      const learned = (await measure(rig, tool, args, join(folder, 'trips.json'), { ...login, DOCKERHUB_MCP_CACHE_DIR: cacheDir })).trips;
      if (tool !== VULNERABILITIES.tool) {
        total += trips;
        totalLearned += learned;
        totalMinimum += minimum;
      }
      const isInspect = tool === 'docker_inspect_image';
      const call = `${tool} ${Object.values(args).join(' ')}`;
      rows.push({
        figure: `sequential round trips, cold, no cache dir: ${call}`,
        value: `${trips} (${requests} requests; minimum ${minimum}: ${why})`,
        target: `${isInspect ? '≤ 6' : `minimum ${minimum}`}${before(tool)}`,
        pass: isInspect ? trips <= 6 : trips <= minimum,
      });
      if (isInspect) {
        rows.push({
          figure: `sequential round trips, ${call} cold, challenge learned (restart with DOCKERHUB_MCP_CACHE_DIR holding only the learned challenge)`,
          value: `${learned} (minimum 5: token, index by tag, platform manifest, config 307 + CDN)${kept ? '' : `; the server kept no ${CHALLENGES_FILE}`}`,
          target: `≤ 5${before(`${tool} learned`)}`,
          pass: kept && learned <= 5,
        });
      }
    }
  } finally {
    rig.registry.proxy.setDelay(0);
    rig.hub.control.slow(0);
    rmSync(folder, { recursive: true, force: true });
  }
  rows.push({
    figure: `sequential round trips over the ${CASES.length} tools above, cold, no cache dir (docker_get_vulnerabilities aside)`,
    value: `${total} (minimum ${totalMinimum}; before: ${BEFORE.total}, ${fewer(total, BEFORE.total)})`,
    target: `≥ 25 % below before, i.e. ≤ ${Math.floor(BEFORE.total * 0.75)}`,
    pass: total <= BEFORE.total * 0.75,
  });
  rows.push({
    figure: `sequential round trips over the same ${CASES.length} tools, cold, challenge learned (each restarted with a cache dir holding only it)`,
    value: `${totalLearned} (minimum ${totalMinimum - CASES.length}; before: ${BEFORE['total learned']}, ${fewer(totalLearned, BEFORE['total learned'])})`,
    target: `≥ 25 % below before, i.e. ≤ ${Math.floor(BEFORE['total learned'] * 0.75)}`,
    pass: kept && totalLearned <= BEFORE['total learned'] * 0.75,
  });
  return rows;
}
