import type { Rig } from '../test/rig';
import { resetRig, serverEnv, startServer, upstream } from './lib/server';
import type { Row } from './lib/table';

const CONCURRENT_CALLS = 50;

/** Upstream requests for `calls` identical calls sent at once to a fresh server. */
async function concurrentCost(rig: Rig, env: Record<string, string>, tool: string, args: Record<string, unknown>, calls: number) {
  await resetRig(rig);
  const counter = upstream(rig);
  const server = await startServer(env);
  try {
    counter.reset();
    await Promise.all(Array.from({ length: calls }, () => server.call(tool, args)));
    return counter.tally();
  } finally {
    await server.close();
  }
}

export async function benchCoalescing(rig: Rig): Promise<Row[]> {
  const env = serverEnv(rig);
  const noCache = serverEnv(rig, { DOCKERHUB_MCP_INTERNAL_NO_CACHE: '1' });
  const rows: Row[] = [];

  // Hub: one answer is one request, so the target is exactly 1.
  const hub = await concurrentCost(rig, env, 'docker_get_image_details', { image: 'demo' }, CONCURRENT_CALLS);
  const hubUncached = await concurrentCost(rig, noCache, 'docker_get_image_details', { image: 'demo' }, CONCURRENT_CALLS);
  rows.push({
    figure: `${CONCURRENT_CALLS} concurrent docker_get_image_details → upstream requests`,
    value: `${hub.total} (no cache, no coalescing: ${hubUncached.total})`,
    target: '1',
    pass: hub.total === 1,
  });

  // Registry: a first call costs a challenge, a token, HEAD, manifests and a config; 50 at once should cost the same.
  const args = { image: 'demo:latest' };
  const single = await concurrentCost(rig, env, 'docker_inspect_image', args, 1);
  const many = await concurrentCost(rig, env, 'docker_inspect_image', args, CONCURRENT_CALLS);
  const manyUncached = await concurrentCost(rig, noCache, 'docker_inspect_image', args, CONCURRENT_CALLS);
  rows.push({
    figure: `${CONCURRENT_CALLS} concurrent docker_inspect_image demo:latest → upstream requests`,
    value: `${many.total} (${many.breakdown}); one call alone: ${single.total}; no cache, no coalescing: ${manyUncached.total}`,
    target: `= one call (${single.total})`,
    pass: many.total === single.total,
  });
  return rows;
}
