import { searchHitRepository } from './hub/client';
import type { Services } from './services';

/** Completion lists are short: a client shows them as you type. */
const COMPLETION_MAX = 10;

/** Docker Hub repositories whose names match what was typed so far, as people write them (nginx, bitnami/redis). */
export async function completeRepository(services: Services, typed: string): Promise<string[]> {
  const hits = await hubHits(services, typed);
  return hits.map(({ namespace, name }) => (namespace === 'library' ? name : `${namespace}/${name}`));
}

/** Namespaces among the Hub repositories matching what was typed. */
export async function completeNamespace(services: Services, typed: string): Promise<string[]> {
  const hits = await hubHits(services, typed);
  return [...new Set(hits.map((hit) => hit.namespace).filter((namespace) => namespace.startsWith(typed.trim().toLowerCase())))];
}

/** Repository names within `namespace` matching what was typed. */
export async function completeRepositoryIn(services: Services, namespace: string | undefined, typed: string): Promise<string[]> {
  if (!namespace) return [];
  const hits = await hubHits(services, `${namespace}/${typed}`);
  return hits.filter((hit) => hit.namespace === namespace && hit.name.startsWith(typed.trim().toLowerCase())).map((hit) => hit.name);
}

/** Runtimes people ask the choose-base-image prompt about. */
const RUNTIMES = ['node', 'python', 'go', 'java', 'dotnet', 'ruby', 'php', 'rust', 'deno', 'bun', 'elixir', 'nginx', 'postgres'];

export function completeRuntime(typed: string): string[] {
  const start = typed.trim().toLowerCase();
  return RUNTIMES.filter((runtime) => runtime.startsWith(start));
}

/** A failing or slow search completes nothing rather than failing the client's completion request. */
async function hubHits(services: Services, query: string): Promise<{ namespace: string; name: string }[]> {
  const text = query.trim().toLowerCase();
  if (text.length < 2 || text.length > 200) return [];
  try {
    const page = await services.hub.search({ query: text, page: 1, pageSize: COMPLETION_MAX });
    return page.results.map((hit) => {
      const [namespace, name] = searchHitRepository(hit.name).split('/');
      return { namespace, name };
    });
  } catch (err) {
    services.log.info('completion search failed', { error: err instanceof Error ? err.message : String(err) });
    return [];
  }
}
