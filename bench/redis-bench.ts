// The shared Redis level: two instances each run the 20-call session at the same time, without Redis and with one
// Redis between them; one instance alone is the floor. Run by bench/run.ts, or alone:
// `node --import tsx bench/redis-bench.ts` (needs `node esbuild.mjs server` first).
import { startRig, type Rig } from '../test/rig';
import { startRedisServer } from '../test/rig/redis';
import { SESSION } from './economy';
import { resetRig, serverEnv, startServer, upstream, type UpstreamTally } from './lib/server';
import { plainTable, ratio, type Row } from './lib/table';

interface Cost {
  tally: UpstreamTally;
  /** Manifest GETs the registry answered: what Docker Hub counts as pulls (a 401 before the token is not one). */
  pulls: number;
}

async function sessions(rig: Rig, instances: number, env: Record<string, string>): Promise<Cost> {
  await resetRig(rig);
  const counter = upstream(rig);
  const servers = await Promise.all(Array.from({ length: instances }, () => startServer(env)));
  try {
    counter.reset();
    await Promise.all(
      servers.map(async (server) => {
        for (const [tool, args] of SESSION) await server.call(tool, args);
      }),
    );
    const pulls = rig.registry.proxy.requests().filter((r) => r.kind === 'manifestGet' && r.status === 200).length;
    return { tally: counter.tally(), pulls };
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
}

function cost({ tally, pulls }: Cost): string {
  return `${tally.total} requests, ${pulls} pulls`;
}

export async function benchRedis({ rig }: { rig: Rig }): Promise<Row[]> {
  const env = serverEnv(rig);
  const alone = await sessions(rig, 1, env);
  const apart = await sessions(rig, 2, env);
  const redis = await startRedisServer();
  let shared: Cost;
  try {
    // The instances of one deployment share the signing key: without it only digest-addressed objects are shared.
    shared = await sessions(rig, 2, serverEnv(rig, { DOCKERHUB_MCP_REDIS_URL: redis.url, DOCKERHUB_MCP_REDIS_KEY: 'bench-redis-signing-key-0123456789abcdef' }));
  } finally {
    await redis.stop();
  }
  return [
    {
      figure: `2 instances × ${SESSION.length}-call session at once, no Redis → upstream`,
      value: `${cost(apart)} (one instance alone: ${cost(alone)})`,
      target: '—',
    },
    {
      figure: `2 instances × ${SESSION.length}-call session at once, one shared Redis → upstream`,
      value: `${cost(shared)}; requests with/without Redis ${ratio(shared.tally.total, apart.tally.total).toFixed(2)}`,
      target: `pulls ≤ one instance alone (${alone.pulls})`,
      pass: shared.pulls <= alone.pulls,
    },
  ];
}

if (require.main === module) {
  (async () => {
    const rig = await startRig();
    try {
      console.log(plainTable(await benchRedis({ rig })));
    } finally {
      await rig.stop();
    }
  })().catch((error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
