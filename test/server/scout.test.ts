import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { IMAGE_VULNERABILITIES_QUERY } from '../../server/src/scout/query';
import { startHubEmulator, type HubEmulator } from '../rig/hub/emulator';
import { ALICE_DEFAULT_PAT } from '../rig/images';
import { rig } from '../rig/mocha-hooks';
import { failure, success } from './helpers/assertions';
import { startInProcess, type InProcessServer } from './helpers/inProcess';

interface RecordedVulnerability {
  sourceId: string;
  severity: string;
  score: number | null;
  fixedBy: string | null;
}
interface RecordedPackage {
  name: string;
  version: string;
  vulnerabilities: RecordedVulnerability[];
}
interface RecordedImage {
  image: string;
  platform: string;
  sbomState: string;
  packages: RecordedPackage[];
}

/** The Scout data the emulator serves, read from the same file, so expectations follow the data. */
function recorded(image: string, platform: string): RecordedImage {
  const data = JSON.parse(readFileSync(new URL('../rig/hub/data/vulnerabilities.json', import.meta.url), 'utf8')) as {
    images: RecordedImage[];
  };
  const found = data.images.find((entry) => entry.image === image && entry.platform === platform);
  assert.ok(found, `vulnerabilities.json has ${image} ${platform}`);
  return found;
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'unspecified'];

