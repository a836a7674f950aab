import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Rig } from '../test/rig';
import { BUNDLE, resetRig, serverEnv, startServer, upstream } from './lib/server';
import { median, ms, percentile, ratio, type Row } from './lib/table';

const SPAWNS = 10;
/**
 * The round's starting point (1a0667c, the last commit before today's issue 13 merges), built in a temporary worktree
 * and measured by bench/before.ts (this same code, pointed at that bundle) and in alternating spawns beside this
 * branch's bundle, on a machine at load average 12: absolute times move with the load, so the ratio to bare node,
 * measured beside it, is the figure to compare.
 */
export const BEFORE = { coldStart: '1a0667c: 7.4× bare node (445 ms vs 60 ms, 21 alternating spawns)', coldStartRatio: 7.4 };
const HIT_CALLS = 1000;
const MISS_CALLS = 20;

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
});

/** A process that answers the first stdin line at once: what Node alone costs to start and reply. */
const BARE_NODE = `require('node:readline').createInterface({ input: process.stdin }).once('line', () => { process.stdout.write('{}\\n'); process.exit(0); });`;

/** Milliseconds from spawn to the first line on stdout, after writing the initialize request. */
function timeToFirstReply(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'ignore'] });
    let elapsed: number | undefined;
    let reply = '';
    child.once('error', reject);
    child.once('exit', (code) => {
      if (elapsed === undefined) reject(new Error(`${args.join(' ')} exited ${code} before replying`));
      else if (reply.includes('"result"') || reply === '{}') resolve(elapsed);
      else reject(new Error(`unexpected first reply: ${reply.slice(0, 200)}`));
    });
    createInterface({ input: child.stdout }).once('line', (line) => {
      elapsed = performance.now() - started;
      reply = line;
      child.stdin.end();
      child.kill('SIGTERM');
    });
    child.stdin.write(`${INITIALIZE}\n`);
  });
}

export async function coldStart(rig: Rig): Promise<Row[]> {
  const env = serverEnv(rig);
  const server: number[] = [];
  const bare: number[] = [];
  // Interleaved, so a noisy moment weighs on both series alike.
  for (let i = 0; i < SPAWNS; i++) {
    server.push(await timeToFirstReply([BUNDLE], env));
    bare.push(await timeToFirstReply(['-e', BARE_NODE], env));
  }
  const serverMedian = median(server);
  const bareMedian = median(bare);
  return [
    {
      figure: `cold start to initialize reply (median of ${SPAWNS} spawns)`,
      value: `${ms(serverMedian)} (bare node: ${ms(bareMedian)}, ratio ${ratio(serverMedian, bareMedian).toFixed(2)})`,
      target: `< 150 ms (before: ${BEFORE.coldStart})`,
      pass: serverMedian < 150,
    },
    {
      // Issue 13 asks for lower than before; measured beside bare node, the ratio holds across machine load.
      figure: 'cold start against before (ratio to bare node, measured beside it)',
      value: `${ratio(serverMedian, bareMedian).toFixed(2)}× bare node`,
      target: `lower than before (${BEFORE.coldStartRatio}×)`,
      pass: ratio(serverMedian, bareMedian) < BEFORE.coldStartRatio,
    },
  ];
}

async function roundTrips(rig: Rig): Promise<Row[]> {
  await resetRig(rig);
  const counter = upstream(rig);
  const server = await startServer(serverEnv(rig));
  try {
    const args = { image: 'demo:latest' };
    await server.call('docker_inspect_image', args);
    counter.reset();
    const hits: number[] = [];
    for (let i = 0; i < HIT_CALLS; i++) {
      const started = performance.now();
      await server.call('docker_inspect_image', args);
      hits.push(performance.now() - started);
    }
    const hitUpstream = counter.tally().total;

    const misses: number[] = [];
    counter.reset();
    for (let i = 0; i < MISS_CALLS; i++) {
      await server.call('docker_cache_clear');
      const started = performance.now();
      await server.call('docker_inspect_image', args);
      misses.push(performance.now() - started);
    }
    const missTally = counter.tally();
    const hitMedian = median(hits);
    const missMedian = median(misses);
    return [
      {
        figure: `cache-hit round-trip over stdio, docker_inspect_image (${HIT_CALLS} calls)`,
        value: `p50 ${ms(hitMedian)}, p99 ${ms(percentile(hits, 99))}; upstream requests during: ${hitUpstream}`,
        target: 'p50 < 2 ms, 0 upstream',
        pass: hitMedian < 2 && hitUpstream === 0,
      },
      {
        figure: `cache-miss round-trip against the rig, same call after docker_cache_clear (${MISS_CALLS} calls)`,
        value:
          `p50 ${ms(missMedian)}, p99 ${ms(percentile(misses, 99))}; ${missTally.total / MISS_CALLS} upstream requests per call; ` +
          `miss/hit ${ratio(missMedian, hitMedian).toFixed(1)}×`,
        target: '—',
      },
    ];
  } finally {
    await server.close();
  }
}

export async function benchLatency(rig: Rig): Promise<Row[]> {
  return [...(await coldStart(rig)), ...(await roundTrips(rig))];
}
