import { z } from 'zod';
import { HUB_SEARCH_MAX_RESULTS, searchHitRepository, OFFICIAL_NAMESPACE } from '../hub/client';
import { compactCount, day } from '../format';
import type { HubBadge } from '../hub/types';
import { referenceProblem, parseReference, familiarRepository, DEFAULT_REGISTRY } from '../registry/reference';
import { cursorArg, cursorAt, nextCursorOutput, nextPagePhrase, pageNumber, startOf } from './cursor';
import { limitArg } from './schemas';
import { defineTool, READ_ONLY } from './tool';
import { quoted } from '../untrusted';

const hit = z.object({
  image: z.string().describe('Repository as people write it: nginx, bitnami/redis'),
  namespace: z.string(),
  short_description: z.string().nullable(),
  badge: z.string().nullable().describe('official, verified_publisher, open_source or none'),
  is_official: z.boolean(),
  is_verified: z.boolean().describe('Docker Verified Publisher'),
  star_count: z.number().nullable(),
  pull_count: z.union([z.string(), z.number()]).nullable().describe('As Hub’s search rounds it, e.g. "1B+"'),
  updated_at: z.string().nullable(),
  exact_match: z.boolean().describe('The repository is exactly what was searched for'),
});

export const searchImages = defineTool({
  name: 'docker_search_images',
  title: 'Search Docker Hub',
  description:
    'Find Docker Hub repositories by keyword, exact name first: name, official/verified, stars, pulls, last update.',
  input: {
    query: z.string().trim().min(1).max(200),
    limit: limitArg(100, 10),
    cursor: cursorArg,
    official_only: z.boolean().default(false),
    verified_only: z.boolean().default(false),
  },
  output: {
    query: z.string(),
    page: z.number(),
    limit: z.number(),
    total: z.number().describe('Hits for the query (with the filters)'),
    next_cursor: nextCursorOutput,
    results: z.array(hit),
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const badges: Exclude<HubBadge, 'none'>[] = [];
    if (args.official_only) badges.push('official');
    if (args.verified_only) badges.push('verified_publisher');
    const start = startOf('docker_search_images', args);
    const pageNo = pageNumber(start.offset, args.limit);
    const page = await services.hub.search({ query: args.query, page: pageNo, pageSize: args.limit, badges }, signal);
    const exact = exactRepository(args.query);
    const results = page.results
      .map((result) => {
        const repository = searchHitRepository(result.name);
        const namespace = repository.slice(0, repository.indexOf('/'));
        const badge = result.badge ?? null;
        return {
          image: namespace === OFFICIAL_NAMESPACE ? repository.slice(OFFICIAL_NAMESPACE.length + 1) : repository,
          namespace,
          short_description: result.short_description ?? null,
          badge,
          is_official: badge === 'official',
          is_verified: badge === 'verified_publisher',
          star_count: result.star_count ?? null,
          pull_count: result.pull_count ?? null,
          updated_at: result.updated_at ?? null,
          exact_match: repository === exact,
        };
      })
      // Hub's badges filter is honoured upstream; this keeps the promise if it ever is not.
      .filter((result) => badges.length === 0 || badges.some((badge) => badge === result.badge));
    // A stable sort: the exact match moves to the top, the rest keep Hub's order.
    results.sort((a, b) => Number(b.exact_match) - Number(a.exact_match));
    return {
      query: args.query,
      page: pageNo,
      limit: args.limit,
      total: page.total,
      next_cursor: hasNextPage(start.offset + args.limit, args.limit, page.total) ? cursorAt('docker_search_images', args, { offset: start.offset + args.limit }) : null,
      results,
    };
  },
  summarize(result) {
    const header =
      `${result.total} ${result.total === 1 ? 'repository matches' : 'repositories match'} "${result.query}"; page ${result.page}, ${result.results.length} shown` +
      `${nextPagePhrase(result.next_cursor)}` +
      `${!result.next_cursor && result.page * result.limit < result.total ? `; Docker Hub serves no more than ${HUB_SEARCH_MAX_RESULTS} results: refine the query` : ''}.`;
    const lines = result.results.map((entry, index) => {
      const flags = [
        entry.is_official && 'official',
        entry.is_verified && 'verified',
        entry.badge === 'open_source' && 'open source',
        entry.exact_match && 'exact match',
      ].filter(Boolean);
      // Numbered across pages: page 2 of 5 starts at 6, so "the 7th hit" means one repository whatever the page.
      return (
        `${(result.page - 1) * result.limit + index + 1}. ${entry.image}${flags.length ? ` [${flags.join(', ')}]` : ''} ★${entry.star_count ?? '?'}, ` +
        `${compactCount(entry.pull_count)} pulls, updated ${day(entry.updated_at)}${entry.short_description ? ` — ${quoted(entry.short_description, 300)}` : ''}`
      );
    });
    return [header, ...lines].join('\n');
  },
  example: { query: 'nginx', limit: 5 },
});

/** A page starting at `offset` has results, and Docker Hub serves it (it stops at HUB_SEARCH_MAX_RESULTS). */
function hasNextPage(offset: number, limit: number, total: number): boolean {
  return offset < total && offset + limit <= HUB_SEARCH_MAX_RESULTS;
}

/** `nginx` → library/nginx; a query that is not a Hub repository name has no exact match. */
function exactRepository(query: string): string | undefined {
  const candidate = query.trim().toLowerCase();
  if (referenceProblem(candidate)) return undefined;
  const reference = parseReference(candidate, 'query');
  if (reference.registry !== DEFAULT_REGISTRY || reference.tag !== 'latest' || candidate.includes(':')) return undefined;
  return searchHitRepository(familiarRepository(reference));
}
