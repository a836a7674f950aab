import { z } from 'zod';
import { DockerMcpError, invalidInput } from '../errors';
import { compactCount, day } from '../format';
import { cursorArg, cursorAt, nextCursorOutput, nextPagePhrase, pageNumber, startOf } from './cursor';
import { limitArg, namespaceArg } from './schemas';
import { defineTool, READ_ONLY } from './tool';
import { quoted } from '../untrusted';

const ORDERINGS = ['name', '-name', 'last_updated', '-last_updated', 'pull_count', '-pull_count'] as const;

const repository = z.object({
  repository: z.string().describe('The name within the namespace'),
  namespace: z.string(),
  description: z.string().nullable(),
  is_private: z.boolean().nullable(),
  star_count: z.number().nullable(),
  pull_count: z.number().nullable(),
  last_updated: z.string().nullable(),
  status_description: z.string().nullable(),
});

export const listRepositories = defineTool({
  name: 'docker_list_repositories',
  title: 'Docker Hub repositories of a namespace',
  description:
    'Repositories of a Docker Hub namespace (default yours), paged: name, description, visibility, stars, pulls, last update.',
  input: {
    namespace: namespaceArg.optional().describe('Default: yours'),
    limit: limitArg(100, 25),
    cursor: cursorArg,
    ordering: z.enum(ORDERINGS).optional().describe('"-" reverses'),
  },
  output: {
    namespace: z.string(),
    page: z.number(),
    limit: z.number(),
    total: z.number().describe('Repositories in the namespace visible to this login'),
    next_cursor: nextCursorOutput,
    authenticated: z.boolean().describe('Whether the request was made with a login (private repositories visible)'),
    results: z.array(repository),
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const namespace = args.namespace ?? services.config.username;
    if (!namespace) {
      throw invalidInput('namespace', 'is required when no Docker Hub login is configured (e.g. library, bitnami)');
    }
    const start = startOf('docker_list_repositories', args);
    const pageNo = pageNumber(start.offset, args.limit);
    const page = await services.hub.listRepositories(namespace, { page: pageNo, pageSize: args.limit, ordering: args.ordering }, signal);
    if (pageNo === 1 && page.count === 0 && !(await services.hub.namespaceExists(namespace, signal))) {
      throw new DockerMcpError('NOT_FOUND', `namespace "${namespace}" does not exist on Docker Hub; check the spelling (docker_list_namespaces shows your own).`, {
        status: 404,
      });
    }
    return {
      namespace,
      page: pageNo,
      limit: args.limit,
      total: page.count,
      next_cursor:
        page.next || start.offset + args.limit < page.count ? cursorAt('docker_list_repositories', args, { offset: start.offset + args.limit }) : null,
      authenticated: services.hubAuth.hasCredentials,
      results: page.results.map((entry) => ({
        repository: entry.name,
        namespace: entry.namespace ?? namespace,
        description: entry.description ?? null,
        is_private: entry.is_private ?? null,
        star_count: entry.star_count ?? null,
        pull_count: entry.pull_count ?? null,
        last_updated: entry.last_updated ?? null,
        status_description: entry.status_description ?? null,
      })),
    };
  },
  summarize(result) {
    const header =
      `${result.namespace}: ${result.total} ${result.total === 1 ? 'repository' : 'repositories'}${result.authenticated ? '' : ' (public only: no login)'}; ` +
      `page ${result.page}, ${result.results.length} shown${nextPagePhrase(result.next_cursor)}.`;
    const lines = result.results.map(
      (entry) =>
        `- ${entry.namespace}/${entry.repository}${entry.is_private ? ' [private]' : ''}: ★${entry.star_count ?? '?'}, ` +
        `${compactCount(entry.pull_count)} pulls, updated ${day(entry.last_updated)}${entry.description ? ` — ${quoted(entry.description, 300)}` : ''}`,
    );
    return [header, ...lines].join('\n');
  },
  example: { namespace: 'alice', limit: 10, ordering: '-pull_count' },
});
