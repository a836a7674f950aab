import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cache, sha256Digest } from '../../server/src/cache/cache';
import { createLogger } from '../../server/src/log';

const quiet = createLogger('error', () => undefined);

/** Moves the clock lru-cache reads (performance.now) forward, as time passing would. */
async function afterMinutes<T>(minutes: number, check: () => Promise<T>): Promise<T> {
  const original = performance.now.bind(performance);
  performance.now = () => original() + minutes * 60_000;
  try {
    // lru-cache keeps its reading of the clock for 1 ms.
    await new Promise((resolve) => setTimeout(resolve, 5));
    return await check();
  } finally {
    performance.now = original;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function blob(text: string): { digest: string; bytes: Buffer } {
  const bytes = Buffer.from(text);
  return { digest: sha256Digest(bytes), bytes };
}

describe('cache', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'dhm-cache-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('stays within its byte bound, dropping the least recently used', async () => {
    const cache = new Cache({ maxBytes: 10_000, log: quiet });
    for (let i = 0; i < 30; i++) await cache.set('tagList', `repo-${i}`, Buffer.alloc(1000, i));
    const stats = await cache.stats();
    assert.ok(stats.memoryBytes <= 10_000, `memory ${stats.memoryBytes} bytes`);
    assert.ok(stats.memoryEntries < 30 && stats.memoryEntries > 0);
    assert.equal(await cache.get('tagList', 'repo-0'), undefined);
    assert.deepEqual(await cache.get('tagList', 'repo-29'), Buffer.alloc(1000, 29));
  });

  it('expires each kind after its own TTL and keeps digest-addressed kinds', async () => {
    const cache = new Cache({ maxBytes: 1_000_000, log: quiet });
    const manifest = blob('{"schemaVersion":2}');
    await cache.set('manifest', manifest.digest, manifest.bytes);
    await cache.set('hubSearch', 'q', Buffer.from('search'));
    await cache.set('tagDigest', 'docker.io/library/demo:latest', Buffer.from('digest'));
    await cache.set('tagList', 'docker.io/library/demo', Buffer.from('tags'));
    await cache.set('hubRepository', 'library/demo', Buffer.from('repo'));

    await afterMinutes(5.1, async () => {
      assert.equal(await cache.get('hubSearch', 'q'), undefined, 'search lives 5 minutes');
      assert.ok(await cache.get('tagDigest', 'docker.io/library/demo:latest'), 'tag digest lives 10 minutes');
    });
    await afterMinutes(10.1, async () => {
      assert.equal(await cache.get('tagDigest', 'docker.io/library/demo:latest'), undefined);
      assert.ok(await cache.get('tagList', 'docker.io/library/demo'), 'tag list lives 15 minutes');
    });
    await afterMinutes(61, async () => {
      assert.equal(await cache.get('tagList', 'docker.io/library/demo'), undefined);
      assert.equal(await cache.get('hubRepository', 'library/demo'), undefined, 'repository details live an hour');
      assert.deepEqual(await cache.get('manifest', manifest.digest), manifest.bytes, 'a digest never expires');
    });
  });

  it('counts hits and misses by kind, entries and bytes, memory and disk', async () => {
    const cache = new Cache({ maxBytes: 1_000_000, directory, log: quiet });
    const config = blob('{"architecture":"amd64"}');
    let loads = 0;
    const load = async () => {
      loads++;
      return config.bytes;
    };
    await cache.getOrLoad('blob', config.digest, load);
    await cache.getOrLoad('blob', config.digest, load);
    await cache.getOrLoad('blob', config.digest, load);
    await cache.getJson('tagDigest', 'k', async () => ({ digest: config.digest }));
    const stats = await cache.stats();
    assert.equal(loads, 1);
    assert.deepEqual(stats.byKind.blob, { hits: 2, misses: 1, entries: 1, bytes: config.bytes.length });
    assert.deepEqual(stats.byKind.tagDigest, { hits: 0, misses: 1, entries: 1, bytes: Buffer.from(JSON.stringify({ digest: config.digest })).length });
    assert.equal(stats.hits, 2);
    assert.equal(stats.misses, 2);
    assert.equal(stats.hitRate, 0.5);
    assert.deepEqual(stats.disk, { enabled: true, directory, entries: 1, bytes: config.bytes.length });
  });

  it('loads once for identical concurrent requests', async () => {
    const cache = new Cache({ maxBytes: 1_000_000, log: quiet });
    const manifest = blob('{"concurrent":true}');
    let loads = 0;
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        cache.getOrLoad('manifest', manifest.digest, async () => {
          loads++;
          await new Promise((resolve) => setTimeout(resolve, 20));
          return manifest.bytes;
        }),
      ),
    );
    assert.equal(loads, 1);
    for (const result of results) assert.deepEqual(result, manifest.bytes);
  });

  it('serves digest-addressed entries from disk after a restart', async () => {
    const manifest = blob('{"mediaType":"application/vnd.oci.image.manifest.v1+json"}');
    await new Cache({ maxBytes: 1_000_000, directory, log: quiet }).set('manifest', manifest.digest, manifest.bytes);
    const restarted = new Cache({ maxBytes: 1_000_000, directory, log: quiet });
    const served = await restarted.getOrLoad('manifest', manifest.digest, async () => {
      throw new Error('must come from disk');
    });
    assert.deepEqual(served, manifest.bytes);
  });

  it('drops a corrupt disk file and never serves it', async () => {
    const manifest = blob('{"schemaVersion":2,"layers":[]}');
    await new Cache({ maxBytes: 1_000_000, directory, log: quiet }).set('manifest', manifest.digest, manifest.bytes);
    const path = join(directory, 'manifest', 'sha256', manifest.digest.slice('sha256:'.length));
    assert.ok(existsSync(path));
    await writeFile(path, '{"schemaVersion":2,"layers":["tampered"]}');

    const logged: string[] = [];
    const restarted = new Cache({ maxBytes: 1_000_000, directory, log: createLogger('warn', (line) => logged.push(line)) });
    assert.equal(await restarted.get('manifest', manifest.digest), undefined);
    assert.equal(existsSync(path), false, 'the corrupt file is deleted');
    assert.ok(logged.some((line) => line.includes('corrupt')));
    const reloaded = await restarted.getOrLoad('manifest', manifest.digest, async () => manifest.bytes);
    assert.deepEqual(reloaded, manifest.bytes);
  });

  it('refuses to keep bytes that do not match their digest', async () => {
    const cache = new Cache({ maxBytes: 1_000_000, directory, log: quiet });
    const claimed = blob('the real content');
    await cache.set('blob', claimed.digest, Buffer.from('something else'));
    assert.equal(await cache.get('blob', claimed.digest), undefined);
    assert.equal((await cache.stats()).disk.entries, 0);
  });

  it('clears memory and disk', async () => {
    const cache = new Cache({ maxBytes: 1_000_000, directory, log: quiet });
    const manifest = blob('{"clear":1}');
    await cache.set('manifest', manifest.digest, manifest.bytes);
    await cache.set('tagList', 'x', Buffer.from('y'));
    assert.deepEqual(await cache.clear(), { memoryEntries: 2, diskEntries: 1 });
    assert.equal(await cache.get('tagList', 'x'), undefined);
    assert.equal(await new Cache({ maxBytes: 1_000_000, directory, log: quiet }).get('manifest', manifest.digest), undefined);
    assert.deepEqual(existsSync(directory) ? await readdir(directory) : [], []);
  });

  it('clears only the files it wrote, leaving anything else in the folder', async () => {
    const cache = new Cache({ maxBytes: 1_000_000, directory, log: quiet });
    const manifest = blob('{"mine":1}');
    await cache.set('manifest', manifest.digest, manifest.bytes);
    const outside = await mkdtemp(join(tmpdir(), 'dhm-outside-'));
    try {
      const hex = (text: string) => sha256Digest(Buffer.from(text)).slice('sha256:'.length);
      await writeFile(join(outside, hex('theirs')), 'theirs');
      await writeFile(join(directory, 'notes.txt'), 'the user keeps notes here');
      await writeFile(join(directory, 'manifest', 'sha256', 'README'), 'not ours');
      await mkdir(join(directory, 'projects', 'app'), { recursive: true });
      await writeFile(join(directory, 'projects', 'app', 'Dockerfile'), 'FROM scratch');
      await symlink(join(outside, hex('theirs')), join(directory, 'manifest', 'sha256', hex('linked')));
      await symlink(outside, join(directory, 'blob'));

      assert.deepEqual(await cache.clear(), { memoryEntries: 1, diskEntries: 1 });
      assert.equal(existsSync(join(directory, 'manifest', 'sha256', manifest.digest.slice(7))), false, 'our file is gone');
      assert.equal(await readFile(join(directory, 'notes.txt'), 'utf8'), 'the user keeps notes here');
      assert.equal(await readFile(join(directory, 'manifest', 'sha256', 'README'), 'utf8'), 'not ours');
      assert.equal(await readFile(join(directory, 'projects', 'app', 'Dockerfile'), 'utf8'), 'FROM scratch');
      assert.equal(await readFile(join(outside, hex('theirs')), 'utf8'), 'theirs', 'a link is never followed');
      assert.ok(existsSync(join(directory, 'blob')), 'a link planted in place of a folder is not ours to remove');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('never follows a link or blocks on a FIFO planted in the cache folder', async function () {
    this.timeout(10_000);
    const manifest = blob('{"planted":"fifo"}');
    const config = blob('{"planted":"link"}');
    const outside = await mkdtemp(join(tmpdir(), 'dhm-outside-'));
    const fifos = [join(directory, 'manifest', 'sha256', manifest.digest.slice(7)), join(outside, 'pipe')];
    try {
      await mkdir(join(directory, 'manifest', 'sha256'), { recursive: true });
      await mkdir(join(directory, 'blob', 'sha256'), { recursive: true });
      for (const fifo of fifos) assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
      await symlink(fifos[1], join(directory, 'blob', 'sha256', config.digest.slice(7)));
      const cache = new Cache({ maxBytes: 1_000_000, directory, log: quiet });
      const reads = Promise.all([
        cache.getOrLoad('manifest', manifest.digest, async () => manifest.bytes),
        cache.getOrLoad('blob', config.digest, async () => config.bytes),
      ]).then(async ([one, two]) => [one, two, await cache.stats()] as const);
      const wedged = new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('the cache blocked on a FIFO')), 3000));
      const [fromManifest, fromConfig, stats] = await Promise.race([reads, wedged]);
      assert.deepEqual(fromManifest, manifest.bytes);
      assert.deepEqual(fromConfig, config.bytes);
      assert.equal(stats.disk.entries, 2, 'the planted entries were replaced by regular files');
      assert.deepEqual(await new Cache({ maxBytes: 1_000_000, directory, log: quiet }).get('blob', config.digest), config.bytes);
    } finally {
      // Lets a read that did block (on a server without the fix) finish, so no worker thread stays wedged.
      for (const fifo of fifos) {
        try {
          closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
        } catch {
          // no reader, or not a FIFO any more
        }
      }
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('one load for identical concurrent reads, kept going for the others when the caller that started it gives up', async () => {
    const cache = new Cache({ maxBytes: 1_000_000, log: quiet });
    const manifest = blob('{"shared":"load"}');
    let loads = 0;
    let loadSignal: AbortSignal | undefined;
    let finish: () => void = () => undefined;
    const load = (signal: AbortSignal) => {
      loads++;
      loadSignal = signal;
      return new Promise<Buffer>((resolve, reject) => {
        finish = () => resolve(manifest.bytes);
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    };
    const starter = new AbortController();
    const first = cache.getOrLoad('manifest', manifest.digest, load, starter.signal);
    const second = cache.getOrLoad('manifest', manifest.digest, load, new AbortController().signal);
    await new Promise((resolve) => setImmediate(resolve));
    starter.abort();
    await assert.rejects(first, { name: 'DockerMcpError' });
    assert.equal(loadSignal!.aborted, false, 'the load goes on for the caller still waiting');
    finish();
    assert.deepEqual(await second, manifest.bytes);
    assert.equal(loads, 1);
  });
});
