import { DockerMcpError } from '../errors';
import { DEFAULT_REGISTRY, parseReference, referenceProblem } from '../registry/reference';
import type { HubClient } from './client';
import { searchHitRepository } from './client';

/** Image arguments whose repository a NOT_FOUND may be about. */
const IMAGE_ARGUMENTS = ['image', 'image_a', 'image_b', 'base'];
/** Edits (insert, delete, substitute, swap two neighbours) a name may be from the one meant. */
const MAX_DISTANCE = 2;
const SUGGESTION_DEADLINE_MS = 2000;

/**
 * A NOT_FOUND about a Docker Hub image gains "did you mean …?" when Docker Hub's search knows a repository whose
 * name is a typo away (`ngnix` → nginx). At most two searches (the name, then its first two letters, since the
 * search matches words rather than spellings), both cached; any failure leaves the error as it was.
 */
export async function withRepositorySuggestion(
  error: DockerMcpError,
  args: unknown,
  hub: HubClient,
  signal: AbortSignal,
): Promise<DockerMcpError> {
  if (error.code !== 'NOT_FOUND' || !args || typeof args !== 'object' || signal.aborted) return error;
  const repositories = IMAGE_ARGUMENTS.map((name) => (args as Record<string, unknown>)[name])
    .filter((value): value is string => typeof value === 'string' && !referenceProblem(value))
    .map((value) => parseReference(value))
    .filter((reference) => reference.registry === DEFAULT_REGISTRY)
    .map((reference) => reference.repository);
  // The suggestion may not hold the answer up: a slow search is dropped after SUGGESTION_DEADLINE_MS.
  const bounded = AbortSignal.any([signal, AbortSignal.timeout(SUGGESTION_DEADLINE_MS)]);
  for (const repository of new Set(repositories)) {
    try {
      const suggestion = await closestRepository(repository, hub, bounded);
      if (suggestion) {
        // The repository is what is missing, not a tag: listing its tags would fail the same way.
        return new DockerMcpError('NOT_FOUND', `${error.message} Did you mean ${suggestion}? (a Docker Hub repository with a similar name)`, {
          status: error.status,
          nextStep: error.nextStep === 'list-tags' ? undefined : error.nextStep,
        });
      }
    } catch {
      // A suggestion is a courtesy: the original error stands.
    }
  }
  return error;
}

async function closestRepository(repository: string, hub: HubClient, signal: AbortSignal): Promise<string | undefined> {
  const name = repository.slice(repository.lastIndexOf('/') + 1);
  for (const query of new Set([name, name.slice(0, 2)])) {
    if (query.length < 2) continue;
    const page = await hub.search({ query, page: 1, pageSize: 100 }, signal);
    let best: { familiar: string; distance: number } | undefined;
    for (const hit of page.results) {
      const candidate = searchHitRepository(hit.name);
      if (candidate === repository) return undefined;
      const distance = editDistance(candidate, repository);
      if (distance <= MAX_DISTANCE && (!best || distance < best.distance)) {
        best = { familiar: candidate.startsWith('library/') ? candidate.slice('library/'.length) : candidate, distance };
      }
    }
    if (best) return best.familiar;
  }
  return undefined;
}

/** Optimal string alignment distance: Levenshtein plus the swap of two neighbouring letters (`ngnix` ↔ `nginx` is 1). */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > MAX_DISTANCE) return MAX_DISTANCE + 1;
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}
