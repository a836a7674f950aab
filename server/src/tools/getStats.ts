import { z } from 'zod';
import { compactCount, day } from '../format';
import { hubImageName } from '../hub/reference';
import { hubRepositoryArg } from './schemas';
import { defineTool, READ_ONLY } from './tool';

export const getStats = defineTool({
  name: 'docker_get_stats',
  title: 'Docker Hub repository statistics',
  description:
    'Docker Hub popularity: exact pulls, stars, tag count, last update, registration date.',
  input: {
    image: hubRepositoryArg(),
  },
  output: {
    image: z.string().describe('Repository as people write it'),
    namespace: z.string(),
    repository: z.string(),
    pull_count: z.number().nullable(),
    star_count: z.number().nullable(),
    tag_count: z.number().describe('Tags in the repository'),
    last_updated: z.string().nullable(),
    date_registered: z.string().nullable(),
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const hub = hubImageName(args.image, 'docker_get_stats');
    const [repository, tags] = await Promise.all([
      services.hub.getRepository(hub.namespace, hub.name, signal),
      services.hub.listTags(hub.namespace, hub.name, { page: 1, pageSize: 1 }, signal),
    ]);
    return {
      image: hub.familiar,
      namespace: hub.namespace,
      repository: hub.name,
      pull_count: repository.pull_count ?? null,
      star_count: repository.star_count ?? null,
      tag_count: tags.count,
      last_updated: repository.last_updated ?? null,
      date_registered: repository.date_registered ?? null,
    };
  },
  summarize(result) {
    return (
      `${result.image}: ${result.pull_count === null ? '?' : result.pull_count.toLocaleString('en-US')} pulls (${compactCount(result.pull_count)}), ★${result.star_count ?? '?'}, ` +
      `${result.tag_count} tag${result.tag_count === 1 ? '' : 's'}; last updated ${day(result.last_updated)}, registered ${day(result.date_registered)}.`
    );
  },
  example: { image: 'web' },
});
