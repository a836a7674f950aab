import { z } from 'zod';
import { invalidInput } from '../errors';
import { hubImageName } from '../hub/reference';
import { imageArg } from './schemas';
import { defineTool } from './tool';

export const deleteTag = defineTool({
  name: 'docker_delete_tag',
  title: 'Delete a Docker Hub tag',
  description:
    'Deletes one tag from a Docker Hub repository the login may write to. This cannot be undone: confirm with the ' +
    'user first. The image must name the tag explicitly (e.g. alice/my-app:old); a bare name is refused rather ' +
    'than taken as latest. Other tags pointing at the same digest are not touched. ' +
    'Needs DOCKERHUB_USERNAME and DOCKERHUB_TOKEN with delete scope.',
  input: {
    image: imageArg('Image with the tag to delete, e.g. alice/my-app:old'),
  },
  output: {
    deleted: z.literal(true),
    image: z.string(),
    namespace: z.string(),
    repository: z.string(),
    tag: z.string(),
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  async handler(args, services, signal) {
    services.hubAuth.requireCredentials('deleting a tag');
    const hub = hubImageName(args.image, 'docker_delete_tag');
    if (!hub.tagWritten || !hub.tag || hub.reference.digest) {
      throw invalidInput('image', `must name exactly the tag to delete, without a digest (e.g. ${hub.familiar}:old)`);
    }
    await services.hub.deleteTag(hub.namespace, hub.name, hub.tag, signal);
    return { deleted: true as const, image: `${hub.familiar}:${hub.tag}`, namespace: hub.namespace, repository: hub.name, tag: hub.tag };
  },
  summarize(result) {
    return `Deleted tag ${result.image} from Docker Hub.`;
  },
  example: { image: 'alice/private-app:1' },
});