describe('docker_get_vulnerabilities (Docker Scout)', () => {
  let emulator: HubEmulator;
  const servers: InProcessServer[] = [];

  async function server(login: 'anonymous' | 'alice' = 'alice', extra: Record<string, string> = {}): Promise<InProcessServer> {
    const started = await startInProcess({
      DOCKERHUB_API_URL: emulator.url,
      DOCKERHUB_SCOUT_URL: emulator.scoutUrl,
      ...(login === 'alice' ? { DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: ALICE_DEFAULT_PAT } : {}),
      ...extra,
    });
    servers.push(started);
    return started;
  }

  function scoutRequests(): number {
    return emulator.requests().filter((r) => r.path.startsWith('/v1/graphql')).length;
  }

  beforeEach(async () => {
    emulator = await startHubEmulator({ images: rig().images, users: rig().users });
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await emulator.stop();
  });

  it('asks Scout only for fields its published schema has', () => {
    const schema = buildSchema(readFileSync(new URL('../reference/scout-schema.graphql', import.meta.url), 'utf8'));
    const errors = validate(schema, parse(IMAGE_VULNERABILITIES_QUERY));
    assert.deepEqual(errors.map((e) => e.message), []);
  });

  it('counts by severity and lists the most severe CVEs with installed and fixed versions', async () => {
    const s = await server();
    const data = recorded('library/app', 'linux/amd64');
    const all = data.packages.flatMap((p) => p.vulnerabilities.map((v) => ({ ...v, package: p.name, version: p.version })));
    const result = success(await s.callTool('docker_get_vulnerabilities', { image: 'app:1', limit: 3 }));

    const amd64 = rig().images['library/app']['1'].platforms[0];
    assert.equal(result.digest, amd64.digest);
    assert.equal(result.platform, 'linux/amd64');
    assert.equal(result.sbom_state, 'INDEXED');
    for (const severity of SEVERITY_ORDER) {
      assert.equal(result.counts[severity], all.filter((v) => v.severity.toLowerCase() === severity).length, severity);
    }
    assert.equal(result.counts.total, all.length);
    assert.equal(result.fixable, all.filter((v) => v.fixedBy).length);
    assert.equal(result.package_count, data.packages.length);
    assert.equal(result.top_vulnerabilities.length, 3);
    assert.equal(result.more, all.length - 3);

    const ranks = result.top_vulnerabilities.map((v: { severity: string }) => SEVERITY_ORDER.indexOf(v.severity));
    assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), 'most severe first');
    const top = result.top_vulnerabilities[0];
    const expectedTop = all
      .filter((v) => v.severity === 'CRITICAL')
      .sort((a, b) => (b.score ?? -1) - (a.score ?? -1))[0];
    assert.equal(top.id, expectedTop.sourceId);
    assert.equal(top.package, expectedTop.package);
    assert.equal(top.installed_version, expectedTop.version);
    assert.equal(top.fixed_version, expectedTop.fixedBy);
    assert.equal(top.cvss_score, expectedTop.score);

    const text = (await s.callTool('docker_get_vulnerabilities', { image: 'app:1', limit: 3 })).text;
    assert.match(text, new RegExp(`${result.counts.critical} critical, ${result.counts.high} high`));
    assert.match(text, new RegExp(expectedTop.sourceId));
    assert.match(text, new RegExp(`and ${all.length - 3} more; next page: cursor "${result.next_cursor}"`));

    // The rest, a page at a time by cursor: every finding once, the order kept across pages.
    const ids = result.top_vulnerabilities.map((v: { id: string }) => v.id);
    let cursor: string | null = result.next_cursor;
    for (let page = 2; cursor; page++) {
      const next = success(await s.callTool('docker_get_vulnerabilities', { image: 'app:1', limit: 3, cursor }));
      assert.equal(next.page, page);
      assert.equal(next.more, Math.max(0, all.length - page * 3));
      ids.push(...next.top_vulnerabilities.map((v: { id: string }) => v.id));
      cursor = next.next_cursor;
    }
    const whole = success(await s.callTool('docker_get_vulnerabilities', { image: 'app:1', limit: 100 }));
    assert.deepEqual(ids, whole.top_vulnerabilities.map((v: { id: string }) => v.id));
    assert.equal(ids.length, all.length);
  });

  it('keeps a missing CVSS score and a missing fix as null rather than inventing them', async () => {
    const s = await server();
    const result = success(await s.callTool('docker_get_vulnerabilities', { image: 'app:1', limit: 100 }));
    const tar = result.top_vulnerabilities.find((v: { package: string }) => v.package === 'tar');
    assert.ok(tar, 'the tar finding is listed');
    assert.equal(tar.cvss_score, null);
    assert.equal(tar.fixed_version, null);
    assert.equal(tar.severity, 'low');
    assert.equal(result.more, 0);
    const unspecified = result.top_vulnerabilities.at(-1);
    assert.equal(unspecified.severity, 'unspecified');
  });

  it('reports on the requested platform of a multi-platform image', async () => {
    const s = await server();
    const result = success(await s.callTool('docker_get_vulnerabilities', { image: 'demo:1.0', platform: 'linux/arm64' }));
    const arm64 = rig().images['library/demo']['1.0'].platforms.find((p) => p.architecture === 'arm64');
    assert.equal(result.digest, arm64?.digest);
    assert.match(result.platform, /^linux\/arm64/);
    assert.equal(result.platform_choice, 'requested');
    assert.ok(result.available_platforms.length >= 3);
  });

  it('caches the report by digest: a second call does not ask Scout again', async () => {
    const s = await server();
    const first = success(await s.callTool('docker_get_vulnerabilities', { image: 'app:1' }));
    const asked = scoutRequests();
    assert.equal(asked, 1);
    const second = success(await s.callTool('docker_get_vulnerabilities', { image: 'app:1' }));
    assert.deepEqual(second, first);
    assert.equal(scoutRequests(), asked);
    const stats = await s.services.cache.stats();
    assert.ok(stats.byKind.scout.hits >= 1, 'a scout cache hit was counted');
  });

  it('without a login answers UNAUTHORIZED naming the variables, before any request', async () => {
    const s = await server('anonymous');
    rig().registry.resetCounts();
    const text = failure(await s.callTool('docker_get_vulnerabilities', { image: 'app:1' }), 'UNAUTHORIZED');
    assert.match(text, /Docker Scout/);
    assert.match(text, /DOCKERHUB_USERNAME and DOCKERHUB_TOKEN/);
    assert.equal(scoutRequests(), 0);
    assert.equal(rig().registry.counts().manifestHead + rig().registry.counts().manifestGet, 0);
  });

  it('with a refused login answers UNAUTHORIZED without showing the token', async () => {
    const s = await server('anonymous', { DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: 'dckr_pat_wrongWrongWrong000000' });
    const text = failure(await s.callTool('docker_get_vulnerabilities', { image: 'app:1' }), 'UNAUTHORIZED');
    assert.doesNotMatch(text, /wrongWrongWrong/);
    assert.equal(scoutRequests(), 0);
  });

  it('says UNSUPPORTED for images outside Docker Hub', async () => {
    const s = await server();
    rig().registry.resetCounts();
    const text = failure(await s.callTool('docker_get_vulnerabilities', { image: 'ghcr.io/owner/app:1' }), 'UNSUPPORTED');
    assert.match(text, /ghcr\.io/);
    assert.equal(scoutRequests(), 0);
    assert.equal(rig().registry.counts().manifestHead, 0);
  });

  it('says NOT_FOUND, and to try later, while Scout is still indexing', async () => {
    const s = await server();
    const text = failure(await s.callTool('docker_get_vulnerabilities', { image: 'app2:1' }), 'NOT_FOUND');
    assert.match(text, /still analysing/);
    assert.match(text, /app2:1/);
    // Not cached: the next call asks again, as the analysis may have finished.
    await s.callTool('docker_get_vulnerabilities', { image: 'app2:1' });
    assert.equal(scoutRequests(), 2);
  });

  it('says NOT_FOUND for an image Scout has not analysed', async () => {
    const s = await server();
    const text = failure(await s.callTool('docker_get_vulnerabilities', { image: 'many:tag-000' }), 'NOT_FOUND');
    assert.match(text, /has not analysed/);
  });

  it('turns a Scout server error into UPSTREAM_ERROR', async () => {
    const s = await server();
    emulator.control.failNext(1, 503, { path: '/v1/graphql' });
    const text = failure(await s.callTool('docker_get_vulnerabilities', { image: 'app:1' }), 'UPSTREAM_ERROR');
    assert.match(text, /503/);
  });

  it('rejects a bad limit as INVALID_INPUT', async () => {
    const s = await server();
    const text = failure(await s.callTool('docker_get_vulnerabilities', { image: 'app:1', limit: 0 }), 'INVALID_INPUT');
    assert.match(text, /"limit"/);
  });
});
