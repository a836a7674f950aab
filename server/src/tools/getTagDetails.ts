import { z } from 'zod';
import { DockerMcpError, invalidInput } from '../errors';
import { day, formatBytes } from '../format';
import { hubImageName } from '../hub/reference';
import { IMAGE_CONFIG_TYPES } from '../registry/manifest';
import { platformString } from '../registry/platform';
import { hubRepositoryArg } from './schemas';
import { defineTool, READ_ONLY } from './tool';

const image = z.object({
  platform: z.string().describe('os/arch[/variant]'),
  architecture: z.string(),
  os: z.string(),
  variant: z.string().nullable(),
  digest: z.string().nullable().describe('Digest of this platform’s manifest'),
  size: z.number().nullable().describe('Compressed size in bytes'),
  status: z.string().nullable(),
  last_pushed: z.string().nullable(),
  last_pulled: z.string().nullable(),
});

export const getTagDetails = defineTool({
  name: 'docker_get_tag_details',
  title: 'Docker Hub tag details',
  description:
    'One Docker Hub tag: digest, media type; per platform the digest, size, last push and pull.',
  input: {
    image: hubRepositoryArg('Image and tag'),
  },
  output: {
    image: z.string().describe('The tag as people write it, e.g. nginx:1.27'),
    namespace: z.string(),
    repository: z.string(),
    tag: z.string(),
    digest: z.string().nullable().describe('Digest of the index or manifest the tag points to'),
    media_type: z.string().nullable().describe('Media type of the manifest the tag points at (image manifest, OCI index or manifest list), read from the registry'),
    content_type: z.string().nullable(),
    full_size: z.number().nullable().describe('Compressed size in bytes as Hub reports it (amd64 or first platform)'),
    last_updated: z.string().nullable(),
    last_updater_username: z.string().nullable(),
    tag_status: z.string().nullable(),
    tag_last_pushed: z.string().nullable(),
    tag_last_pulled: z.string().nullable(),
    images: z.array(image).describe('One entry per platform'),
    attestation_images: z.number().describe('Attestation entries (unknown/unknown) left out of images'),
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const hub = hubImageName(args.image, 'docker_get_tag_details');
    if (!hub.tag) throw invalidInput('image', 'must carry a tag (e.g. nginx:1.27); Docker Hub keeps details per tag, not per digest');
    // Hub gives a single-manifest tag its config media type; a HEAD (no pull counted) gives the manifest's own.
    const [tag, head] = await Promise.all([
      services.hub.getTag(hub.namespace, hub.name, hub.tag, signal),
      services.registry.headManifest(hub.reference, signal).catch((err) => {
        if (!(err instanceof DockerMcpError) || signal.aborted) throw err;
        return undefined;
      }),
    ]);
    return {
      image: `${hub.familiar}:${hub.tag}`,
      namespace: hub.namespace,
      repository: hub.name,
      tag: hub.tag,
      digest: tag.digest ?? null,
      media_type: head?.mediaType ?? (tag.media_type && !IMAGE_CONFIG_TYPES.has(tag.media_type) ? tag.media_type : null),
      content_type: tag.content_type ?? null,
      full_size: tag.full_size ?? null,
      last_updated: tag.last_updated ?? null,
      last_updater_username: tag.last_updater_username ?? null,
      tag_status: tag.tag_status ?? null,
      tag_last_pushed: tag.tag_last_pushed ?? null,
      tag_last_pulled: tag.tag_last_pulled ?? null,
      images: tag.images.map((entry) => ({
        platform: platformString(entry),
        architecture: entry.architecture,
        os: entry.os,
        variant: entry.variant ?? null,
        digest: entry.digest ?? null,
        size: entry.size ?? null,
        status: entry.status ?? null,
        last_pushed: entry.last_pushed ?? null,
        last_pulled: entry.last_pulled ?? null,
      })),
      attestation_images: tag.attestation_images,
    };
  },
  summarize(result) {
    const lines = [
      `${result.image}: ${result.digest ?? 'no digest'} (${result.media_type ?? 'unknown media type'}), ` +
        `pushed ${day(result.tag_last_pushed)}, pulled ${day(result.tag_last_pulled)}.`,
      `${result.images.length} platform(s)${result.attestation_images ? `, ${result.attestation_images} attestation(s) left out` : ''}:`,
      ...result.images.map(
        (entry) => `- ${entry.platform}: ${entry.digest ?? '?'} ${formatBytes(entry.size)}, pushed ${day(entry.last_pushed)}, pulled ${day(entry.last_pulled)}`,
      ),
    ];
    return lines.join('\n');
  },
  example: { image: 'web:1.27' },
});
