import assert from 'node:assert/strict';
import { MANY_TAG_COUNT } from '../rig/images';
import { rig } from '../rig/mocha-hooks';
import { failure, success } from './helpers/assertions';
import { startInProcess, type InProcessServer } from './helpers/inProcess';

/** Paging by cursor: every paged tool answers next_cursor, and the same call with it as cursor gives the next page. */
describe('paging by cursor', () => {
  let server: InProcessServer;
  const call = (name: string, args: Record<string, unknown>) => server.callTool(name, args);

  beforeEach(async () => {
    await rig().reset();
    server = await startInProcess();
  });
  afterEach(async () => {
    await server.close();
  });

  /** Follows next_cursor from the first page to the last; each page's structuredContent, in order. */
  async function walk(tool: string, args: Record<string, unknown>, maxPages = 20): Promise<Record<string, any>[]> {
    const pages: Record<string, any>[] = [];
    let cursor: string | undefined;
    do {
      const outcome = await call(tool, { ...args, ...(cursor ? { cursor } : {}) });
      const answer = success(outcome);
      assert.equal(answer.page, pages.length + 1, `${tool}: page numbers follow the cursors`);
      if (answer.next_cursor) assert.ok(outcome.text.includes(`cursor "${answer.next_cursor}"`), `${tool}: the text names the next cursor`);
      pages.push(answer);
      cursor = answer.next_cursor ?? undefined;
    } while (cursor && pages.length < maxPages);
    assert.equal(cursor, undefined, `${tool}: the last page has no next cursor`);
    return pages;
  }

  it("walks a registry's tag list with one tags/list request a page, continuing after the last tag", async () => {
    rig().registry.resetCounts();
    const tagRequests: string[][] = [];
    let seen = 0;
    const pages: Record<string, any>[] = [];
    let cursor: string | undefined;
    do {
      const answer = success(await call('docker_list_tags', { image: 'ghcr.io/library/many', limit: 100, ...(cursor ? { cursor } : {}) }));
      // The first page's request is first answered 401, naming the token service; only answered lists count.
      const requests = rig().registry.proxy.requests().filter((request) => request.kind === 'tagsList' && request.status === 200);
      tagRequests.push(requests.slice(seen).map((request) => request.path));
      seen = requests.length;
      pages.push(answer);
      cursor = answer.next_cursor ?? undefined;
    } while (cursor && pages.length < 10);
    const names = pages.flatMap((page) => page.tags.map((tag: { name: string }) => tag.name));
    assert.equal(names.length, MANY_TAG_COUNT);
    assert.equal(new Set(names).size, MANY_TAG_COUNT, 'no tag twice');
    assert.deepEqual(names, [...names].sort(), 'in the registry’s lexical order');
    assert.deepEqual(pages.map((page) => page.tags.length), [100, 100, 50]);
    assert.deepEqual(pages.map((page) => page.page), [1, 2, 3]);
    assert.equal(pages[2].count, MANY_TAG_COUNT, 'the last page knows the total');
    assert.deepEqual(tagRequests.map((paths) => paths.length), [1, 1, 1], 'one tags/list request a page, none re-read');
    assert.doesNotMatch(tagRequests[0][0], /last=/);
    assert.match(tagRequests[1][0], new RegExp(`last=${names[99]}(&|$)`));
    assert.match(tagRequests[2][0], new RegExp(`last=${names[199]}(&|$)`));
  });

  it('walks Docker Hub tags, repositories and search results, each entry once', async () => {
    const tags = (await walk('docker_list_tags', { image: 'many', limit: 100 })).flatMap((page) => page.tags.map((tag: { name: string }) => tag.name));
    assert.equal(tags.length, MANY_TAG_COUNT);
    assert.equal(new Set(tags).size, MANY_TAG_COUNT);
    const sorted = await walk('docker_list_tags', { image: 'many', limit: 60, sort: 'name' });
    const byName = sorted.flatMap((page) => page.tags.map((tag: { name: string }) => tag.name));
    assert.equal(new Set(byName).size, MANY_TAG_COUNT, 'sorted here and paged here: each tag once');
    const repositories = await walk('docker_list_repositories', { namespace: 'library', limit: 3, ordering: 'name' });
    assert.ok(repositories.length >= 2);
    const names = repositories.flatMap((page) => page.results.map((entry: { repository: string }) => entry.repository));
    assert.equal(names.length, repositories[0].total);
    assert.deepEqual(names, [...names].sort());
    const hits = (await walk('docker_search_images', { query: 'nginx', limit: 2 })).flatMap((page) => page.results.map((hit: { image: string }) => hit.image));
    assert.equal(new Set(hits).size, hits.length);
  });

  it('refuses a cursor that is not one, or belongs to another listing, naming the argument', async () => {
    const first = success(await call('docker_list_tags', { image: 'many', limit: 10 }));
    const cursor = first.next_cursor as string;
    for (const args of [
      { image: 'demo', limit: 10, cursor },
      { image: 'many', limit: 20, cursor },
      { image: 'many', limit: 10, name: 'tag', cursor },
    ]) {
      assert.match(failure(await call('docker_list_tags', args), 'INVALID_INPUT'), /argument "cursor" belongs to another listing/);
    }
    assert.match(failure(await call('docker_list_repositories', { namespace: 'library', limit: 10, cursor }), 'INVALID_INPUT'), /"cursor"/);
    for (const bad of ['2', 'page 2', cursor.slice(0, -3), Buffer.from('[1,"x",-5]').toString('base64url'), 'x'.repeat(600)]) {
      assert.match(failure(await call('docker_list_tags', { image: 'many', limit: 10, cursor: bad }), 'INVALID_INPUT'), /argument "cursor"/);
    }
    // The same arguments written with their defaults spelt out are the same listing.
    const second = success(await call('docker_list_tags', { image: 'many', limit: 10, sort: 'pushed', cursor }));
    assert.equal(second.page, 2);
  });
});
