import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Rig } from '../test/rig';
import { resetRig, rssBytes, serverEnv, startServer, type RunningServer } from './lib/server';
import { median, mib, ratio, type Row } from './lib/table';

const STARTS = 3;
/** RSS after start of the round's starting point (1a0667c), measured as the cold start's "before" (bench/latency.ts). */
export const BEFORE_RSS = '1a0667c: 82 MB, bare node 41 MB';
const BEFORE_RSS_MB = 82;
const BOUND_MB = 4;
/** Let start-up work (module evaluation, first collections) settle before reading RSS. */
const SETTLE_MS = 300;
const PROBE = join(__dirname, 'lib', 'memory-probe.cjs');
/** Name filters every tag matches: each round asks for the same pages under new cache keys. */
const ROUNDS = [undefined, 'tag-', 'tag'];

interface CacheInfo {
  max_bytes: number;
  memory_bytes: number;
  memory_entries: number;
  misses: number;
}

async function rssOfServer(rig: Rig): Promise<number> {
  const server = await startServer(serverEnv(rig));
  try {
    await delay(SETTLE_MS);
    return rssBytes(server.pid);
  } finally {
    await server.close();
  }
}

/** Node waiting on stdin and nothing else: the floor any Node server starts from. */
async function rssOfBareNode(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'process.stdin.resume()'], { stdio: ['pipe', 'ignore', 'ignore'] });
  try {
    await delay(SETTLE_MS);
    return rssBytes(child.pid!);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin.end();
    await exited;
  }
}

/** Every (name, limit, page) is its own Hub answer and its own cache entry: far more than the bound holds. */
async function fillRound(server: RunningServer, name: string | undefined): Promise<void> {
  for (let limit = 1; limit <= 100; limit++) {
    const args = { image: 'many', limit, ...(name ? { name } : {}) };
    const first = await server.call('docker_list_tags', args);
    const cursor = (first.structuredContent as { next_cursor?: string | null } | undefined)?.next_cursor;
    if (!cursor) throw new Error(`docker_list_tags ${JSON.stringify(args)} gave no second page`);
    await server.call('docker_list_tags', { ...args, cursor });
  }
}

/** Heap and buffers still reachable after a full collection, as the probe inside the server reports them. */
async function retainedBytes(server: RunningServer, file: string): Promise<number> {
  rmSync(file, { force: true });
  process.kill(server.pid, 'SIGUSR2');
  for (let waited = 0; waited < 5000; waited += 20) {
    try {
      const usage = JSON.parse(readFileSync(file, 'utf8')) as NodeJS.MemoryUsage;
      return usage.heapUsed + usage.external;
    } catch {
      await delay(20);
    }
  }
  throw new Error('the memory probe in the server did not answer');
}

/** Retained bytes before and after each round: a cache that holds its bound levels off, one that leaks climbs. */
async function retainedAcrossFill(env: Record<string, string>) {
  const folder = mkdtempSync(join(tmpdir(), 'dhm-bench-memory-'));
  const file = join(folder, 'usage.json');
  const server = await startServer({ ...env, BENCH_MEMORY_FILE: file }, ['--expose-gc', '--require', PROBE]);
  try {
    const retained = [await retainedBytes(server, file)];
    for (const name of ROUNDS) {
      await fillRound(server, name);
      retained.push(await retainedBytes(server, file));
    }
    const info = (await server.call('docker_cache_info')).structuredContent as unknown as CacheInfo;
    return { retained, rss: rssBytes(server.pid), info };
  } finally {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

/** RSS a moment after `initialize`, beside bare node's, median of a few starts. */
export async function rssAfterStart(rig: Rig): Promise<Row[]> {
  await resetRig(rig);
  const server: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    server.push(await rssOfServer(rig));
    bare.push(await rssOfBareNode());
  }
  const started = median(server);
  const bareNode = median(bare);
  return [
    {
      figure: `RSS after start (median of ${STARTS})`,
      value: `${mib(started)} (bare node: ${mib(bareNode)}, ratio ${ratio(started, bareNode).toFixed(2)})`,
      target: `< 45 MB (before: ${BEFORE_RSS})`,
      pass: started < 45 * 1024 * 1024,
    },
    {
      figure: 'RSS after start against before',
      value: mib(started),
      target: `lower than before (${BEFORE_RSS_MB} MB)`,
      pass: started < BEFORE_RSS_MB * 1024 * 1024,
    },
  ];
}

export async function benchMemory(rig: Rig): Promise<Row[]> {
  const rss = await rssAfterStart(rig);
  const bounded = await retainedAcrossFill(serverEnv(rig, { DOCKERHUB_MCP_CACHE_MAX_MB: String(BOUND_MB) }));
  const uncached = await retainedAcrossFill(serverEnv(rig, { DOCKERHUB_MCP_INTERNAL_NO_CACHE: '1' }));
  const series = (bytes: number[]) => bytes.map((value) => (value / 1024 / 1024).toFixed(1)).join(' → ');
  const { info } = bounded;
  const last = (bytes: number[]) => bytes[bytes.length - 1];
  // What the cache keeps beyond a server without one once garbage is gone; shown, not judged: a few MB of noise.
  const cacheRetained = last(bounded.retained) - last(uncached.retained);
  const held = info.memory_bytes <= info.max_bytes;
  const overfilled = info.misses > info.memory_entries && info.memory_bytes >= 0.8 * info.max_bytes;
  return [
    ...rss,
    {
      figure: `memory cache past its bound (DOCKERHUB_MCP_CACHE_MAX_MB=${BOUND_MB}, ${ROUNDS.length} × 200 tag pages)`,
      value: `${info.memory_entries} of ${info.misses} answers held, ${mib(info.memory_bytes)} of ${mib(info.max_bytes)}`,
      target: 'bound held',
      pass: held && overfilled,
    },
    {
      figure: 'heap + buffers after a full GC, start then each round: with cache / without',
      value:
        `${series(bounded.retained)} MB / ${series(uncached.retained)} MB (cache's share ${mib(cacheRetained)}); ` +
        `RSS at the end ${mib(bounded.rss)} / ${mib(uncached.rss)}`,
      target: '—',
    },
  ];
}
