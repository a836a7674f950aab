import { z } from 'zod';
import { namespaceArg, repositoryNameArg } from './schemas';
import { defineTool } from './tool';

export const createRepository = defineTool({
  name: 'docker_create_repository',
  title: 'Create a Docker Hub repository',
  description:
    'Create an empty Docker Hub repository; ask the user for name and visibility first. An existing name is CONFLICT.',
  input: {
    namespace: namespaceArg,
    name: repositoryNameArg,
    description: z.string().max(100).optional().describe('Short description'),
    full_description: z.string().max(25000).optional().describe('Overview, Markdown'),
    is_private: z.boolean().default(false).describe('Private'),
  },
  output: {
    created: z.literal(true),
    namespace: z.string(),
    repository: z.string(),
    image: z.string().describe('Reference to push to, e.g. alice/my-app'),
    is_private: z.boolean(),
    description: z.string().nullable(),
    date_registered: z.string().nullable(),
    hub_url: z.string(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler(args, services, signal) {
    services.hubAuth.requireCredentials(`creating repository ${args.namespace}/${args.name}`);
    const created = await services.hub.createRepository(
      args.namespace,
      {
        name: args.name,
        description: args.description ?? '',
        full_description: args.full_description,
        is_private: args.is_private,
      },
      signal,
    );
    const namespace = created.namespace ?? args.namespace;
    const name = created.name ?? args.name;
    return {
      created: true as const,
      namespace,
      repository: name,
      image: namespace === 'library' ? name : `${namespace}/${name}`,
      is_private: created.is_private ?? args.is_private,
      description: created.description ?? args.description ?? null,
      date_registered: created.date_registered ?? null,
      hub_url: services.hub.webUrl(namespace, name),
    };
  },
  summarize(result) {
    return (
      `Created ${result.is_private ? 'private' : 'public'} repository ${result.namespace}/${result.repository}: ${result.hub_url}\n` +
      `Push with: docker push ${result.image}:<tag>`
    );
  },
  example: { namespace: 'alice', name: 'my-app', description: 'My application', is_private: true },
});
