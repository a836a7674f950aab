import type { Cache } from '../cache/cache';
import { DockerMcpError } from '../errors';
import type { Logger } from '../log';
import { parseJson, type RegistryEndpoints } from './endpoints';
import { familiarRepository } from './reference';
import type { ImageReference, TagPage } from './types';

/** Tags asked for per request: Docker Hub serves at most 100 per page, whatever `n` says. */
const TAG_PAGE_SIZE = 100;
/** A tag listing never walks more pages than this: at most 1000 tags in one call. */
const TAG_PAGES_MAX = 10;
/**
 * Bound of one tag-list page. Distribution ignores `n` and sends every tag at once; 16 MiB is over a million tags of
 * usual length, and no more than that is ever buffered.
 */
const TAG_PAGE_MAX_BYTES = 16 * 1024 * 1024;

/** A registry's tag list (`/v2/<name>/tags/list`), paged by Link on the registry's own origin only. */
export class TagLists {
  constructor(
    private readonly endpoints: RegistryEndpoints,
    private readonly cache: Cache,
    private readonly log: Logger,
  ) {}

  /**
   * One page of tags through `/v2/<name>/tags/list` with Link paging, at most TAG_PAGES_MAX requests.
   * `last` continues after that tag, as the distribution spec defines.
   */
  async listTags(
    reference: ImageReference,
    options: { limit: number; last?: string },
    signal?: AbortSignal,
  ): Promise<TagPage> {
    const limit = Math.max(1, Math.min(options.limit, TAG_PAGE_SIZE * TAG_PAGES_MAX));
    const key = `${reference.registry}/${reference.repository}?n=${limit}&last=${options.last ?? ''}`;
    return this.cache.getJson('tagList', key, async (shared) => {
      const tags: string[] = [];
      const first = new URL(this.endpoints.url(reference, 'tags/list'));
      first.searchParams.set('n', String(Math.min(limit, TAG_PAGE_SIZE)));
      if (options.last) first.searchParams.set('last', options.last);
      let url: string | undefined = first.toString();
      let more = false;
      for (let page = 0; url && tags.length < limit; page++) {
        if (page >= TAG_PAGES_MAX) {
          more = true;
          break;
        }
        const response = await this.endpoints.send(reference, {
          method: 'GET',
          url,
          headers: { accept: 'application/json' },
          maxBytes: TAG_PAGE_MAX_BYTES,
          signal: shared,
        });
        if (response.status !== 200) throw this.endpoints.failure(response, reference, `repository ${familiarRepository(reference)}`);
        const body = parseJson(response.body) as { tags?: unknown } | undefined;
        // `tags: null` is an empty repository; a page that is not a tag list at all must not pass for one.
        if (!body || typeof body !== 'object' || !('tags' in body)) {
          throw new DockerMcpError(
            'UPSTREAM_ERROR',
            `${reference.registry} answered the tag list of ${familiarRepository(reference)} with something that is not a tag list; try again later.`,
          );
        }
        const pageTags = Array.isArray(body.tags) ? body.tags : [];
        // One at a time: spreading a page of millions into push() overflows the stack.
        for (let i = 0; i < pageTags.length && tags.length <= limit; i++) {
          if (typeof pageTags[i] === 'string') tags.push(pageTags[i]);
        }
        const next = nextLink(response.headers.link, url, first);
        if (next === null) {
          // The caller continues with `last` on the registry's own origin instead.
          this.log.warn('ignored a tag-list Link that leaves the repository\'s tag list', { registry: reference.registry });
        }
        url = next ?? undefined;
        more = next !== undefined;
      }
      const page: TagPage = { tags: tags.slice(0, limit) };
      if (more || tags.length > limit) page.next = page.tags[page.tags.length - 1];
      return page;
    }, signal);
  }
}

/**
 * `<…>; rel="next"` → absolute URL, resolved against the request that carried it; undefined when there is none, null
 * when it points anywhere but this repository's tag list on the registry's own origin (another host would get the
 * registry's token and its tags would pass for this repository's; a `file:` or `data:` URL is no request at all).
 */
export function nextLink(header: string | undefined, current: string, tagList: URL): string | undefined | null {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /<([^>]+)>\s*;(.*)$/.exec(part.trim());
    if (!match || !/rel="?next"?/i.test(match[2])) continue;
    let next: URL;
    try {
      next = new URL(match[1], current);
    } catch {
      return null;
    }
    return next.origin === tagList.origin && next.pathname === tagList.pathname ? next.toString() : null;
  }
  return undefined;
}
