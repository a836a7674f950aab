// ImageFacts against the built server (server/dist/index.js, over stdio through the extension's ServerConnection) and
// the rig: what each question costs upstream, counted where the rig receives it, and what is kept when Docker Hub
// refuses. Time is the test's own clock.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageFacts } from '../../../extension/src/editor/imageFacts';
import { ServerConnection } from '../../../extension/src/serverConnection';
import { startRig, type Rig } from '../../rig/index';

const SERVER_SCRIPT = join(__dirname, '..', '..', '..', 'server', 'dist', 'index.js');
const NOW = Date.parse('2026-12-01T12:00:00Z');
const MINUTE = 60_000;

describe('editor: what image facts cost upstream (real server, rig)', function () {
  this.timeout(60_000);
  let rig: Rig;
  let cacheDir: string;
  let connection: ServerConnection;
  let now: number;
  let facts: ImageFacts;

  before(async () => {
    rig = await startRig();
    cacheDir = await mkdtemp(join(tmpdir(), 'dhm-editor-facts-'));
    const log = { debug() {}, info() {}, warn() {}, error() {} };
    connection = new ServerConnection({ command: process.execPath, args: [SERVER_SCRIPT], environment: async () => ({ ...rig.env, DOCKERHUB_MCP_CACHE_DIR: cacheDir }) }, log);
  });

  after(async () => {
    await connection?.dispose();
    await rig?.stop();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    // A new server each time: an empty memory cache (Hub answers live there) and no failures remembered.
    await connection.restart();
    await rig.reset();
    rig.hub.resetRequests();
    now = NOW;
    facts = new ImageFacts(connection, { freshForMs: 10 * MINUTE, retryAfterMs: MINUTE, now: () => now });
  });

  /** Every request Docker Hub's API, the registry and its token server received since the last reset. */
  function upstream(): { hub: string[]; registry: number } {
    const registry = Object.values(rig.registry.counts()).reduce((sum, n) => sum + n, 0);
    return { hub: rig.hub.requests().map((record) => record.path), registry };
  }

  function digestOf(repository: string, tag: string): string {
    return rig.images[repository][tag].digest;
  }

  it('a Docker Hub version tag, its line and another tag of that line: one listing in all', async () => {
    const [tag, newer] = await Promise.all([facts.tag('web:1.27.1', true), facts.newerInLine('web', '1.27.1', true)]);
    assert.ok(tag.ok, JSON.stringify(tag));
    assert.equal(tag.value.digest, digestOf('library/web', '1.27.1'));
    assert.match(tag.value.pushed ?? '', /^\d{4}-\d\d-\d\dT/);
    const amd64 = tag.value.platforms.find((entry) => entry.platform === 'linux/amd64');
    assert.ok(amd64 && typeof amd64.size === 'number' && amd64.size > 0, JSON.stringify(tag.value.platforms));
    assert.ok(tag.value.platforms.some((entry) => entry.platform !== 'linux/amd64' && entry.size === null), 'only the listed platform is sized');
    assert.ok(newer.ok && newer.value === '1.27.4', JSON.stringify(newer));
    const moved = await facts.tag('web:1.27.4', true);
    assert.ok(moved.ok && moved.value.digest === digestOf('library/web', '1.27.4'));
    const { hub, registry } = upstream();
    assert.equal(hub.length, 1, hub.join('\n'));
    assert.match(hub[0], /\/repositories\/web\/tags\?.*name=1\.27\./);
    assert.equal(registry, 0, 'the registry is not asked');
  });

  it('a floating tag is found in its line’s listing, sized for the file’s platform', async () => {
    const [tag, newer] = await Promise.all([facts.tag('python:3.12-slim', true, 'linux/arm64'), facts.newerInLine('python', '3.12-slim', true, 'linux/arm64')]);
    assert.ok(tag.ok, JSON.stringify(tag));
    assert.equal(tag.value.digest, digestOf('library/python', '3.12-slim'));
    const arm64 = tag.value.platforms.find((entry) => entry.platform.startsWith('linux/arm64'));
    assert.ok(arm64 && typeof arm64.size === 'number', JSON.stringify(tag.value.platforms));
    assert.ok(newer.ok && newer.value === '3.12.8-slim', JSON.stringify(newer));
    const { hub, registry } = upstream();
    assert.equal(hub.length, 1, hub.join('\n'));
    assert.match(hub[0], /name=3\.12(&|$)/);
    assert.match(hub[0], /architecture=arm64/);
    assert.equal(registry, 0);
  });

  it('the hover’s tag details size every platform; asked only when called for', async () => {
    await facts.tag('web:1.27.1', true);
    const before = upstream().hub.length;
    const details = await facts.tagDetails('web:1.27.1');
    assert.ok(details.ok, JSON.stringify(details));
    assert.equal(details.value.digest, digestOf('library/web', '1.27.1'));
    assert.ok(details.value.platforms.length > 1 && details.value.platforms.every((entry) => typeof entry.size === 'number'), JSON.stringify(details.value.platforms));
    assert.equal(upstream().hub.length, before + 1);
  });

  it('a tag no listing holds is asked for by name: NOT_FOUND, then the repository’s close match', async () => {
    const tag = await facts.tag('demo:lastest', true);
    assert.ok(!tag.ok && tag.error.code === 'NOT_FOUND', JSON.stringify(tag));
    const missing = await facts.whatIsMissing('demo', 'lastest');
    assert.deepEqual(missing.ok && missing.value, { missing: 'tag', closeMatch: 'latest' });
  });

  it('refused after the facts expired: they stay, as old as they are, with the failure; answering again renews them', async () => {
    const first = await facts.tag('web:1.27.1', true);
    assert.ok(first.ok);
    now += 2 * MINUTE;
    rig.hub.control.rateLimitNext(Infinity, { retryAfterSeconds: 3600 });
    await connection.restart();
    facts.expire();
    rig.hub.resetRequests();
    const [kept, newer] = await Promise.all([facts.tag('web:1.27.1', true), facts.newerInLine('web', '1.27.1', true)]);
    assert.ok(upstream().hub.length > 0, 'Docker Hub was asked again');
    assert.ok(kept.ok && kept.value.digest === first.value.digest, JSON.stringify(kept));
    assert.equal(kept.fetchedAt, NOW, 'as old as the facts, not the failed check');
    assert.equal(kept.failedRefresh?.code, 'RATE_LIMITED', JSON.stringify(kept.failedRefresh));
    assert.ok(newer.ok && newer.value === '1.27.4' && newer.failedRefresh?.code === 'RATE_LIMITED', JSON.stringify(newer));

    rig.hub.control.reset();
    // The server remembers Hub's Retry-After and would not ask before it: a new one, as after Clear Cache.
    await connection.restart();
    now += 2 * MINUTE;
    facts.expire();
    const renewed = await facts.tag('web:1.27.1', true);
    assert.ok(renewed.ok && renewed.fetchedAt === now && !renewed.failedRefresh, JSON.stringify(renewed));
  });
});
