import assert from 'node:assert/strict';
import { ALICE_DEFAULT_PAT } from '../rig/images';
import { rig } from '../rig/mocha-hooks';
import { failure, success } from './helpers/assertions';
import { startInProcess, type InProcessServer, type ToolOutcome } from './helpers/inProcess';

/**
 * docker_check_rate_limit against the rig's registry proxy, which adds Docker Hub's rate-limit headers to manifest
 * replies and counts manifest GETs (pulls) and HEADs separately.
 */
describe('docker_check_rate_limit', () => {
  const servers: InProcessServer[] = [];

  async function server(env: Record<string, string> = {}): Promise<InProcessServer> {
    const started = await startInProcess(env);
    servers.push(started);
    return started;
  }

  async function check(s: InProcessServer, args: Record<string, unknown> = {}): Promise<{ result: Record<string, any>; outcome: ToolOutcome }> {
    const outcome = await s.callTool('docker_check_rate_limit', args);
    return { result: success(outcome), outcome };
  }

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('reads limit, remaining, window and source with HEAD requests only', async () => {
    rig().registry.proxy.setRateLimit({ limit: 10, remaining: 7, windowSeconds: 3600 });
    const s = await server();
    rig().registry.resetCounts();
    const { result, outcome } = await check(s, { image: 'demo' });
    assert.equal(result.headers_present, true);
    assert.equal(result.limit, 10);
    assert.equal(result.remaining, 7);
    assert.equal(result.window_seconds, 3600);
    assert.equal(result.window_hours, 1);
    assert.equal(result.method, 'HEAD');
    assert.match(result.source, /127\.0\.0\.1/);
    assert.equal(result.counted_against, 'ip');
    assert.equal(result.authenticated, false);
    assert.equal(result.credentials_configured, false);
    assert.match(outcome.text, /7 of 10 pulls left per 1 hour/);
    assert.match(outcome.text, /not counted/);

    const counts = rig().registry.counts();
    assert.equal(counts.manifestGet, 0, 'no manifest GET: the check spends no pull');
    assert.ok(counts.manifestHead >= 1, 'the check is a manifest HEAD');
    assert.equal(rig().registry.proxy.rateLimit().remaining, 7, 'the quota is untouched');
  });

  it("checks Docker's own probe image by default and still reads the limits when it is absent", async () => {
    rig().registry.proxy.setRateLimit({ limit: 100, remaining: 42, windowSeconds: 21600 });
    const s = await server();
    rig().registry.resetCounts();
    const { result } = await check(s);
    assert.equal(result.image, 'ratelimitpreview/test:latest');
    assert.ok(rig().registry.proxy.requests().some((r) => r.kind === 'manifestHead' && r.path.includes('/v2/ratelimitpreview/test/manifests/latest')));
    assert.equal(result.limit, 100);
    assert.equal(result.remaining, 42);
    assert.equal(result.window_hours, 6);
    assert.equal(rig().registry.counts().manifestGet, 0);
  });

  it('says the limit is unknown, inventing no numbers, when the registry sends no headers (paid plans)', async () => {
    rig().registry.proxy.disableRateLimitHeaders();
    const s = await server();
    rig().registry.resetCounts();
    const { result, outcome } = await check(s, { image: 'demo' });
    assert.equal(result.headers_present, false);
    for (const field of ['limit', 'remaining', 'window_seconds', 'window_hours', 'source', 'counted_against']) {
      assert.equal(result[field], null, field);
    }
    assert.equal(result.authenticated, false, 'without credentials the check can only have been anonymous');
    assert.match(outcome.text, /unknown/);
    assert.match(outcome.text, /paid plans/);
    assert.doesNotMatch(outcome.text, /\d+ of \d+/);
    assert.equal(rig().registry.counts().manifestGet, 0);
  });

  it('reports an authenticated check as counted against the account', async () => {
    rig().registry.proxy.setRateLimit({ limit: 100, remaining: 99, windowSeconds: 3600 });
    const s = await server({ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: ALICE_DEFAULT_PAT });
    rig().registry.resetCounts();
    // A private repository: anonymous access is refused, so the registry is asked with alice's login.
    const { result, outcome } = await check(s, { image: 'alice/private-app:1' });
    assert.equal(result.credentials_configured, true);
    assert.equal(result.source, 'alice');
    assert.equal(result.counted_against, 'account');
    assert.equal(result.authenticated, true);
    assert.match(outcome.text, /authenticated/);
    assert.equal(rig().registry.counts().manifestGet, 0);
  });

  it('says so when no pulls are left, without spending one', async () => {
    rig().registry.proxy.setRateLimit({ limit: 10, remaining: 0, windowSeconds: 3600 });
    const s = await server();
    rig().registry.resetCounts();
    const { result, outcome } = await check(s, { image: 'demo' });
    assert.equal(result.remaining, 0);
    assert.match(outcome.text, /No pulls left/);
    assert.equal(rig().registry.counts().manifestGet, 0);
  });

  it('refuses registries other than Docker Hub as UNSUPPORTED, without a request', async () => {
    const s = await server();
    rig().registry.resetCounts();
    failure(await s.callTool('docker_check_rate_limit', { image: 'ghcr.io/owner/app:1' }), 'UNSUPPORTED');
    assert.equal(rig().registry.proxy.requests().length, 0);
  });
});
