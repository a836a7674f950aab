import { z } from 'zod';
import { baseHistoryLength } from '../analysis/baseImage';
import { reconstructDockerfile, type DockerfileBase } from '../analysis/dockerfile';
import { digestsPhrase, imageIdentity, platformPhrase } from '../analysis/imageIdentity';
import { DockerMcpError } from '../errors';
import { platformString } from '../registry/platform';
import { parseReference, withDigest } from '../registry/reference';
import { labelledBaseReference } from './labelledBase';
import type { ResolvedImage } from '../registry/types';
import type { Services } from '../services';
import { imageArg, platformArg, pinDigestOutput, readDigestOutput, resolvedAtField, tagAgeNote } from './schemas';
import { defineTool, READ_ONLY } from './tool';
import { fence } from '../untrusted';

export const getDockerfile = defineTool({
  name: 'docker_get_dockerfile',
  title: 'Reconstruct Dockerfile',
  description:
    'Dockerfile reconstructed from the image history; notes say what history lost (COPY sources, earlier stages).',
  input: {
    image: imageArg(),
    platform: platformArg,
  },
  output: {
    image: z.string(),
    digest: readDigestOutput,
    pin_digest: pinDigestOutput,
    platform: z.string(),
    resolved_at: resolvedAtField,
    dockerfile: z.string().describe('The reconstructed Dockerfile text'),
    base: z
      .object({
        name: z.string().describe('From org.opencontainers.image.base.name'),
        digest: z.string().nullable().describe('From org.opencontainers.image.base.digest'),
        instructions_left_out: z.number().nullable().describe('History entries of the base left out; null when they could not be told apart'),
      })
      .nullable()
      .describe('The base image the labels name; null when the image does not record it'),
    instruction_count: z.number(),
    notes: z.array(z.string()),
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const resolved = await services.registry.getImage(parseReference(args.image), args.platform, signal);
    const notes: string[] = [];
    const base = await labelledBase(resolved, services, signal, notes);
    const reconstructed = reconstructDockerfile(resolved.config.history ?? [], {
      source: `${resolved.reference.familiar} (${platformString(resolved.platform)}, ${resolved.digest})`,
      base,
    });
    if (!args.platform && resolved.platformChoice !== 'only') notes.push(`Platform chosen: ${platformPhrase(resolved)}.`);
    if ((resolved.config.history ?? []).length === 0) notes.push('The image config has no history: nothing could be reconstructed.');
    return {
      ...imageIdentity(resolved),
      dockerfile: reconstructed.text,
      base: base ? { name: base.name, digest: base.digest ?? null, instructions_left_out: base.historyEntries ?? null } : null,
      instruction_count: reconstructed.instructionCount,
      notes: [...reconstructed.notes, ...notes],
    };
  },
  summarize(result) {
    return [
      `Dockerfile of ${result.image} (${result.platform}; ${digestsPhrase(result)}), ${result.instruction_count} instructions, reconstructed from history:`,
      fence(result.dockerfile, 'dockerfile'),
      ...result.notes.map((note) => `- ${note}`),
      ...tagAgeNote(result.image, result.resolved_at),
    ].join('\n');
  },
  example: { image: 'app:1' },
});

/**
 * The base the labels name, and how many history entries are its own: read from the base as it was when the image
 * was built (by the digest label), so its history is the one the image started from.
 */
async function labelledBase(
  resolved: ResolvedImage,
  services: Services,
  signal: AbortSignal,
  notes: string[],
): Promise<DockerfileBase | undefined> {
  const labelled = await labelledBaseReference(resolved, services, notes);
  if (labelled?.name === undefined) return undefined;
  const named = { name: labelled.name, ...(labelled.digest ? { digest: labelled.digest } : {}) };
  if (!labelled.reference) return named;
  const reference = labelled.digest ? withDigest(labelled.reference, labelled.digest) : labelled.reference;
  try {
    const base = await services.registry.getImage(reference, platformString(resolved.platform), signal);
    const historyEntries = baseHistoryLength(resolved.config.history ?? [], base.config.history ?? []);
    if (historyEntries === undefined) notes.push(`The history of ${reference.familiar} is not the start of this image's history.`);
    return { ...named, ...(historyEntries !== undefined ? { historyEntries } : {}) };
  } catch (err) {
    if (!(err instanceof DockerMcpError) || signal.aborted) throw err;
    notes.push(`The base ${reference.familiar} could not be read (${err.toText()}).`);
    return named;
  }
}
