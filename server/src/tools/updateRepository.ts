import { z } from 'zod';
import { DockerMcpError, invalidInput } from '../errors';
import { hubImageName } from '../hub/reference';
import type { RepositoryUpdate } from '../hub/types';
import { namespaceArg, repositoryNameArg, hubRepositoryArg } from './schemas';
import { defineTool } from './tool';

export const updateRepository = defineTool({
  name: 'docker_update_repository',
  title: 'Update a Docker Hub repository',
  description:
    'Change the short and/or full description of a Docker Hub repository (image, or namespace and name).',
  input: {
    image: hubRepositoryArg().optional(),
    namespace: namespaceArg.optional(),
    name: repositoryNameArg.optional(),
    description: z.string().max(100).optional().describe('Short description'),
    full_description: z.string().max(25000).optional().describe('Overview, Markdown'),
  },
  output: {
    updated: z.literal(true),
    namespace: z.string(),
    repository: z.string(),
    updated_fields: z.array(z.enum(['description', 'full_description'])),
    description: z.string().nullable(),
    full_description_length: z.number().nullable().describe('Characters in the full description now stored'),
    last_modified: z.string().nullable(),
    hub_url: z.string(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, services, signal) {
    services.hubAuth.requireCredentials('updating a repository');
    const { namespace, name } = target(args);
    const update: RepositoryUpdate = {};
    if (args.description !== undefined) update.description = args.description;
    if (args.full_description !== undefined) update.full_description = args.full_description;
    const fields = Object.keys(update) as ('description' | 'full_description')[];
    if (fields.length === 0) throw invalidInput('description', 'or "full_description" must be given: there is nothing to update');
    const updated = await services.hub.updateRepository(namespace, name, update, signal);
    const fullDescription = updated.full_description ?? args.full_description;
    return {
      updated: true as const,
      namespace,
      repository: name,
      updated_fields: fields,
      description: updated.description ?? args.description ?? null,
      full_description_length: fullDescription === undefined || fullDescription === null ? null : fullDescription.length,
      last_modified: updated.last_modified ?? updated.last_updated ?? null,
      hub_url: services.hub.webUrl(namespace, name),
    };
  },
  summarize(result) {
    return `Updated ${result.updated_fields.join(' and ')} of ${result.namespace}/${result.repository}: ${result.hub_url}`;
  },
  example: { image: 'alice/my-app', description: 'Web front end of my app' },
});

function target(args: { image?: string; namespace?: string; name?: string }): { namespace: string; name: string } {
  if (args.image !== undefined) {
    if (args.namespace !== undefined || args.name !== undefined) {
      throw invalidInput('image', 'cannot be combined with "namespace" and "name": give one or the other');
    }
    const hub = hubImageName(args.image, 'docker_update_repository');
    return { namespace: hub.namespace, name: hub.name };
  }
  if (args.namespace === undefined || args.name === undefined) {
    throw new DockerMcpError('INVALID_INPUT', 'argument "image" (e.g. alice/my-app), or both "namespace" and "name", is required.');
  }
  return { namespace: args.namespace, name: args.name };
}
