import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultRecord } from '../rig/faultProxy';
import { stress } from './hooks';
import { randomSource } from './helpers/fuzz';
import { startServer, type ToolReply } from './helpers/server';
import { figure, summaryRow } from './helpers/summary';

/*
 * 1,000 tool calls written to one stdio connection without waiting for any answer: 21 distinct calls over every
 * upstream (registry, CDN, token service, Hub, Scout), each repeated many times in a shuffled order. Every call must
 * be answered, identical calls identically; upstream must see each distinct request once (coalescing in flight,
 * then the cache), and the process must stay under the RSS bound with a 1 MiB memory cache.
 */

const CALLS = 1_000;
const RSS_BOUND_MB = 200;
const CACHE_MAX_MB = '1';

/** Calls that succeed and whose answers do not depend on when they are made. */
const DISTINCT: [tool: string, args: Record<string, unknown>][] = [
  ['docker_get_manifest', { image: 'demo:1.0' }],
  ['docker_get_manifest', { image: 'demo:1.0', platform: 'linux/arm64' }],
  ['docker_inspect_image', { image: 'demo:1.0' }],
  ['docker_inspect_image', { image: 'app:1' }],
  ['docker_get_image_history', { image: 'app:1' }],
  ['docker_analyze_layers', { image: 'app:1', sort: 'size' }],
  ['docker_get_dockerfile', { image: 'demo:list' }],
  ['docker_compare_images', { image_a: 'base:1', image_b: 'app:1' }],
  ['docker_estimate_pull_size', { image: 'app:1', have: 'base:1' }],
  ['docker_track_base_updates', { image: 'app:1' }],
  ['docker_get_attestations', { image: 'demo:latest' }],
  ['docker_get_vulnerabilities', { image: 'app:1' }],
  ['docker_get_image_details', { image: 'demo' }],
  ['docker_get_stats', { image: 'demo' }],
  ['docker_list_tags', { image: 'demo' }],
  ['docker_list_tags', { image: 'ghcr.io/owner/app' }],
  ['docker_get_tag_details', { image: 'demo:1.0' }],
  ['docker_search_images', { query: 'demo' }],
  ['docker_list_repositories', { namespace: 'alice' }],
  ['docker_list_namespaces', {}],
  ['docker_get_manifest', { image: 'many:tag-042' }],
];

/** Where two answers part, with a little context, so a failure says what differed. */
function firstDifference(a: string, b: string): string {
  let at = 0;
  while (at < a.length && a[at] === b[at]) at++;
  return `…${a.slice(Math.max(0, at - 60), at + 60)}… vs …${b.slice(Math.max(0, at - 60), at + 60)}…`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

describe('load: 1,000 concurrent calls over one stdio connection', function () {
  this.timeout(120_000);

  it(`all answered at once, identical calls coalesced (upstream = distinct requests), RSS under ${RSS_BOUND_MB} MiB with a ${CACHE_MAX_MB} MiB cache`, async () => {
    await loadRun('at once', 1, 0);
  });

  it('all answered in 20 waves 25 ms apart: later calls are served from the cache, still no repeated request', async () => {
    await loadRun('in waves', 20, 25);
  });
});

async function loadRun(label: string, waves: number, gapMs: number): Promise<void> {
  const { proxies } = stress();
  const row = summaryRow('load', `${CALLS} calls ${label}, ${DISTINCT.length} distinct`);
  const random = randomSource(7 + waves);
  const plan = Array.from({ length: CALLS }, (_, index) => (index < DISTINCT.length ? index : Math.floor(random() * DISTINCT.length)));
  for (let i = plan.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [plan[i], plan[j]] = [plan[j], plan[i]];
  }
  // The default deadline (15 s): 1,000 calls at once queue for connections, and each call's deadline counts its wait.
  const server = await startServer(`load ${label}`, {
    env: { DOCKERHUB_MCP_CACHE_MAX_MB: CACHE_MAX_MB, DOCKERHUB_MCP_LOG_LEVEL: 'info', DOCKERHUB_MCP_TIMEOUT_MS: '15000' },
  });
  const idleRss = server.rssMb();
  let peakRss = idleRss;
  const sampler = setInterval(() => {
    if (server.alive) peakRss = Math.max(peakRss, server.rssMb());
  }, 20);
  const started = Date.now();
  const pending: Promise<ToolReply>[] = [];
  const perWave = Math.ceil(CALLS / waves);
  let replies: ToolReply[];
  try {
    for (let wave = 0; wave < waves; wave++) {
      if (wave > 0) await sleep(gapMs);
      for (const index of plan.slice(wave * perWave, (wave + 1) * perWave)) pending.push(server.callTool(...DISTINCT[index]));
    }
    replies = await Promise.all(pending);
  } finally {
    clearInterval(sampler);
  }
  const elapsed = Date.now() - started;
  peakRss = Math.max(peakRss, server.rssMb());
  row.tried += CALLS;

  const failures = replies.filter((reply) => reply.isError).map((reply) => reply.text.slice(0, 160));
  assert.deepEqual([...new Set(failures)], [], 'every call succeeds');
  const answerOf = new Map<number, string>();
  const differing = new Set<string>();
  replies.forEach((reply, position) => {
    const index = plan[position];
    const text = JSON.stringify(reply.structured, withoutLookupTime);
    if (!answerOf.has(index)) answerOf.set(index, text);
    else if (answerOf.get(index) !== text) differing.add(`${DISTINCT[index][0]}: ${firstDifference(answerOf.get(index)!, text)}`);
  });
  assert.deepEqual([...differing], [], 'identical calls get identical answers');

  // docker_get_manifest by tag answers about now: each call that finds no check of the tag in flight revalidates it
  // with a HEAD (free on Docker Hub) and says when (resolved_at). Those HEADs may repeat; every other request may not.
  const records = Object.values(proxies).flatMap((proxy) =>
    proxy
      .requests()
      .filter((record: FaultRecord) => !(record.method === 'HEAD' && /\/manifests\/[^/]*$/.test(record.path) && !/\/manifests\/sha256:/.test(record.path)))
      .map((record: FaultRecord) => `${proxy.name} ${record.method} ${record.path} ${record.authorization}`),
  );
  const distinct = new Set(records);
  const repeated = [...distinct].filter((key) => records.filter((other) => other === key).length > 1);
  row.passed += replies.filter((reply) => !reply.isError).length;
  const latencies = replies.map((reply) => reply.ms).sort((a, b) => a - b);
  figure(row, `${(elapsed / 1000).toFixed(1)} s; latency p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms`);
  figure(row, `${records.length} upstream requests, ${distinct.size} distinct`);
  figure(row, `RSS idle ${idleRss.toFixed(0)} MiB, peak ${peakRss.toFixed(0)} MiB (bound ${RSS_BOUND_MB})`);
  assert.deepEqual(repeated, [], 'no upstream request was made twice');
  assert.ok(peakRss < RSS_BOUND_MB, `peak RSS ${peakRss.toFixed(0)} MiB is under ${RSS_BOUND_MB} MiB`);
  assert.ok(server.alive);
  assert.equal((await server.close()).code, 0);
}

/** The time a tag was looked up differs between calls that revalidated it at different moments; the facts may not. */
function withoutLookupTime(key: string, value: unknown): unknown {
  return key === 'resolved_at' ? undefined : value;
}
