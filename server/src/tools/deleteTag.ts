import { z } from 'zod';
import { invalidInput } from '../errors';
import { hubImageName } from '../hub/reference';
import { hubRepositoryArg } from './schemas';
import { defineTool } from './tool';

export const deleteTag = defineTool({
  name: 'docker_delete_tag',
  title: 'Delete a Docker Hub tag',
  description:
    'Delete a Docker Hub tag, for good. The user confirms the exact tag: asked through the client, or pass it as confirm.',
  input: {
    image: hubRepositoryArg('Repository and tag'),
    confirm: z.string().max(128).optional().describe('The tag, confirmed by the user'),
  },
  output: {
    deleted: z.boolean().describe('False when the user declined'),
    image: z.string(),
    namespace: z.string(),
    repository: z.string(),
    tag: z.string(),
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  async handler(args, services, signal, _progress, context) {
    services.hubAuth.requireCredentials('deleting a tag');
    const hub = hubImageName(args.image, 'docker_delete_tag');
    if (!hub.tagWritten || !hub.tag || hub.reference.digest) {
      throw invalidInput('image', `must name exactly the tag to delete, without a digest (e.g. ${hub.familiar}:old)`);
    }
    const image = `${hub.familiar}:${hub.tag}`;
    const facts = { image, namespace: hub.namespace, repository: hub.name, tag: hub.tag };
    // The user, not the model, decides: asked through the client when it can ask, else the call must repeat the tag.
    if (context?.confirm) {
      const yes = await context.confirm(`Delete the tag ${image} from Docker Hub? This cannot be undone.`, signal);
      if (!yes) return { deleted: false, ...facts };
    } else if (args.confirm !== hub.tag && args.confirm !== image) {
      throw invalidInput(
        'confirm',
        `must repeat the tag to delete ("${hub.tag}"): ask the user to confirm deleting ${image}, which cannot be undone, then call again with confirm set to it`,
      );
    }
    await services.hub.deleteTag(hub.namespace, hub.name, hub.tag, signal);
    return { deleted: true, ...facts };
  },
  summarize(result) {
    return result.deleted ? `Deleted tag ${result.image} from Docker Hub.` : `Not deleted: the user declined to delete ${result.image}.`;
  },
  example: { image: 'alice/private-app:1', confirm: '1' },
});
